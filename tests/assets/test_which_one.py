"""'Which one?' on the web: the nearest assets after a postcode (the no-JavaScript route),
the number on it, the map's assets by bounding box, the request recording the asset,
and report once per asset."""

from __future__ import annotations

import re

import pytest

from onecouncil.assets.models import Asset, AssetStatus, AssetType
from onecouncil.cases.inputs import Location
from onecouncil.cases.models import Case
from tests.factories import AddressFactory, ServiceFactory, make_case

BASE = "/riverbend/report/street-light"


@pytest.fixture
def lights(council):
    service = ServiceFactory(
        council=council,
        code="street-light",
        name="Report a street light fault",
        asset_type="street-light",
    )
    kind = AssetType.objects.create(council=council, code="street-light", name="Street light")
    AddressFactory(
        council=council,
        line1="4 Mill Lane",
        street="Mill Lane",
        postcode="RB1 2AB",
        latitude=52.48,
        longitude=-1.89,
    )
    made = []
    for n, (dlat, dlon) in enumerate([(0.0001, 0), (0.0005, 0), (0.002, 0.002), (0.05, 0.05)]):
        made.append(
            Asset.objects.create(
                council=council,
                asset_type=kind,
                identifier=f"RB-SL-{n:04d}",
                latitude=52.48 + dlat,
                longitude=-1.89 + dlon,
                place_name="4 Mill Lane" if n == 0 else "",
            )
        )
    Asset.objects.create(
        council=council,
        asset_type=kind,
        identifier="RB-SL-OLD",
        latitude=52.48,
        longitude=-1.89,
        status=AssetStatus.RETIRED,
    )
    return service, made


def start(client):
    page = client.get("/riverbend/services/street-light/", follow=True)
    assert page.status_code == 200


def send(client):
    assert client.post(f"{BASE}/photos/", {"action": "continue"}).status_code == 302
    client.post(f"{BASE}/contact/", {"name": "Sam", "email": "sam@example.com", "phone": ""})
    page = client.get(f"{BASE}/check/").text
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    return client.post(f"{BASE}/check/", {"submission_key": key})


def test_the_nearest_are_listed_after_a_postcode_and_one_is_chosen(client, lights):
    _service, made = lights
    start(client)
    page = client.get(f"{BASE}/location/").text
    assert "Which street light is it?" in page and 'id="asset-list"' not in page
    client.post(f"{BASE}/location/", {"action": "find", "postcode": "rb12ab"})
    page = client.get(f"{BASE}/location/").text
    listed = re.findall(r'name="asset_choice" type="radio"\s+value="([^"]+)"', page)
    assert listed == [
        "RB-SL-0000",
        "RB-SL-0001",
        "RB-SL-0002",
    ]  # nearest first; far and retired left out
    assert "Street light RB-SL-0000, near 4 Mill Lane" in page
    response = client.post(
        f"{BASE}/location/", {"action": "continue", "asset_choice": "RB-SL-0001"}
    )
    assert response.status_code == 302
    send(client)
    case = Case.objects.get()
    assert case.asset == made[1]
    assert (case.latitude, case.longitude) == (
        pytest.approx(made[1].latitude),
        pytest.approx(made[1].longitude),
    )


def test_the_number_on_it_finds_it_typed_loosely(client, lights):
    _service, made = lights
    start(client)
    assert (
        client.post(
            f"{BASE}/location/", {"action": "continue", "asset_number": " rb-sl-0002 "}
        ).status_code
        == 302
    )
    send(client)
    assert Case.objects.get().asset == made[2]


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("RB-SL-9999", "There is no street light numbered RB-SL-9999"),
        ("RB-SL-OLD", "There is no street light numbered RB-SL-OLD"),  # retired
        ("RB\x00SL", "Null characters are not allowed"),
    ],
)
def test_a_number_that_is_not_one_is_explained(client, lights, number, says):
    start(client)
    page = client.post(f"{BASE}/location/", {"action": "continue", "asset_number": number}).text
    assert "There is a problem" in page and says in page


def test_another_councils_or_another_types_assets_are_not_chosen(
    client, lights, other_council, council
):
    gully = AssetType.objects.create(council=council, code="gully", name="Gully")
    Asset.objects.create(
        council=council, asset_type=gully, identifier="G-1", latitude=52.48, longitude=-1.89
    )
    theirs = AssetType.objects.create(
        council=other_council, code="street-light", name="Street light"
    )
    Asset.objects.create(
        council=other_council, asset_type=theirs, identifier="NF-1", latitude=52.48, longitude=-1.89
    )
    start(client)
    for number in ("G-1", "NF-1"):
        page = client.post(f"{BASE}/location/", {"action": "continue", "asset_number": number}).text
        assert "There is no street light numbered" in page


def test_the_map_gets_the_assets_in_its_box(client, lights):
    found = client.get(f"{BASE}/assets.json", {"bbox": "-1.891,52.479,-1.887,52.4831"}).json()
    names = [f["properties"]["identifier"] for f in found["features"]]
    assert names == ["RB-SL-0000", "RB-SL-0001", "RB-SL-0002"] and not found["too_many"]
    assert (
        found["features"][0]["properties"]["title"] == "Street light RB-SL-0000, near 4 Mill Lane"
    )
    wide = client.get(f"{BASE}/assets.json", {"bbox": "-2,52,-1,53"}).json()
    assert wide["too_many"] and wide["features"] == []
    assert client.get(f"{BASE}/assets.json", {"bbox": "x"}).status_code == 400
    assert client.get(
        "/riverbend/report/missed-bin/assets.json", {"bbox": "-1.9,52.4,-1.8,52.5"}
    ).status_code in (400, 404)


def test_report_once_offers_the_open_request_on_the_same_light(client, lights):
    service, made = lights
    earlier = make_case(
        service,
        location=Location(latitude=made[0].latitude, longitude=made[0].longitude, asset=made[0]),
    ).case
    assert earlier.asset == made[0]
    start(client)
    response = client.post(
        f"{BASE}/location/", {"action": "continue", "asset_choice": "RB-SL-0000"}
    )
    assert response.url.endswith("/nearby/")
    assert earlier.reference in client.get(response.url).text
