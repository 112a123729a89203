"""Boundaries and streets as data: imports from real and broken GeoJSON, the point
deciding the ward, and one boundary rule for every channel."""

import itertools
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pyproj import Transformer

from onecouncil.cases.actions import council_geography_load
from onecouncil.cases.inputs import Location
from onecouncil.cases.models import Case
from onecouncil.places.imports import PlacesImportError, boundaries_import, streets_import
from onecouncil.places.lookup import covers, nearest_street, ward_id_at
from onecouncil.residents.models import Ward
from tests.factories import make_case

DATA = Path(__file__).resolve().parents[1] / "data" / "boundaries"
MEDWAY = (DATA / "medway-wards-2013.geojson").read_bytes()
MAIDSTONE = (DATA / "maidstone-wards-2013.geojson").read_bytes()
ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
# Chatham's town centre (Medway) and Maidstone's (Maidstone), a few miles apart.
CHATHAM = (51.3804, 0.5270)
MAIDSTONE_TOWN = (51.2724, 0.5227)
LONDON = (51.5074, -0.1278)


def _collection(*features, crs=None):
    document = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(document)


def _square(code, name, x0, y0, size=0.01):
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {
        "type": "Feature",
        "properties": {"WD23CD": code, "WD23NM": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_the_real_medway_wards_import_and_decide_wards(council):
    result = boundaries_import(council=council, wards=MEDWAY)
    assert len(result.created) == 22 and result.boundary_from_wards
    assert covers(council.pk, *CHATHAM) is True
    assert covers(council.pk, *MAIDSTONE_TOWN) is False
    ward = Ward.objects.get(pk=ward_id_at(council.pk, *CHATHAM))
    assert (ward.code, ward.name) == ("E05002261", "River")  # Chatham's riverside
    # Importing again updates in place.
    again = boundaries_import(council=council, wards=MEDWAY)
    assert not again.created and len(again.updated) == 22


def test_points_either_side_of_the_shared_border(council, other_council):
    boundaries_import(council=council, wards=MEDWAY)
    boundaries_import(council=other_council, wards=MAIDSTONE)
    assert covers(council.pk, *CHATHAM) and not covers(other_council.pk, *CHATHAM)
    assert covers(other_council.pk, *MAIDSTONE_TOWN) and not covers(council.pk, *MAIDSTONE_TOWN)
    # A line from one town to the other crosses the border exactly once.
    steps = [
        (CHATHAM[0] + (MAIDSTONE_TOWN[0] - CHATHAM[0]) * i / 200, CHATHAM[1]) for i in range(201)
    ]
    owners = [
        "m" if covers(council.pk, *p) else "d" if covers(other_council.pk, *p) else "-"
        for p in steps
    ]
    changes = sum(1 for a, b in itertools.pairwise(owners) if a != b)
    assert owners[0] == "m" and owners[-1] == "d" and changes == 1


def test_british_national_grid_is_transformed(council):
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x0, y0 = to_bng.transform(0.52, 51.37)
    square = _square("E05000001", "Grid Ward", x0, y0, size=2000)
    boundaries_import(council=council, wards=_collection(square, crs="urn:ogc:def:crs:EPSG::27700"))
    assert covers(council.pk, 51.375, 0.533) is True
    assert covers(council.pk, 51.30, 0.533) is False


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not valid GeoJSON"),
        (_collection(_square("E1", "A", 0.5, 51.3), crs="EPSG:3857"), "not supported"),
        (_collection(_square("E1", "A", 250000, 150000)), "not longitude and latitude"),
        (_collection({**_square("E1", "A", 0.5, 51.3), "properties": {}}), "feature 1: needs"),
        (
            _collection(
                {
                    "type": "Feature",
                    "properties": {"WD13CD": "E2", "WD13NM": "Bow tie"},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[0, 51], [1, 52], [1, 51], [0, 52], [0, 51]]],
                    },
                }
            ),
            "feature 1 (E2 Bow tie): the shape is not valid",
        ),
        (
            _collection(_square("E1", "A", 0.5, 51.3), _square("E2", "B", 0.505, 51.3)),
            "E1 A and E2 B overlap",
        ),
        (_collection(_square("E1", "A", 0.5, 51.3), _square("E1", "B", 0.6, 51.3)), "twice"),
    ],
)
def test_bad_files_are_refused_whole_with_the_feature_named(council, document, message):
    with pytest.raises(PlacesImportError) as excinfo:
        boundaries_import(council=council, wards=document)
    assert any(message in error for error in excinfo.value.errors), excinfo.value.errors
    assert not Ward.objects.filter(council=council).exists()
    assert covers(council.pk, 51.305, 0.505) is None  # nothing half-imported


