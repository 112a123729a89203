"""What real use found, tried in Chromium as the people who hit it: an adviser records a
noise complaint whose question is coded like the place's own field; an officer cannot send
a message template as a public update; a data protection officer opens the subject access
document to send; and a private link opened in a second browser asks for a new link."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from onecouncil.cases.actions import PRIVATE_LINK_GRACE
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case, ResponseTemplate
from onecouncil.catalogue.models import Service
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_every_form import PASSWORD, SCREENSHOTS, _context, _staff_sign_in
from tests.factories import make_case

pytestmark = pytest.mark.e2e


def _look(page, name: str) -> None:
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_real_use_forms_in_chromium(demo, browser):
    users = get_user_model().objects
    for name in ("adviser@riverbend.example", "admin@riverbend.example"):
        user = users.get(username=name)
        user.set_password(PASSWORD)
        user.save()
    council = Council.objects.get(slug="riverbend")

    # The adviser: "Describe the noise" and "Describe the place" are two fields.
    context = _context(browser)
    page = context.new_page()
    _staff_sign_in(page, demo, "adviser@riverbend.example", PASSWORD)
    page.goto(f"{demo}/riverbend/staff/new/noise/")
    page.get_by_label("Email address").fill("caller@example.com")
    page.get_by_label("Loud music or parties").check()
    page.get_by_label("Day", exact=True).fill("1")
    page.get_by_label("Month", exact=True).fill("12")
    page.get_by_label("Year", exact=True).fill("2026")
    page.get_by_label("Every day").check()
    page.get_by_label("Describe the noise and how it affects you").fill("Bass until 3am")
    page.get_by_label("Street name").fill("High Street")
    page.get_by_role("button", name="Create request").click()
    # The place box left empty: its own error, and the caller's words are still there.
    expect(page.locator(".govuk-error-summary")).to_contain_text("Describe where on the street")
    expect(page.get_by_label("Describe the noise and how it affects you")).to_have_value(
        "Bass until 3am"
    )
    page.get_by_label("Describe the place").fill("Flat above the chip shop")
    page.get_by_role("button", name="Create request").click()
    expect(page.get_by_text("Read this reference number to the caller")).to_be_visible()
    reference = page.locator("#reference").inner_text().strip()
    noise = Case.objects.get(reference=reference)
    assert noise.answers["description"] == "Bass until 3am"
    assert noise.location_description == "Flat above the chip shop"
    context.close()

    # The officer: a message template is never a public update.
    pothole = Service.objects.get(council=council, code="pothole")
    reported = make_case(
        pothole,
        answers={q.code: q.options[0]["value"] for q in pothole.questions.all() if q.options},
        location=Location(street="Weir Road", description="By the bridge"),
        contact=Contact(name="Oliver Khan", email="oliver@example.com"),
    )
    ResponseTemplate.objects.create(
        council=council, name="Dear resident", use="message", body="Dear {name}, we are on it."
    )
    context = _context(browser)
    page = context.new_page()
    _staff_sign_in(page, demo, "admin@riverbend.example", PASSWORD)
    page.goto(f"{demo}/riverbend/staff/cases/{reported.case.reference}/")
    page.get_by_label("Start from a template").select_option(label="Dear resident")
    page.get_by_role("button", name="Use template").click()
    assert "Dear Oliver Khan" in page.get_by_label("Your words").input_value()
    page.get_by_label(re.compile("^Public update")).check()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("template for private messages")
    page.goto(f"{demo}/riverbend/track/{reported.case.reference}/")
    assert "Oliver" not in page.content()

    # The data protection officer opens the document to send.
    page.goto(f"{demo}/riverbend/staff/privacy/")
    page.get_by_label("Email address").fill("oliver@example.com")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Open the document to send them").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The personal information we hold about you"
    )
    expect(page.locator("main")).to_contain_text(reported.case.reference)
    _look(page, "subject-access-document")
    context.close()

    # A private link opened again, elsewhere, after the grace period.
    link = f"{demo}/riverbend/track/{reported.case.reference}/{reported.private_token}/"
    first = _context(browser)
    first.new_page().goto(link)
    Case.objects.filter(pk=reported.case.pk).update(
        private_link_claimed_at=timezone.now() - PRIVATE_LINK_GRACE - dt.timedelta(minutes=1)
    )
    second = _context(browser)
    page = second.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Get a new private link")
    assert "oliver@example.com" not in page.content()
    _look(page, "new-private-link")
    page.get_by_role("button", name="Email me a new link").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    page.get_by_label("Email address").fill("oliver@example.com")
    page.get_by_role("button", name="Email me a new link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)
    first.close()
    second.close()
    assert Path(SCREENSHOTS / "subject-access-document-375.png").exists()


def test_resident_pages_real_use_changed(demo, browser):
    """The place step (location first, the map and the pin), the public report page with
    its map, words and photos once approved, and the performance page: axe and
    screenshots at 375 and 1366 px."""
    from onecouncil.cases.actions import case_publish_description

    council = Council.objects.get(slug="riverbend")
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{demo}/riverbend/report/pothole/questions/")
    page.get_by_label("Smaller than a dinner plate").check()
    page.get_by_label("In the middle of the road").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/location/$"))
    # "Use my current location" comes before the map and the postcode box.
    order = page.evaluate(
        "[...document.querySelectorAll('#use-my-location, .oc-map, #id_postcode')].map(e => e.id)"
    )
    assert order[0] == "use-my-location", order
    _look(page, "place-step")

    pothole = Service.objects.get(council=council, code="pothole")
    made = make_case(
        pothole,
        answers={q.code: q.options[0]["value"] for q in pothole.questions.all() if q.options},
        location=Location(street="Weir Road", description="By the bridge"),
        contact=Contact(name="Ann Lee", email="ann@example.com"),
        description="A deep hole by the bridge, about a foot across",
    ).case
    case_publish_description(case=made, actor=Actor.system("Officer"))
    page.goto(f"{demo}/riverbend/track/{made.reference}/")
    expect(page.locator("#what")).to_be_visible()
    expect(page.locator("main")).to_contain_text("A deep hole by the bridge")
    _look(page, "public-report")

    page.goto(f"{demo}/riverbend/performance/")
    expect(page.locator("#same-requests")).to_be_visible()
    page.keyboard.press("Tab")
    _look(page, "performance")
    context.close()


def test_a_resident_stops_an_alert_and_an_officer_shows_photos(demo, browser):
    """The new POST forms in Chromium: stopping an alert from the account page, and
    showing a public request's photos then hiding its description (staff)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from onecouncil.alerts.models import AreaAlert
    from onecouncil.alerts.services import alert_subscribe
    from onecouncil.cases.actions import case_add_photo, case_publish_description
    from tests.frontdoor.test_accounts import GOOD_PASSWORD, make_account

    council = Council.objects.get(slug="riverbend")
    make_account(council, email="near.me@example.com")
    alert = alert_subscribe(
        council=council,
        email="near.me@example.com",
        place_name="Mill Lane",
        point=_a_point(council),
        radius=500,
    ).alert
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{demo}/riverbend/account/sign-in/")
    page.get_by_label("Email address").fill("near.me@example.com")
    page.get_by_label("Password").fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{demo}/riverbend/account/")
    expect(page.locator("#alerts")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Stop the alert for new reports")).click()
    expect(page.get_by_text("That alert is stopped")).to_be_visible()
    alert.refresh_from_db()
    assert alert.unsubscribed_at is not None
    context.close()

    pothole = Service.objects.get(council=council, code="pothole")
    made = make_case(
        pothole,
        answers={q.code: q.options[0]["value"] for q in pothole.questions.all() if q.options},
        location=Location(street="Weir Road", description="By the bridge"),
        contact=Contact(name="Ann Lee", email="ann@example.com"),
        description="A deep hole by the bridge",
    ).case
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "grey").save(out, "PNG")
    case_add_photo(
        case=made,
        upload=SimpleUploadedFile("hole.png", out.getvalue(), content_type="image/png"),
        actor=Actor.system("Crew"),
    )
    case_publish_description(case=made, actor=Actor.system("Officer"))
    admin = get_user_model().objects.get(username="admin@riverbend.example")
    admin.set_password(PASSWORD)
    admin.save()
    context = _context(browser)
    page = context.new_page()
    _staff_sign_in(page, demo, "admin@riverbend.example", PASSWORD)
    page.goto(f"{demo}/riverbend/staff/cases/{made.reference}/")
    page.get_by_role("button", name="Show the photos on the public page").click()
    expect(page.locator("#flash")).to_contain_text("Photos shown on the public page")
    page.get_by_role("button", name="Hide it from the public").click()
    expect(page.locator("#flash")).to_contain_text("Description hidden from the public")
    assert_accessible(page)
    page.goto(f"{demo}/riverbend/track/{made.reference}/")
    expect(page.locator(".oc-photo-list img")).to_have_count(1)
    assert "A deep hole by the bridge" not in page.content()
    assert AreaAlert.objects.filter(pk=alert.pk, email="").exists()
    context.close()


def _a_point(council):
    from onecouncil.residents.models import Address

    address = Address.objects.filter(council=council, latitude__isnull=False).first()
    return (address.latitude, address.longitude)
