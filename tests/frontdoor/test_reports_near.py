"""Reports near me: public street problems near a postcode, a street or the device's
location, on a map and as a list, placed no more precisely than the street."""

import datetime as dt

from django.utils import timezone

from onecouncil.cases.inputs import Location
from onecouncil.cases.models import Case
from onecouncil.frontdoor.reports_near import public_reports_near
from onecouncil.residents.selectors import places_named
from tests.factories import AddressFactory, ServiceFactory, make_case

HERE = (52.486200, -1.890400)


def _at(service, metres_north: float, street="Mill Lane", **kwargs):
    return make_case(
        service,
        location=Location(
            latitude=HERE[0] + metres_north / 111_195,
            longitude=HERE[1],
            street=street,
            description="By the kerb",
        ),
        **kwargs,
    ).case


def _services(council):
    pothole = ServiceFactory(council=council, code="pothole", name="Report a pothole")
    bins = ServiceFactory(council=council, code="bins", name="Missed bin", visibility="ward")
    care = ServiceFactory(council=council, code="care", name="Adult care", visibility="private")
    return pothole, bins, care


def test_only_public_places_within_the_radius_and_window_rounded_to_the_street(council):
    pothole, bins, care = _services(council)
    near = _at(pothole, 120)
    far = _at(pothole, 900)
    old = _at(pothole, 50)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    _at(bins, 10)
    _at(care, 10)
    found = public_reports_near(
        council=council, latitude=HERE[0], longitude=HERE[1], radius=500, days=30
    )
    assert [r.case for r in found] == [near]
    report = found[0]
    # The point is rounded to three decimal places: never the pin itself.
    assert (report.latitude, report.longitude) == (
        round(near.latitude, 3),
        round(near.longitude, 3),
    )
    assert report.metres % 10 == 0
    wider = public_reports_near(
        council=council, latitude=HERE[0], longitude=HERE[1], radius=1000, days=90
    )
    assert {r.case for r in wider} == {near, far, old}
    assert wider[0].case == far  # newest first


def test_places_are_found_by_postcode_or_street(council):
    AddressFactory(
        council=council, street="Mill Lane", postcode="RB1 1AA", latitude=52.1, longitude=-1.9
    )
    AddressFactory(
        council=council, street="Mill Lane", postcode="RB1 1AA", latitude=52.2, longitude=-1.8
    )
    AddressFactory(
        council=council, street="Millers Way", postcode="RB1 2BB", latitude=52.3, longitude=-1.7
    )
    [postcode] = places_named(council=council, text="rb11aa")
    assert postcode.name == "RB1 1AA" and abs(postcode.latitude - 52.15) < 1e-9
    streets = places_named(council=council, text="mill")
    assert [s.name.split(",")[0] for s in streets] == ["Mill Lane", "Millers Way"]
    assert places_named(council=council, text="  ") == []
    assert places_named(council=council, text="ZZ9 9ZZ") == []
    assert places_named(council=council, text="Mill\x00") == []  # PostgreSQL refuses NUL


def test_the_page_by_street_postcode_location_and_its_errors(client, council):
    pothole, _bins, care = _services(council)
    AddressFactory(
        council=council, street="Mill Lane", postcode="RB1 1AA", latitude=HERE[0], longitude=HERE[1]
    )
    AddressFactory(
        council=council,
        street="Millers Way",
        postcode="RB1 2BB",
        latitude=HERE[0] + 0.01,
        longitude=HERE[1],
    )
    report = _at(pothole, 60)
    secret = _at(care, 20, street="Secret Street")
    start = client.get("/riverbend/reports/")
    assert (
        start.status_code == 200
        and "Postcode or street" in start.text
        and 'id="results"' not in start.text
    )
    by_postcode = client.get("/riverbend/reports/", {"place": "RB1 1AA"})
    assert (
        report.reference in by_postcode.text
        and "1 report within 500 metres of RB1 1AA" in by_postcode.text
    )
    assert secret.reference not in by_postcode.text and "Secret Street" not in by_postcode.text
    assert (
        "Sam Resident" not in by_postcode.text and f"{report.latitude:.6f}" not in by_postcode.text
    )
    assert f"/riverbend/track/{report.reference}/" in by_postcode.text
    choose = client.get("/riverbend/reports/", {"place": "Mill"})
    assert "Which street?" in choose.text and "Millers Way" in choose.text
    located = client.get(
        "/riverbend/reports/", {"lat": str(HERE[0]), "lon": str(HERE[1]), "distance": "100"}
    )
    assert report.reference in located.text and "within 100 metres" in located.text
    for query, message in (
        ({"place": "Nowhere Road"}, "We could not find Nowhere Road"),
        ({"place": ""}, "Enter a postcode or street, or use your location"),
        ({"lat": "north", "lon": "1"}, "latitude"),
        ({"distance": "5000", "place": "RB1 1AA"}, "Select a valid choice"),
    ):
        response = client.get("/riverbend/reports/", query)
        assert response.status_code == 200 and message in response.text, query
        assert "govuk-error-summary" in response.text


def test_a_place_outside_the_council_is_refused(client, council):
    from onecouncil.places.imports import boundaries_import
    from tests.places.test_boundaries import MEDWAY

    boundaries_import(council=council, wards=MEDWAY)
    response = client.get("/riverbend/reports/", {"lat": "51.5074", "lon": "-0.1278"})
    assert "outside Riverbend" in response.text and 'id="results"' not in response.text
