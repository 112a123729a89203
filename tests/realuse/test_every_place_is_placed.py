"""Every request with a place has coordinates and a ward: a street typed without a pin
(the adviser's walk-in pothole on "High Street") takes a point from the gazetteer, and a
postcode-only Open311 report is placed at the postcode's middle."""

import json

import pytest

from onecouncil.api.keys import api_key_issue
from onecouncil.cases.inputs import Location
from onecouncil.cases.models import Case
from onecouncil.places.imports import streets_import
from tests.factories import AddressFactory, ServiceFactory, WardFactory, make_case


@pytest.fixture
def pothole(council):
    return ServiceFactory(council=council, code="pothole", name="Report a pothole")


@pytest.fixture
def high_street(council):
    ward = WardFactory(council=council, name="Central")
    for n, (lat, lon) in enumerate([(52.480, -1.890), (52.482, -1.892)], start=1):
        AddressFactory(
            council=council,
            line1=f"{n} High Street",
            street="High Street",
            postcode="RB1 9ZZ",
            latitude=lat,
            longitude=lon,
            ward=ward,
        )
    return ward


def test_a_street_without_a_pin_is_placed_from_its_addresses(pothole, high_street):
    case = make_case(
        pothole, location=Location(street="high street", description="By the bank")
    ).case
    assert case.latitude == pytest.approx(52.481) and case.longitude == pytest.approx(-1.891)
    assert case.ward == high_street
    assert case.street == "high street"


def test_a_street_known_only_by_its_line_is_placed_on_it(council, pothole):
    streets_import(
        council=council,
        streets=json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Weir Road"},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[-1.90, 52.47], [-1.88, 52.47]],
                        },
                    }
                ],
            }
        ),
    )
    case = make_case(pothole, location=Location(street="Weir Road", description="By the weir")).case
    assert case.latitude == pytest.approx(52.47) and case.longitude == pytest.approx(-1.89)


def test_an_unknown_street_keeps_its_words_and_no_invented_point(pothole):
    case = make_case(pothole, location=Location(street="Nowhere Lane", description="x")).case
    assert case.latitude is None and case.street == "Nowhere Lane"


def test_a_postcode_only_open311_report_is_placed_at_the_postcodes_middle(
    client, council, pothole, high_street
):
    key = api_key_issue(council=council, name="FixMyStreet").key
    made = client.post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_code": "pothole",
            "address_string": "rb19zz",
            "email": "ann@example.com",
        },
    )
    assert made.status_code == 201, made.content
    case = Case.objects.get()
    assert case.postcode == "RB1 9ZZ" and case.street == "High Street"
    assert case.latitude == pytest.approx(52.481) and case.ward == high_street


def test_the_adviser_puts_the_pin_as_residents_do(client, council, pothole, high_street):
    import re

    from onecouncil.core.models import Role
    from tests.backoffice_helpers import staff

    client.force_login(staff(council, Role.ADVISER))
    url = f"/{council.slug}/staff/new/pothole/"
    form = client.get(url).text
    # The pin's fields (the map itself needs the council's boundary, which the demo has).
    assert 'name="latitude"' in form and 'name="longitude"' in form
    key = re.search(r'name="submission_key" value="([^"]+)"', form).group(1)
    made = client.post(
        url,
        {
            "submission_key": key,
            "channel": "phone",
            "email": "caller@example.com",
            "latitude": "52.4812",
            "longitude": "-1.8912",
            "action": "create",
        },
    )
    assert made.status_code == 302, made.content
    case = Case.objects.get()
    assert case.latitude == pytest.approx(52.4812) and case.ward == high_street
    assert case.street == "High Street"  # the nearest address's, as for residents
