"""Open data in Chromium: a resident finds the data page, previews a dataset and downloads
it (also with JavaScript off); an administrator changes what is published, has a release
built, sees its publication check, publishes it and withdraws an earlier one."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from onecouncil.cases.actions import case_publish_description
from onecouncil.cases.models import Case
from onecouncil.catalogue.models import Service
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.opendata.models import Release, ReleaseStatus
from onecouncil.opendata.services import release_build, release_publish, releases_job
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_every_form import (
    PASSWORD,
    SCREENSHOTS,
    _context,
    _missed_bin_case,
    _staff_sign_in,
)

pytestmark = pytest.mark.e2e


def test_a_resident_finds_previews_and_downloads_open_data(demo, browser, page_without_js):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    council = Council.objects.get(slug="riverbend")
    demo_release = Release.objects.get(council=council)
    assert demo_release.status == ReleaseStatus.PUBLISHED
    # Two reports made since the demo's release (on the day before), in today's.
    demo_release.version -= dt.timedelta(days=1)
    demo_release.save(update_fields=["version"])
    for _ in range(2):
        _missed_bin_case(council)
    release_publish(release=release_build(council=council))
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{demo}/riverbend/")
    page.get_by_role("link", name="Open data").click()
    expect(page.get_by_role("heading", name="Open data", level=1)).to_be_visible()
    page.get_by_text("Preview Service requests").click()
    expect(page.get_by_role("columnheader", name="service_request_id").first).to_be_visible()
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"open-data-{width}.png"), full_page=True)

    page.get_by_role("link", name="Service requests", exact=True).click()
    expect(page.get_by_role("heading", name="What each column means")).to_be_visible()
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"open-data-dataset-{width}.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download Service requests as CSV").click()
    path = download.value.path()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows and "service_request_id" in rows[0]
    assert all(not row["service_code"].startswith("ctax") for row in rows)  # private: never
    context.close()

    # Without JavaScript the preview still opens (a <details> element) and links work.
    page_without_js.goto(f"{demo}/riverbend/data/")
    page_without_js.get_by_text("Preview Requests by service, ward and month").click()
    expect(page_without_js.get_by_role("columnheader", name="ward_name").first).to_be_visible()


def test_an_administrator_chooses_checks_publishes_and_withdraws(demo, browser):
    council = Council.objects.get(slug="riverbend")
    admin = get_user_model().objects.get(username="admin@riverbend.example")
    admin.set_password(PASSWORD)
    admin.save()
    first = Release.objects.get(council=council)
    context = _context(browser)
    page = context.new_page()
    _staff_sign_in(page, demo, "admin@riverbend.example", PASSWORD)
    page.get_by_role("region", name="Staff menu").get_by_role("link", name="Open data").click()
    expect(page.get_by_role("heading", name="Open data", level=1)).to_be_visible()

    # A bad threshold is explained and nothing is lost.
    page.get_by_label("Smallest count shown").fill("2")
    page.get_by_label("The ward only").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("greater than or equal to 5")
    expect(page.get_by_label("The ward only")).to_be_checked()
    page.get_by_label("Smallest count shown").fill("10")
    page.get_by_label("Report a pothole").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Open data settings saved.")).to_be_visible()

    # Yesterday's release is out (the demo's, moved back a day). Today's build finds a
    # description staff published with a resident's phone number and name in it.
    first.version -= dt.timedelta(days=1)
    first.save(update_fields=["version"])
    bins = Service.objects.get(council=council, code="missed-bin")
    case = _missed_bin_case(council, name="Ola Nowak", phone="07700 900982").case
    # Published before the writer refused such words: the check is the last guard.
    words = "Ola Nowak asked us to ring 07700900982 first."
    Case.objects.filter(pk=case.pk).update(
        description=words, public_description=words, description_published_at=timezone.now()
    )
    page.get_by_role("button", name="Build today's release again").click()
    expect(page.get_by_text("The release will be built within a few minutes")).to_be_visible()
    releases_job()
    page.reload()
    expect(page.get_by_text("Refused", exact=True)).to_be_visible()
    expect(page.get_by_text("contains a phone number held for a resident").first).to_be_visible()
    assert_accessible(page)

    # Staff publish the words without the personal data; the rebuilt release passes.
    case.refresh_from_db()
    case_publish_description(
        case=case, actor=Actor.system("Officer"), text="Bin missed again on the corner."
    )
    page.get_by_role("button", name="Build today's release again").click()
    releases_job()
    page.reload()
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"open-data-admin-{width}.png"), full_page=True)
    page.get_by_role("button", name="Publish it now").click()
    expect(page.get_by_text("The release is published.")).to_be_visible()
    latest = Release.objects.filter(council=council).order_by("-version").first()
    assert latest is not None and latest.status == ReleaseStatus.PUBLISHED
    assert latest.request_services and "pothole" not in latest.request_services
    assert bins.code in latest.request_services

    # Withdraw the earlier release: it answers 410 Gone.
    day = first.version
    button = page.get_by_role("button", name=f"Withdraw the release of {day.day} {day:%B %Y}")
    form = page.locator("form", has=button)
    form.get_by_label("Why it is withdrawn").fill("It carried a mistake.")
    button.click()
    expect(page.get_by_text("The release is withdrawn.")).to_be_visible()
    withdrawn = Release.objects.get(status=ReleaseStatus.WITHDRAWN)
    response = page.request.get(
        f"{demo}/riverbend/data/releases/{withdrawn.version.isoformat()}/service-requests.csv"
    )
    assert response.status == 410

    # Missed bins made private in the staff admin: the administrator is told which
    # releases carried its requests, and the Open data page offers their withdrawal.
    page.goto(f"{demo}/admin/catalogue/service/{bins.pk}/change/")
    page.get_by_label("Who may see its requests").select_option(value="private")
    page.get_by_role("button", name="Save", exact=True).click()
    when = f"{latest.version.day} {latest.version:%B %Y}"
    expect(page.locator(".messagelist")).to_contain_text(
        f"{bins.name} is now private, so the next open data release leaves its requests out. "
        f"The release of {when} carries them"
    )
    page.goto(f"{demo}/riverbend/staff/open-data/")
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        f"The release of {when} carries requests of {bins.name}, which is now private."
    )
    context.close()
