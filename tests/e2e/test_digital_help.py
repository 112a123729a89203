"""A resident without much confidence online finds help near them: from the footer, by
postcode, with JavaScript and without."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path("var/screenshots")


@pytest.mark.parametrize("javascript", [True, False])
def test_a_resident_finds_digital_help_by_postcode(demo, browser, javascript):
    from onecouncil.places.models import DigitalHelpPlace

    place = DigitalHelpPlace.objects.filter(council__slug="riverbend").order_by("pk").last()
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{demo}/riverbend/")
    page.get_by_role("link", name="Help to get online").click()
    expect(page.get_by_role("heading", name="Help to get online")).to_be_visible()
    page.get_by_label("Your postcode or street").fill(place.postcode.lower())
    page.get_by_role("button", name="Find help near me").click()
    expect(page.locator("#results-heading")).to_contain_text(f"Nearest to {place.postcode}")
    first = page.locator("#help-places > li").first
    expect(first).to_contain_text(place.name)
    expect(first).to_contain_text("0.0 miles away")
    if javascript:  # axe runs in the page: the same page, read with JavaScript on
        assert_accessible(page)
        for width in (375, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SCREENSHOTS / f"digital-help-{width}.png"), full_page=True)
    page.get_by_label("Your postcode or street").fill("ZZ99 9ZZ")
    page.get_by_role("button", name="Find help near me").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("We could not find ZZ99 9ZZ")
    if javascript:
        assert_accessible(page)
    context.close()
