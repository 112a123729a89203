"""A resident reports a broken street light by choosing it on the map with the keyboard,
and without JavaScript from the list of the nearest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from onecouncil.cases.models import Case
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path("var/screenshots")


def a_light_and_its_postcode():
    from onecouncil.assets.models import Asset
    from onecouncil.residents.selectors import nearest_address

    light = Asset.objects.filter(
        council__slug="riverbend", asset_type__code="street-light"
    ).order_by("identifier")[10]
    address = nearest_address(
        council=light.council, latitude=light.latitude, longitude=light.longitude
    )
    return light, address.postcode


def to_the_place_step(page, demo):
    page.goto(f"{demo}/riverbend/services/street-light/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("It is not working", exact=True).check()
    page.get_by_role("button", name=re.compile("^Continue")).click()
    expect(page.get_by_role("heading", name="Where is it?")).to_be_visible()


def finish(page):
    page.get_by_role("button", name=re.compile("^Continue")).click()
    if "/nearby/" in page.url:
        page.get_by_role("button", name=re.compile("report it anyway|Continue", re.I)).first.click()
    page.get_by_role("button", name=re.compile("^Continue")).click()  # no photo
    page.get_by_label("Full name").fill("Priya Patel")
    page.get_by_label("Email address").fill("priya.patel@example.com")
    page.get_by_role("button", name=re.compile("^Continue")).click()
    page.get_by_role("button", name="Send request").click()
    return page.locator("#reference").inner_text().strip()


def test_a_resident_chooses_the_light_on_the_map_with_the_keyboard(demo, page):
    postcode = a_light_and_its_postcode()[1]
    to_the_place_step(page, demo)
    expect(page.locator("#which-one")).to_contain_text("Which street light is it?")
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("button", name="Find address").click()
    expect(page.locator("#asset-list")).to_be_visible()
    expect(page.locator(".oc-map__asset").first).to_be_visible()
    page.locator(".oc-map__canvas").focus()
    chosen = None
    for _press in range(60):  # from the map, Tab moves through the lights in view
        page.keyboard.press("Tab")
        chosen = page.evaluate(
            "document.activeElement.classList.contains('oc-map__asset')"
            " ? document.activeElement.title : null"
        )
        if chosen:
            break
    assert chosen and chosen.startswith("Street light")
    page.keyboard.press("Enter")
    expect(page.locator("#asset-status")).to_contain_text(f"Chosen: {chosen}")
    identifier = chosen.split()[2].rstrip(",")
    expect(page.get_by_label("Or type the number on it")).to_have_value(identifier)
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"which-light-{width}.png"), full_page=True)
    reference = finish(page)
    case = Case.objects.get(reference=reference)
    assert case.asset.identifier == identifier
    assert case.latitude == pytest.approx(case.asset.latitude)


def test_without_javascript_the_nearest_are_a_list(demo, page_without_js):
    page = page_without_js
    postcode = a_light_and_its_postcode()[1]
    to_the_place_step(page, demo)
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("button", name="Find address").click()
    options = page.locator("#asset-list input[type=radio]")
    expect(options.first).to_be_visible()
    options.first.check()
    chosen = options.first.get_attribute("value")
    reference = finish(page)
    assert Case.objects.get(reference=reference).asset.identifier == chosen


def test_an_officer_opens_an_assets_page(demo, browser):
    from django.contrib.auth import get_user_model

    from tests.e2e.test_staff_journey import PASSWORD, sign_in_with_keyboard

    light = a_light_and_its_postcode()[0]
    user = get_user_model().objects.get(username="officer@riverbend.example")
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context()
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_with_keyboard(page, demo, "officer@riverbend.example")
    page.goto(f"{demo}/riverbend/staff/assets/{light.identifier}/")
    expect(page.get_by_role("heading", name=light.identifier)).to_be_visible()
    expect(page.locator("#asset-details")).to_contain_text("Lamp")
    assert_accessible(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"asset-page-{width}.png"), full_page=True)
    context.close()


def test_an_officer_opens_a_sensor_raised_request_and_sees_assets_on_the_map(demo, browser):
    """The demo's last six hours of sensor readings raise requests (a light fails, the
    river rises); an officer finds one in the queue, opens it and its asset's page, then
    shows the litter bins on the queue's map and opens one from its marker."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from onecouncil.core.models import Council
    from onecouncil.demo.sensors import demo_backfill
    from onecouncil.sensors.models import Device
    from tests.e2e.test_staff_journey import PASSWORD, sign_in_with_keyboard

    riverbend = Council.objects.get(slug="riverbend")
    devices = list(Device.objects.filter(council=riverbend).order_by("identifier"))
    assert demo_backfill(riverbend, devices, 6, timezone.now())["requests"] >= 1
    raised = Case.objects.filter(council=riverbend, channel="sensor").order_by("pk").first()
    assert raised is not None and raised.asset is not None
    user = get_user_model().objects.get(username="officer@riverbend.example")
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in_with_keyboard(page, demo, "officer@riverbend.example")
    page.goto(f"{demo}/riverbend/staff/queue/?channel=sensor")
    page.get_by_role("link", name=raised.reference).click()
    expect(page.get_by_role("heading", name=re.compile(raised.reference))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Sensor")
    expect(page.locator("main")).to_contain_text(raised.channel_detail)
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "sensor-request-1366.png"), full_page=True)
    page.get_by_role("link", name=re.compile(raised.asset.identifier)).first.click()
    expect(page.get_by_role("heading", name=raised.asset.identifier)).to_be_visible()
    expect(page.locator("main")).to_contain_text(raised.reference)
    expect(page.locator("main")).to_contain_text(raised.channel_detail)  # its device
    assert_accessible(page)

    page.goto(f"{demo}/riverbend/staff/queue/map/")
    page.locator("#asset-layers").get_by_role("link", name="Litter bin").click()
    assert "assets=litter-bin" in page.url, page.url
    expect(page.locator("#asset-layers strong")).to_have_text("Litter bin")
    zoom_in = page.get_by_role("button", name="Zoom in")
    markers = page.locator(".oc-map__asset, .oc-map__cluster")
    for _n in range(8):  # from the whole council to a street or two
        if page.locator(".oc-map__asset").count():
            break
        zoom_in.click()
        page.wait_for_timeout(400)
    expect(markers.first).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "queue-map-assets-1366.png"))
    context.close()
