"""A resident tells the council in their own words and reports a missed bin from the
suggestion, with JavaScript (suggestions as they type) and without (a page of choices)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from onecouncil.cases.models import Case
from onecouncil.triage.models import SuggestionTaken
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path("var/screenshots")
WORDS = "the bin men didn't come on Tuesday"


def finish_missed_bin(page):
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("General waste (black bin)").check()
    page.get_by_role("group", name=re.compile("out for collection by 7am")).get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name=re.compile("^Continue")).click()
    page.get_by_label("Postcode").fill("rb1 1aa")
    page.get_by_role("button", name="Find address").click()
    page.locator("#address-list input[type=radio]").first.check()
    page.get_by_role("button", name=re.compile("^Continue")).click()
    page.get_by_role("button", name=re.compile("^Continue")).click()  # no photo
    page.get_by_label("Full name").fill("Priya Patel")
    page.get_by_label("Email address").fill("priya.patel@example.com")
    page.get_by_role("button", name=re.compile("^Continue")).click()
    expect(page.locator("#own-words")).to_contain_text("didn't come on Tuesday")
    page.get_by_role("button", name="Send request").click()
    return page.locator("#reference").inner_text().strip()


def test_the_page_of_suggestions_is_accessible(demo, page):
    """axe runs only where scripts run, so the page the no-JavaScript route shows is
    checked here, reached by the same button."""
    page.goto(f"{demo}/riverbend/")
    page.get_by_label("Or tell us in your own words").fill(WORDS)
    page.get_by_role("button", name="Suggest a service").click()
    expect(page.get_by_role("heading", name="Is it one of these?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a service")
    assert_accessible(page)
    page.get_by_label("Tell us in your own words").fill("")
    page.get_by_role("button", name="Suggest a service").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Tell us what you want")
    assert_accessible(page)


def test_own_words_with_javascript(demo, page):
    page.goto(f"{demo}/riverbend/")
    page.get_by_label("Or tell us in your own words").fill(WORDS)
    suggestion = page.get_by_role("button", name="Report a missed bin collection")
    expect(suggestion).to_be_visible()
    expect(page.locator("[data-own-words-results]")).to_contain_text("You mentioned")
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"own-words-live-{width}.png"), full_page=True)
    suggestion.click()
    page.wait_for_url(re.compile("/riverbend/services/missed-bin/$"))
    reference = finish_missed_bin(page)
    assert_accessible(page)
    assert Case.objects.get(reference=reference).description == WORDS
    assert SuggestionTaken.objects.get().chosen == "missed-bin"


def test_own_words_without_javascript(demo, page_without_js):
    page = page_without_js
    page.goto(f"{demo}/riverbend/")
    page.get_by_label("Or tell us in your own words").fill(WORDS)
    page.get_by_role("button", name="Suggest a service").click()
    expect(page.get_by_role("heading", name="Is it one of these?")).to_be_visible()
    page.get_by_role("button", name="Continue").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a service")
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"own-words-{width}.png"), full_page=True)
    page.get_by_label("Report a missed bin collection").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile("/riverbend/services/missed-bin/$"))
    reference = finish_missed_bin(page)
    assert Case.objects.get(reference=reference).description == WORDS


def test_an_officer_routes_a_request_from_the_triage_queue(demo, browser):
    from django.contrib.auth import get_user_model

    from onecouncil.catalogue.models import Service
    from onecouncil.core.models import Council
    from onecouncil.triage.routing import route_waiting_job
    from tests.e2e.test_staff_journey import PASSWORD, sign_in_with_keyboard
    from tests.factories import make_case

    council = Council.objects.get(slug="riverbend")
    inbox = Service.objects.get(council=council, needs_triage=True)
    case = make_case(
        inbox, answers={"description": "An old fridge and a mattress left by the garages"}
    ).case
    route_waiting_job()  # the demo's model is not 99% sure: it waits for staff
    for name in ("officer@riverbend.example", "admin@riverbend.example"):
        user = get_user_model().objects.get(username=name)
        user.set_password(PASSWORD)
        user.save()
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_with_keyboard(page, demo, "officer@riverbend.example")
    page.get_by_role("link", name="Triage").click()
    card = page.locator(f"#triage-{case.reference}")
    expect(card).to_contain_text("mattress left by the garages")
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"triage-queue-{width}.png"), full_page=True)
    card.get_by_role("button", name=re.compile("^Move to Report fly-tipping")).click()
    expect(
        page.locator(".govuk-notification-banner, [role=status], .govuk-panel").first
    ).to_contain_text(f"{case.reference} moved to Report fly-tipping")
    case.refresh_from_db()
    assert case.service.code == "fly-tipping"

    # The queue's own list, and the case page's "Move to another service".
    other = make_case(inbox, answers={"description": "Something about a lamp post"}).case
    route_waiting_job()
    page.goto(f"{demo}/riverbend/staff/triage/")
    page.locator(f"#service-{other.reference}").select_option("street-light")
    page.locator(f"#triage-{other.reference}").get_by_role(
        "button", name="Move", exact=True
    ).click()
    expect(page.locator("body")).to_contain_text(f"{other.reference} moved to")
    page.goto(f"{demo}/riverbend/staff/cases/{other.reference}/")
    page.locator("#id_service").select_option("pothole")
    page.get_by_label("Why (optional, staff only)").fill("a hole, not a light")
    page.get_by_role("button", name="Move it").click()
    expect(page.locator("body")).to_contain_text("Moved to Report a pothole")
    assert_accessible(page)
    other.refresh_from_db()
    assert other.service.code == "pothole"
    context.close()

    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_with_keyboard(page, demo, "admin@riverbend.example")
    page.goto(f"{demo}/riverbend/staff/triage/model/")
    expect(page.locator("#model-in-use")).to_contain_text("Version")
    assert_accessible(page)
    page.get_by_label(re.compile("route an email by itself")).fill("1.5")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "triage-model-1366.png"), full_page=True)
    page.get_by_role("button", name="Train it again now").click()
    expect(page.locator("body")).to_contain_text("trained again within a few minutes")
    context.close()


def test_an_adviser_types_what_the_caller_says(demo, browser):
    from django.contrib.auth import get_user_model

    from tests.e2e.test_staff_journey import PASSWORD, sign_in_with_keyboard

    user = get_user_model().objects.get(username="adviser@riverbend.example")
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_with_keyboard(page, demo, "adviser@riverbend.example")
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Or type what the caller says in their own words").fill(WORDS)
    page.get_by_role("button", name="Suggest a service").click()
    expect(page.locator("#suggested")).to_be_visible()
    assert_accessible(page)
    page.locator("#suggested + ul").get_by_role(
        "link", name="Report a missed bin collection"
    ).click()
    expect(page.get_by_label("In the caller's own words (optional)")).to_have_value(WORDS)
    context.close()
