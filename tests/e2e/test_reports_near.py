"""Reports near me, area alerts and staff maps in Chromium: every new page checked with
axe and looked at in screenshots at 375 and 1366 pixels, every new form clicked once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from onecouncil.alerts.models import AreaAlert
from onecouncil.cases.inputs import Location
from onecouncil.catalogue.models import Service
from onecouncil.core.models import Council, Membership
from onecouncil.notify.models import Notification
from onecouncil.residents.models import Address
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_every_form import PASSWORD, _staff_sign_in
from tests.factories import make_case

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _pothole_near(council):
    address = Address.objects.filter(council=council, latitude__isnull=False).order_by("pk").first()
    service = Service.objects.get(council=council, code="pothole")
    case = make_case(
        service,
        answers={"size": "small", "where_in_road": "middle"},
        location=Location(
            latitude=address.latitude + 0.0003,
            longitude=address.longitude,
            street=address.street,
            description="By the kerb",
        ),
    ).case
    return address, case


def _passwords(*usernames: str) -> None:
    for name in usernames:
        user = get_user_model().objects.get(username=name)
        user.set_password(PASSWORD)
        user.save()


def _path(url: str) -> str:
    return url[url.index("/riverbend/") :]


def test_reports_near_a_postcode_and_an_alert_confirmed_and_stopped(demo, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    council = Council.objects.get(slug="riverbend")
    address, case = _pothole_near(council)
    for width in (375, 1366):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(f"{demo}/riverbend/")
        page.get_by_role("link", name="See what has been reported near you").click()
        expect(page.get_by_role("heading", name="Reports near you")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Postcode or street").fill(address.postcode)
        page.get_by_role("button", name="Show reports").click()
        expect(
            page.get_by_role("heading", name=re.compile(r"report.* within 500 metres"))
        ).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("Report a pothole"))).to_be_visible()
        expect(page.locator("#near-map .oc-map__report")).to_have_count(1)
        assert_accessible(page)
        page.screenshot(path=str(SCREENSHOTS / f"reports-near-{width}.png"), full_page=True)
        if width == 375:
            context.close()
    # Subscribe: a mistake first, then the address.
    page.get_by_role("button", name="Email me new reports").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    assert_accessible(page)
    page.get_by_label("Email address").fill("neighbour@example.com")
    page.get_by_role("button", name="Email me new reports").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert_accessible(page)
    notification = Notification.objects.get(kind="alert_confirm")
    page.goto(demo + _path(notification.context["confirm_url"]))
    assert_accessible(page)
    page.get_by_role("button", name="Yes, start my alerts").click()
    expect(page.get_by_role("heading", name="Your alerts have started")).to_be_visible()
    alert = AreaAlert.objects.get()
    assert alert.confirmed_at is not None and alert.email == "neighbour@example.com"
    page.goto(f"{demo}/riverbend/alerts/stop/{alert.token}/")
    assert_accessible(page)
    page.get_by_role("button", name="Stop the alerts").click()
    expect(page.get_by_role("heading", name="Your alerts have stopped")).to_be_visible()
    alert.refresh_from_db()
    assert alert.unsubscribed_at is not None
    # A report's link on the map's list is its public tracking page.
    page.goto(f"{demo}/riverbend/reports/?place={address.postcode}")
    page.get_by_role("link", name=re.compile("Report a pothole")).click()
    expect(page.get_by_text(case.reference).first).to_be_visible()
    context.close()


def test_the_queue_map_and_a_councillors_ward_alerts(demo, browser):
    council = Council.objects.get(slug="riverbend")
    _address, case = _pothole_near(council)
    _passwords("officer@riverbend.example", "councillor@riverbend.example")
    context = browser.new_context(viewport={"width": 375, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    _staff_sign_in(page, demo, "officer@riverbend.example", PASSWORD)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{demo}/riverbend/staff/queue/")
        page.get_by_role("link", name="See these on a map").click()
        expect(page.get_by_role("heading", name="Requests on a map")).to_be_visible()
        expect(page.locator("#queue-map .oc-map__report").first).to_be_visible()
        expect(page.get_by_role("link", name=case.reference)).to_be_visible()
        assert_accessible(page)
        page.screenshot(path=str(SCREENSHOTS / f"queue-map-{width}.png"), full_page=True)
    context.close()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    councillor = Membership.objects.get(
        council=council, user__username="councillor@riverbend.example"
    )
    _staff_sign_in(page, demo, "councillor@riverbend.example", PASSWORD)
    page.get_by_role("link", name="Ward alerts").click()
    assert_accessible(page)
    page.get_by_role("button", name="Email me new requests in my wards").click()
    expect(page.get_by_text("We will email you about new requests in your wards.")).to_be_visible()
    assert AreaAlert.objects.active().filter(membership=councillor).exists()
    page.screenshot(path=str(SCREENSHOTS / "ward-alerts-1366.png"), full_page=True)
    page.get_by_role("button", name="Stop the alerts").click()
    expect(page.get_by_text("You do not get these alerts.")).to_be_visible()
    context.close()