def test_touching_wards_are_not_an_overlap(council):
    boundaries_import(
        council=council,
        wards=_collection(_square("E1", "A", 0.5, 51.3), _square("E2", "B", 0.51, 51.3)),
    )
    assert Ward.objects.get(pk=ward_id_at(council.pk, 51.305, 0.515)).code == "E2"


def test_every_channel_refuses_a_place_outside_the_council(client, council, missed_bin):
    from onecouncil.api.keys import api_key_issue

    boundaries_import(council=council, wards=MEDWAY)
    with pytest.raises(Exception, match="outside Riverbend"):
        make_case(
            missed_bin, answers=ANSWERS, location=Location(latitude=LONDON[0], longitude=LONDON[1])
        )
    key = api_key_issue(council=council, name="App").key
    response = client.post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_code": missed_bin.code,
            "attribute[which_bin]": "general",
            "attribute[out_by_7am]": "yes",
            "lat": str(LONDON[0]),
            "long": str(LONDON[1]),
            "email": "a@example.com",
        },
    )
    assert response.status_code == 400 and "That place is outside Riverbend" in response.text
    inside = make_case(
        missed_bin, answers=ANSWERS, location=Location(latitude=CHATHAM[0], longitude=CHATHAM[1])
    ).case
    assert inside.ward is not None and inside.ward.code == "E05002261"


def test_a_new_import_rewards_open_requests_only(council, missed_bin):
    from onecouncil.cases.actions import case_change_status
    from onecouncil.core.actors import Actor

    halves = _collection(_square("E1", "West", 0.5, 51.3), _square("E2", "East", 0.51, 51.3))
    council_geography_load(council=council, wards=halves)
    here = Location(latitude=51.305, longitude=0.5075)
    open_case = make_case(missed_bin, answers=ANSWERS, location=here).case
    closed = make_case(missed_bin, answers=ANSWERS, location=here).case
    case_change_status(case=closed, status="fixed", actor=Actor.system("Crew"))
    assert open_case.ward.code == "E1"
    moved = _collection(
        _square("E1", "West", 0.5, 51.3, 0.005), _square("E2", "East", 0.505, 51.3, 0.015)
    )
    loaded = council_geography_load(council=council, wards=moved)
    assert loaded.rewarded == [open_case.reference]
    open_case.refresh_from_db()
    closed.refresh_from_db()
    assert open_case.ward.code == "E2" and closed.ward.code == "E1"
    assert open_case.events.filter(message__contains="East ward").exists()


def test_streets_import_and_the_nearest_street(council):
    line = {
        "type": "Feature",
        "properties": {"name1": "Mill Lane", "usrn": "20000001"},
        "geometry": {"type": "LineString", "coordinates": [[0.5, 51.3], [0.51, 51.3]]},
    }
    assert streets_import(council=council, streets=_collection(line)) == 1
    assert nearest_street(council.pk, 51.3002, 0.505).name == "Mill Lane"
    assert nearest_street(council.pk, 51.31, 0.505) is None  # over a kilometre away
    with pytest.raises(PlacesImportError, match="USRN"):
        streets_import(
            council=council,
            streets=_collection({**line, "properties": {"name": "X", "usrn": "abc"}}),
        )


def test_the_command_imports_all_or_nothing(council, tmp_path):
    good = tmp_path / "wards.geojson"
    good.write_bytes(MEDWAY)
    call_command("boundaries_import", "--council", council.slug, "--wards", str(good))
    assert Ward.objects.filter(council=council).count() == 22
    bad = tmp_path / "bad.geojson"
    bad.write_text(_collection(_square("E1", "A", 0.5, 51.3), _square("E2", "B", 0.505, 51.3)))
    with pytest.raises(CommandError, match="overlap"):
        call_command("boundaries_import", "--council", council.slug, "--wards", str(bad))
    assert Case.objects.count() == 0


def test_the_demo_geography_agrees_with_its_gazetteer(db):
    import os

    from onecouncil.core.models import Council
    from onecouncil.places.models import StreetLine
    from onecouncil.residents.models import Address

    call_command("load_demo", requests=5, stdout=open(os.devnull, "w"))  # noqa: SIM115
    for council in Council.objects.all():
        addresses = Address.objects.filter(council=council, latitude__isnull=False)
        assert addresses.count() > 100
        for address in addresses:
            assert ward_id_at(council.pk, address.latitude, address.longitude) == address.ward_id
        assert StreetLine.objects.filter(council=council).count() >= 9
        sample = addresses.first()
        assert nearest_street(council.pk, sample.latitude, sample.longitude).name == sample.street
        # Every demo request was placed inside the council it was made at (a two-tier
        # request handled here was made at the district, inside the district).
        for case in Case.objects.filter(council=council, latitude__isnull=False):
            assert covers(case.received_by_id or council.pk, case.latitude, case.longitude)
