"""An adviser takes a phone report for an existing resident; an officer assigns it, posts
a public update from a template and closes it; the resident sees every step and is told."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case
from onecouncil.notify.services import outbox_process
from onecouncil.residents.models import Address
from tests.e2e.conftest import assert_accessible, pass_two_factor
from tests.factories import make_case

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
PASSWORD = "a-long-demo-password-2026"


def sign_in_with_keyboard(page, base, username):
    page.goto(f"{base}/riverbend/staff/")
    page.keyboard.press("Tab")  # the skip link comes first
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "id_username":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    pass_two_factor(page, username)
    page.wait_for_url(lambda url: urlparse(url).path.endswith("/staff/queue/"))


def test_phone_report_worked_to_closure(demo, browser):
    from onecouncil.catalogue.models import Service
    from onecouncil.core.models import Council

    users = get_user_model().objects
    for name in ("adviser@riverbend.example", "officer@riverbend.example"):
        user = users.get(username=name)
        user.set_password(PASSWORD)
        user.save()
    council = Council.objects.get(slug="riverbend")
    missed = Service.objects.get(council=council, code="missed-bin")
    address = Address.objects.filter(council=council).first()
    earlier = make_case(
        missed,
        answers={"which_bin": "general", "out_by_7am": "yes"},
        location=Location(address=address),
        contact=Contact(name="Niamh Murphy", email="niamh@example.com", phone="07700 900321"),
    ).case
    outbox_process()
    mail.outbox.clear()

    # The adviser, on the phone.
    adviser = browser.new_context()
    adviser.set_default_timeout(10_000)
    page = adviser.new_page()
    sign_in_with_keyboard(page, demo, "adviser@riverbend.example")
    assert_accessible(page)
    page.get_by_role("link", name="New request").click()
    assert_accessible(page)
    page.get_by_label("Search for a service").fill("bin not emptied")
    page.get_by_role("button", name="Search").click()
    page.locator("#results + ul").get_by_role("link", name="Report a missed bin collection").click()
    page.get_by_label("Name, postcode, phone or email").fill("07700 900321")
    page.get_by_role("button", name="Find", exact=True).click()
    assert_accessible(page)
    page.get_by_role("link", name="Use Niamh Murphy's details").click()
    assert page.get_by_label("Email address").input_value() == "niamh@example.com"
    page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Recycling (blue bin)").check()
    page.get_by_role("group", name=re.compile("out for collection by 7am")).get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Address", exact=True).select_option(str(address.uprn))
    page.get_by_role("button", name="Create request").click()
    # The last page: the reference to read to the caller.
    expect(page.get_by_text("Read this reference number to the caller")).to_be_visible()
    reference = page.locator("#reference").inner_text().strip()
    assert re.fullmatch(r"[A-Z]{3}-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    assert_accessible(page)
    page.get_by_role("link", name="Open the request").click()
    assert earlier.reference in page.locator("#other-requests").inner_text()
    assert_accessible(page)
    case = Case.objects.get(reference=reference)
    assert case.channel == "phone" and case.contact_name == "Niamh Murphy"
    adviser.close()

    # The officer works it.
    officer = browser.new_context()
    officer.set_default_timeout(10_000)
    page = officer.new_page()
    sign_in_with_keyboard(page, demo, "officer@riverbend.example")
    # The queue uses a desktop's width and reflows on a phone.
    page.set_viewport_size({"width": 1366, "height": 900})
    assert page.locator("main").bounding_box()["width"] > 1100
    page.screenshot(path=str(SCREENSHOTS / "queue-1366.png"))
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SCREENSHOTS / "queue-375.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name=reference).click()
    assert_accessible(page)
    page.get_by_label("Assign to").select_option(label="Owen Officer")
    page.get_by_role("button", name="Save assignment").click()
    page.get_by_label("Start from a template").select_option(label="Crew on the way")
    page.get_by_role("button", name="Use template").click()
    message = page.get_by_label("Your words").input_value()
    assert reference in message
    assert page.get_by_label(re.compile("^Public update")).is_checked()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("Update published")
    # A private message, for the reporter alone.
    page.get_by_label(re.compile("^Private message")).check()
    page.get_by_label("Your words").fill("Niamh, please leave the gate open on Friday.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#flash")).to_contain_text("Message sent")
    page.get_by_label("New status").select_option("closed")
    page.get_by_label("Reason for closing (needed to close)").select_option("no_action")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#flash")).to_contain_text("Status changed")
    assert_accessible(page)
    officer.close()

    # The resident follows it and has been told at every step.
    resident = browser.new_context(java_script_enabled=False)
    page = resident.new_page()
    page.goto(f"{demo}/riverbend/track/{reference}/")
    text = page.content()
    assert "A crew is on the way" in text
    assert "Closed" in text and "no action is needed" in text
    assert "Niamh" not in text and "gate open" not in text  # the message was private
    resident.close()
    outbox_process()
    subjects = [m.subject for m in mail.outbox if m.to == ["niamh@example.com"]]
    assert len(subjects) == 4, subjects  # received, update, message, closed
    assert any("Update on your request" in s and "Closed" in s for s in subjects)
    case.refresh_from_db()
    assert case.status == "closed" and case.assignee.username == "officer@riverbend.example"
