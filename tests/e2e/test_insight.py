"""Insight in Chromium: a service manager reads every dashboard (axe on each, screenshots
at 375 and 1366 px), changes the filters and downloads a table; a councillor sees only
their wards, with small numbers withheld."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from onecouncil.core.models import Membership, Role
from tests.e2e.conftest import assert_accessible, pass_two_factor

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "a-long-demo-password-2026"


@pytest.fixture
def insight_demo(transactional_db, live_server, settings, tmp_path):
    """The demo with a little history (make run loads 6,000 requests a council)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command(
        "load_demo",
        requests=0,
        history=500,
        base_url=live_server.url,
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    for user in get_user_model().objects.all():
        user.set_password(PASSWORD)
        user.save()
    return live_server.url


def _sign_in(browser, base, username, width=1366):
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/riverbend/staff/sign-in/")
    page.get_by_label("Email address or username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    pass_two_factor(page, username)
    page.wait_for_url(re.compile(r"/staff/queue/"))
    return context, page


def test_a_service_manager_reads_the_dashboards_and_downloads_a_table(insight_demo, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page = _sign_in(browser, insight_demo, "manager@riverbend.example")
    page.get_by_role("link", name="Insight", exact=True).click()
    expect(page.get_by_role("heading", name="Insight", level=1)).to_be_visible()
    expect(page.locator("#insight-refreshed")).to_contain_text("Figures as at")
    for name, heading in (
        ("Demand", "Requests received each week"),
        ("Service levels", "Closed within target, by month"),
        ("Channels", "Channels by month"),
        ("Cost and savings", "Cost by channel"),
        ("Forecasts", "Forecasts by service, and how far to trust them"),
        ("Satisfaction", "Satisfaction by service"),
        ("Sensors", "The council's sensors"),
    ):
        page.goto(f"{insight_demo}/riverbend/staff/insight/")
        page.get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
        # Every chart is an image with a title and a description, its data beneath.
        charts = page.locator("svg.oc-chart[role=img]")
        # (This little history is too short to forecast: the page says so instead.)
        assert charts.count() >= (0 if name == "Forecasts" else 1)
        assert_accessible(page)
        slug = page.url.rstrip("/").split("/")[-1]
        page.screenshot(path=str(SCREENSHOTS / f"insight-{slug}-1366.png"), full_page=True)
    page.goto(f"{insight_demo}/riverbend/staff/insight/demand/")
    expect(page.locator("#requests-by-service tbody tr")).not_to_have_count(0)
    # Filters live in the URL: choose one service and show.
    page.locator("#id_service").select_option(label="Report a pothole")
    page.get_by_role("button", name="Show").click()
    assert "service=" in page.url
    service_rows = page.locator("#requests-by-service tbody tr")
    expect(service_rows).to_have_count(1)
    expect(service_rows.first).to_contain_text("pothole")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Download “Requests by service”")).click()
    text = Path(download.value.path()).read_text("utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Service", "Requests", "Share of all requests"]
    assert len(table) == 2 and "pothole" in table[1][0].lower()
    context.close()

    context, page = _sign_in(browser, insight_demo, "manager@riverbend.example", width=375)
    for slug in ("demand", "costs", "forecasts", "satisfaction", "sensors"):
        page.goto(f"{insight_demo}/riverbend/staff/insight/{slug}/")
        page.screenshot(path=str(SCREENSHOTS / f"insight-{slug}-375.png"), full_page=True)
    context.close()


def test_a_councillor_sees_only_their_wards(insight_demo, browser):
    membership = Membership.objects.get(
        user__username="councillor@riverbend.example", council__slug="riverbend"
    )
    assert membership.role == Role.COUNCILLOR and len(membership.ward_codes) == 1
    context, page = _sign_in(browser, insight_demo, "councillor@riverbend.example")
    page.goto(f"{insight_demo}/riverbend/staff/insight/demand/")
    expect(page.get_by_text("Requests in your wards, with small numbers withheld")).to_be_visible()
    wards = page.locator("#requests-by-ward tbody tr")
    expect(wards).to_have_count(1)
    # The ward filter offers only their own ward.
    assert page.locator("#id_ward option").count() == 2  # all, and theirs
    assert_accessible(page)
    context.close()
