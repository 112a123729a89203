"""A resident signs up, reports with details filled from their profile, tells us once
about a move and sees it reach their open request and the services that need it, then
deletes their account. axe checks every account page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from onecouncil.cases.models import Case
from onecouncil.catalogue.models import Service
from onecouncil.notify.services import outbox_process
from onecouncil.residents.models import Account, Address
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def link_in_last_email(to: str) -> str:
    outbox_process()
    body = next(m for m in reversed(mail.outbox) if m.to == [to]).body
    return re.search(r"(http://\S+/account/\S+/\S+/)", body).group(1)


def test_sign_up_report_tell_us_once_and_delete(demo, page):
    Service.objects.filter(council__slug="riverbend", code="ctax-change-address").update(
        receives_changes=True
    )
    home = Address.objects.filter(council__slug="riverbend", postcode="RB1 1AA").first()
    new_home = Address.objects.filter(council__slug="riverbend").exclude(postcode="RB1 1AA").last()
    email = "yusuf.khan@example.com"

    page.goto(f"{demo}/riverbend/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").click()
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Create account").click()
    assert_accessible(page)
    page.goto(link_in_last_email(email))
    expect(page.locator("#flash")).to_contain_text("Your email address is confirmed")
    assert_accessible(page)

    page.get_by_role("link", name="Your details").click()
    page.get_by_label("Full name").fill("Yusuf Khan")
    page.get_by_label("Phone number").fill("07700 900444")
    page.get_by_label("Postcode of your address").fill("rb1 1aa")
    page.get_by_role("button", name="Find address").click()
    page.get_by_label("Your address", exact=True).select_option(str(home.uprn))
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("English").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#flash")).to_contain_text("Your profile is saved")

    # A report: the place and the contact details come from the profile.
    page.goto(f"{demo}/riverbend/report/missed-bin/questions/")
    page.get_by_label("General waste (black bin)").check()
    page.get_by_role("group", name=re.compile("7am")).get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()
    assert page.locator(f"input[value='{home.uprn}']").is_checked()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name=re.compile("^Continue")).click()
    assert page.get_by_label("Full name").input_value() == "Yusuf Khan"
    assert page.get_by_label("Email address").input_value() == email
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send request").click()
    reference = page.locator("#reference").inner_text().strip()

    # Their own request opens everything they sent; the table reflows on a phone.
    page.get_by_role("link", name="Your account").click()
    assert reference in page.locator("#my-requests").inner_text()
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "account-375.png"), full_page=True)
    page.set_viewport_size({"width": 1024, "height": 900})
    page.locator("#my-requests").get_by_role("link", name=reference).click()
    expect(page.get_by_text(email)).to_be_visible()
    expect(page.get_by_text("General waste (black bin)")).to_be_visible()
    assert_accessible(page)

    # Tell us once: a move.
    page.get_by_role("link", name="Your account").click()
    page.get_by_role("link", name=re.compile("Tell us about a change")).click()
    page.get_by_label("Postcode of your new address").fill(new_home.postcode)
    page.get_by_role("button", name="Find address").click()
    page.get_by_label("Your new address", exact=True).select_option(str(new_home.uprn))
    page.get_by_label("Update the contact details on my open requests").check()
    page.get_by_label("Tell every council service that needs to know").check()
    assert_accessible(page)
    page.get_by_role("button", name="Tell us").click()
    expect(page.locator("#passed-to")).to_be_visible()
    told = page.locator("#passed-to").inner_text()
    assert reference in told and "Tell us you are moving home (council tax)" in told
    assert_accessible(page)
    task = Case.objects.get(service__code="ctax-change-address", account__email=email)
    assert task.change_details["address"]["new"] == new_home.single_line

    page.get_by_role("link", name="Back to your account").click()
    page.get_by_role("link", name="Delete your account").click()
    assert_accessible(page)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account has been deleted")).to_be_visible()
    assert not Account.objects.filter(email=email).exists()
    assert Case.objects.get(reference=reference).account is None
