"""The Content-Security-Policy: no inline script runs, and the check every end-to-end test
makes (conftest.no_csp_violations) does catch a violation."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CSP_VIOLATIONS

pytestmark = pytest.mark.e2e


def test_every_page_sends_the_policy(client, council):
    policy = client.get("/riverbend/")["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy


@pytest.mark.csp_violation_expected
def test_an_injected_inline_script_is_blocked_and_reported(demo, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo}/riverbend/")
    assert page.evaluate("document.body.classList.contains('js-enabled')")  # from a file
    page.evaluate(
        """() => { const s = document.createElement("script");
        s.textContent = "window.injected = true"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected") is None
    assert any("script-src" in v for v in CSP_VIOLATIONS), CSP_VIOLATIONS
    context.close()


def test_use_my_location_works_from_the_script_file(demo, browser):
    """The geolocation button moved out of an inline script: it still fills the place."""
    context = browser.new_context(
        geolocation={"latitude": 52.48621, "longitude": -1.89042}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(f"{demo}/riverbend/services/pothole/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("About the size of a car tyre").check()
    page.get_by_label("In the middle of the road").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Give the exact position").click()
    page.get_by_role("button", name="Use my current location").click()
    expect(page.locator("#location-status")).to_contain_text("filled in")
    assert page.locator("#id_latitude").input_value() == "52.486210"
    assert page.locator("#id_longitude").input_value() == "-1.890420"
    context.close()


def test_follow_an_existing_report_instead_of_filing(demo, browser):
    """Report once in Chromium: a pothole already reported a few metres away is offered
    before the resident's details, and they follow it instead."""
    import uuid

    from onecouncil.cases.actions import case_create
    from onecouncil.cases.inputs import Contact, Location, NewRequest
    from onecouncil.cases.models import Follower
    from onecouncil.catalogue.models import Service
    from onecouncil.core.models import Council
    from onecouncil.residents.models import Address
    from tests.e2e.conftest import assert_accessible

    council = Council.objects.get(slug="riverbend")
    pothole = Service.objects.get(council=council, code="pothole")
    home = Address.objects.filter(council=council).first()
    answers = {q.code: q.options[0]["value"] for q in pothole.questions.all() if q.options}
    existing = case_create(
        council=council,
        request=NewRequest(
            service=pothole,
            answers=answers,
            location=Location(latitude=home.latitude, longitude=home.longitude),
            contact=Contact(name="First Reporter", email="first@x.example"),
            channel="web",
            submission_key=uuid.uuid4(),
        ),
    ).case
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{demo}/riverbend/services/pothole/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("About the size of a car tyre").check()
    page.get_by_label("In the middle of the road").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Give the exact position").click()
    page.get_by_label("Latitude").fill(f"{home.latitude + 0.0001:.6f}")
    page.get_by_label("Longitude").fill(f"{home.longitude:.6f}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Has this already been reported?")).to_be_visible()
    assert "First Reporter" not in page.content()
    # The place given and the request near it, on the map (at its street).
    expect(page.locator("#nearby-map .oc-map__pin")).to_be_visible()
    expect(page.locator("#nearby-map .oc-map__report")).to_have_count(1)
    assert_accessible(page)
    page.screenshot(path="var/screenshots/nearby-map-1366.png", full_page=True)
    page.get_by_label("Your email address, for its updates").fill("second@x.example")
    page.get_by_role("button", name="Yes, follow it instead").click()
    expect(page.get_by_text("You do not need to report it again")).to_be_visible()
    assert_accessible(page)
    assert Follower.objects.filter(case=existing, email="second@x.example").exists()
    context.close()
