"""The place step's map in Chromium: a pin by mouse and by keyboard fills the place,
the page stays accessible, and a place in the other council's area is handed over."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from onecouncil.core.models import Council
from onecouncil.places.lookup import council_centre
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _to_the_place_step(page, demo):
    page.goto(f"{demo}/riverbend/report/pothole/questions/")
    page.get_by_label("Smaller than a dinner plate").check()
    page.get_by_label("In the middle of the road").check()
    page.get_by_role("button", name=re.compile("^Continue")).click()
    expect(page.get_by_role("heading", name="Where is it?")).to_be_visible()


def test_the_pin_is_placed_by_mouse_and_moved_by_keyboard(demo, browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (375, 1366):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        _to_the_place_step(page, demo)
        canvas = page.locator(".oc-map__canvas")
        expect(canvas).to_be_visible()
        expect(page.locator(".leaflet-control-attribution")).to_contain_text("Demonstration")
        assert_accessible(page)
        box = canvas.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page.locator("#map-status")).to_contain_text("Pin placed")
        latitude = float(page.locator("#id_latitude").input_value())
        longitude = float(page.locator("#id_longitude").input_value())
        assert 52 < latitude < 53 and -2.5 < longitude < -1.5
        # The keyboard: three steps east (10 m each), one north with Shift (50 m).
        canvas.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Shift+ArrowUp")
        moved_lat = float(page.locator("#id_latitude").input_value())
        moved_lon = float(page.locator("#id_longitude").input_value())
        assert abs((moved_lat - latitude) * 111_195 - 50) < 1
        assert abs((moved_lon - longitude) * 111_195 * 0.609 - 30) < 1.5
        expect(page.locator("#map-status")).not_to_contain_text("Finding")
        expect(page.locator("#map-status")).to_contain_text(re.compile("nearest|near|no address"))
        assert_accessible(page)
        page.screenshot(path=str(SCREENSHOTS / f"place-map-{width}.png"), full_page=True)
        if width == 375:
            context.close()
            continue
        page.get_by_role("button", name=re.compile("^Continue")).click()
        page.wait_for_url(re.compile(r"/(nearby|photos)/$"))
        context.close()


def test_a_place_in_the_other_councils_area_is_handed_over(demo, page):
    northfield = Council.objects.get(slug="northfield")
    lat, lon = council_centre(northfield.pk)
    _to_the_place_step(page, demo)
    page.get_by_text("Give the exact position").click()
    page.get_by_label("Latitude").fill(f"{lat:.6f}")
    page.get_by_label("Longitude").fill(f"{lon:.6f}")
    page.get_by_role("button", name=re.compile("^Continue")).click()
    expect(page.locator("#elsewhere")).to_contain_text("Northfield District Council's area")
    assert_accessible(page)
    page.get_by_role("button", name="Continue with Northfield District Council").click()
    # Northfield asks other questions, so those come first; the place is kept.
    page.wait_for_url(re.compile(r"/northfield/report/pothole/questions/$"))
    expect(page.locator("#handed-from")).to_contain_text("you are now reporting it to")
    assert_accessible(page)
    page.get_by_role("group", name=re.compile("danger to traffic")).get_by_label("No").check()
    page.get_by_label("Describe the defect").fill("A deep hole by the kerb")
    page.get_by_role("button", name=re.compile("^Continue")).click()
    page.wait_for_url(re.compile(r"/northfield/report/pothole/location/$"))
    assert abs(float(page.locator("#id_latitude").input_value()) - lat) < 0.00001
    page.get_by_role("button", name=re.compile("^Continue")).click()
    page.wait_for_url(re.compile(r"/northfield/report/pothole/(nearby|photos)/$"))


def test_a_photos_location_places_the_pin(demo, page, tmp_path):
    from tests.frontdoor.test_photo_place import jpeg_with_gps

    council = Council.objects.get(slug="riverbend")
    lat, lon = council_centre(council.pk)

    def dms(value):
        value = abs(value)
        degrees, minutes = int(value), int(value * 60) % 60
        return (float(degrees), float(minutes), round((value * 3600) % 60, 4))

    photo = tmp_path / "pothole.jpg"
    photo.write_bytes(jpeg_with_gps(lat=dms(lat), lon=dms(lon), lon_ref="W" if lon < 0 else "E"))
    _to_the_place_step(page, demo)
    page.get_by_text("Use where a photo was taken").click()
    page.get_by_label("A photo you took where the problem is").set_input_files(str(photo))
    page.get_by_role("button", name="Use this photo's location").click()
    expect(page.locator("#photo-placed")).to_contain_text("where your photo was taken")
    assert abs(float(page.locator("#id_latitude").input_value()) - lat) < 1e-5
    assert abs(float(page.locator("#id_longitude").input_value()) - lon) < 1e-5
    expect(page.locator(".oc-map__pin")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Continue")).click()
    expect(page.get_by_role("heading", name=re.compile("photo", re.I)).first).to_be_visible()
