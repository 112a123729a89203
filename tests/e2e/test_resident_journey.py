"""A resident reports a missed bin and a pothole, with and without JavaScript, then
tracks each by its reference. axe-core checks every page of the journey."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from onecouncil.cases.models import Case
from onecouncil.notify.services import outbox_process
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e


def continue_(page):
    page.get_by_role("button", name=re.compile("^Continue")).click()


def test_missed_bin_with_javascript(demo, page):
    page.goto(f"{demo}/riverbend/")
    assert_accessible(page)
    page.get_by_label("What do you want to report or request?").fill("bin")
    page.get_by_role("button", name="Search").click()
    assert_accessible(page)
    page.get_by_role("link", name="Report a missed bin collection").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()

    # An empty form first: the error summary, and it must be accessible too.
    continue_(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    page.get_by_label("General waste (black bin)").check()
    page.get_by_role("group", name=re.compile("out for collection by 7am")).get_by_label(
        "Yes"
    ).check()
    continue_(page)

    page.get_by_label("Postcode").fill("zz99 9zz")
    page.get_by_role("button", name="Find address").click()
    assert "Enter a real postcode" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Postcode").fill("rb1 1aa")
    page.get_by_role("button", name="Find address").click()
    page.locator("#address-list input[type=radio]").first.check()
    assert_accessible(page)
    continue_(page)

    assert_accessible(page)
    continue_(page)  # no photo

    page.get_by_label("Full name").fill("Priya Patel")
    page.get_by_label("Email address").fill("priya.patel@example.com")
    continue_(page)

    expect(page.get_by_role("heading", name=re.compile("Check your answers"))).to_be_visible()
    assert "General waste (black bin)" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Send request").click()

    reference = page.locator("#reference").inner_text().strip()
    assert re.fullmatch(r"RVB-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    assert_accessible(page)
    page.reload()  # reloading the confirmation never files it again
    assert Case.objects.filter(reference=reference).count() == 1
    assert Case.objects.count() == 1

    # The confirmation email carries the reference and both links.
    assert outbox_process() == 1
    body = mail.outbox[-1].body
    assert reference in body
    private_url = re.search(r"(http://\S+/track/\S+/\S+/)", body).group(1)

    # Anyone with the reference can follow it.
    page.goto(f"{demo}/riverbend/track/")
    page.get_by_label("Reference number").fill(reference.lower().replace("-", " "))
    page.get_by_role("button", name="Find my request").click()
    page.wait_for_url(re.compile(f"/track/{reference}/$"))
    assert "Received" in page.content()
    assert "Priya" not in page.content()
    assert_accessible(page)

    # The reporter's private link shows everything they sent.
    page.goto(private_url)
    assert page.url.endswith("/yours/")  # the token left the address bar
    assert "Priya Patel" in page.content() and "priya.patel@example.com" in page.content()
    assert_accessible(page)


def photo_file(tmp_path):
    path = tmp_path / "pothole.jpg"
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 90, 90)).save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return path


def test_pothole_without_javascript_with_a_photo(demo, page_without_js, tmp_path):
    page = page_without_js
    page.goto(f"{demo}/riverbend/services/pothole/")
    assert "call 01632 960 111" in page.content()  # the urgent-safety notice comes first
    page.get_by_role("button", name="Start now").click()

    page.get_by_label("About the size of a car tyre").check()
    page.get_by_label("In the middle of the road").check()
    continue_(page)

    # Not at an address: a street and a description of the place.
    page.get_by_label("Street name").fill("Weir Road")
    page.get_by_label("Describe the place").fill("Opposite the bus shelter, near the bridge")
    continue_(page)

    page.get_by_label("Upload a photo").set_input_files(str(photo_file(tmp_path)))
    page.get_by_role("button", name="Upload photo").click()
    assert page.locator(".oc-photo-list img").count() == 1
    continue_(page)

    page.get_by_label("Full name").fill("Tomasz Nowak")
    page.get_by_label("Phone number").fill("07700 900123")
    continue_(page)

    assert "1 photo" in page.content()
    page.get_by_role("button", name="Send request").click()
    reference = page.locator("#reference").inner_text().strip()
    case = Case.objects.get(reference=reference)
    assert case.photos.count() == 1
    assert case.street == "Weir Road"
    assert case.contact_phone == "07700 900123"

    # No email was given, so the private link is shown on the confirmation page.
    private = page.locator("#private-link").get_attribute("href")
    page.get_by_role("link", name="track this request").click()
    expect(page.get_by_role("heading", name=re.compile(reference))).to_be_visible()
    assert reference in page.content() and "Weir Road" in page.content()
    assert "Tomasz" not in page.content()
    page.goto(private)
    assert "Tomasz Nowak" in page.content()
    assert page.locator(".oc-photo-list img").count() == 1


def test_double_click_on_send_files_one_request(demo, browser):
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{demo}/northfield/report/graffiti/questions/")
    page.get_by_label("No").check()
    continue_(page)
    page.get_by_label("Street name").fill("Front Street")
    page.get_by_label("Describe the place").fill("On the railway bridge")
    continue_(page)
    continue_(page)
    page.get_by_label("Full name").fill("Isla Hughes")
    page.get_by_label("Email address").fill("isla@example.com")
    continue_(page)
    button = page.get_by_role("button", name="Send request")
    button.dblclick()
    page.wait_for_url(re.compile("/report/done/"))
    page.reload()
    assert Case.objects.count() == 1
    assert Case.objects.get().reference.startswith("NFD-")
    context.close()
