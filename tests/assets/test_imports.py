"""The asset register's import and export: GeoJSON and CSV, WGS84 and British National
Grid, all or nothing with every error naming its feature, re-import by identifier."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pyproj import Transformer

from onecouncil.assets.imports import AssetImportError, assets_export, assets_import
from onecouncil.assets.models import Asset, AssetStatus, AssetType, Geometry
from onecouncil.places.imports import PlacesImportError, boundaries_import
from tests.factories import AddressFactory, TeamFactory

MEDWAY = (
    Path(__file__).resolve().parents[1] / "data" / "boundaries" / "medway-wards-2013.geojson"
).read_bytes()
CHATHAM = (51.3804, 0.5270)


@pytest.fixture
def types(council):
    lights = AssetType.objects.create(
        council=council,
        code="street-light",
        name="Street light",
        attributes=[
            {"code": "height", "label": "Height (m)", "kind": "number", "required": True},
            {"code": "lamp", "label": "Lamp", "kind": "choice", "choices": ["LED", "SON"]},
        ],
    )
    gullies = AssetType.objects.create(council=council, code="gully", name="Gully")
    verges = AssetType.objects.create(
        council=council, code="verge", name="Grass verge", geometry=Geometry.AREA
    )
    return lights, gullies, verges


def point(identifier, lon, lat, kind="street-light", **properties):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"identifier": identifier, "type": kind, **properties},
    }


def collection(*features, crs=None):
    document = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(document)


def test_geojson_assets_are_placed_warded_and_named(council, types):
    boundaries_import(council=council, wards=MEDWAY)
    AddressFactory(
        council=council, line1="14 Mill Lane", latitude=CHATHAM[0] + 0.0002, longitude=CHATHAM[1]
    )
    team = TeamFactory(council=council, name="Street lighting")
    result = assets_import(
        council=council,
        data=collection(
            point(
                "RB-SL-0042",
                CHATHAM[1],
                CHATHAM[0],
                height="8",
                lamp="LED",
                team="street lighting",
                column="steel",
            ),
            point("RB-SL-0043", CHATHAM[1] + 0.01, CHATHAM[0], height=6),
        ),
    )
    assert (result.created, result.updated, result.retired) == (2, 0, 0)
    light = Asset.objects.get(identifier="RB-SL-0042")
    assert light.ward.code == "E05002261" and light.team == team
    assert light.attributes == {"height": 8, "lamp": "LED", "column": "steel"}
    assert light.label == "Street light RB-SL-0042, near 14 Mill Lane"
    assert Asset.objects.get(identifier="RB-SL-0043").place_name == ""


def test_british_national_grid_geojson_and_csv(council, types):
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    east, north = to_bng.transform(CHATHAM[1], CHATHAM[0])
    assets_import(
        council=council,
        data=collection(point("G-1", east, north, kind="gully"), crs="urn:ogc:def:crs:EPSG::27700"),
    )
    csv = "identifier,type,easting,northing,status\n"
    csv += f"G-2,gully,{east:.1f},{north:.1f},out_of_service\n"
    assets_import(council=council, data=csv.encode(), filename="gullies.csv")
    one, two = Asset.objects.order_by("identifier")
    for asset in (one, two):
        assert abs(asset.latitude - CHATHAM[0]) < 1e-5 and abs(asset.longitude - CHATHAM[1]) < 1e-5
    assert two.status == AssetStatus.OUT_OF_SERVICE


def test_every_bad_feature_is_named_and_nothing_is_written(council, types):
    boundaries_import(council=council, wards=MEDWAY)
    bad = collection(
        point("RB-SL-1", CHATHAM[1], CHATHAM[0], height="tall"),
        point("RB-SL-2", CHATHAM[1], CHATHAM[0], height=5, lamp="candle"),
        point("RB-SL-1", CHATHAM[1], CHATHAM[0], height=5),
        point("", CHATHAM[1], CHATHAM[0], height=5),
        point("X-1", CHATHAM[1], CHATHAM[0], kind="bollard"),
        point("RB-SL-3", -0.1278, 51.5074, height=5),  # London
        point("RB-SL-4", CHATHAM[1], CHATHAM[0]),  # no height
        point("V-1", CHATHAM[1], CHATHAM[0], kind="verge"),  # an area type given a point
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [530000, 180000]},
            "properties": {"identifier": "P-1", "type": "gully"},
        },
        point("OK-1", CHATHAM[1], CHATHAM[0], height=5),
    )
    with pytest.raises(AssetImportError) as raised:
        assets_import(council=council, data=bad)
    errors = "\n".join(raised.value.errors)
    assert "feature 1 (RB-SL-1): height must be a number, not tall" in errors
    assert "lamp is candle, not one of LED, SON" in errors
    assert "feature 3 (RB-SL-1): identifier RB-SL-1 is also feature 1" in errors
    assert "feature 4: needs an identifier" in errors
    assert "the type bollard is not one of the council's (gully, street-light, verge)" in errors
    assert "feature 6 (RB-SL-3): it is outside Riverbend Borough Council's area" in errors
    assert "feature 7 (RB-SL-4): needs Height (m)" in errors
    assert "feature 8 (V-1): is a Point; expected MultiPolygon or Polygon" in errors
    assert "feature 9 (P-1): the coordinates are not longitude and latitude" in errors
    assert "OK-1" not in errors
    assert not Asset.objects.exists()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"not json, not csv \xff\xfe", "neither GeoJSON nor UTF-8 CSV"),
        (b"identifier,type\nA,gully\n", "needs latitude and longitude columns"),
        (b'{"type": "FeatureCollection", "features": []}', "no features"),
        (
            b"identifier,type,latitude,longitude\nA,gully,north,west\n",
            "row 2 (A): the place is not a number",
        ),
    ],
)
def test_unreadable_files_are_explained(council, types, data, says):
    with pytest.raises(PlacesImportError, match=re.escape(says)):
        assets_import(council=council, data=data)


def test_reimport_updates_by_identifier_and_retires_the_missing(council, types):
    first = collection(
        point("RB-SL-1", CHATHAM[1], CHATHAM[0], height=5),
        point("RB-SL-2", CHATHAM[1], CHATHAM[0], height=5),
        point("G-1", CHATHAM[1], CHATHAM[0], kind="gully"),
    )
    assets_import(council=council, data=first)
    again = assets_import(
        council=council, data=collection(point("RB-SL-1", CHATHAM[1], CHATHAM[0], height=9))
    )
    assert (again.created, again.updated, again.retired) == (0, 1, 1)
    statuses = dict(Asset.objects.values_list("identifier", "status"))
    assert statuses == {"RB-SL-1": "in_service", "RB-SL-2": "retired", "G-1": "in_service"}
    assert Asset.objects.get(identifier="RB-SL-1").attributes["height"] == 9
    back = assets_import(council=council, data=first)
    assert back.updated == 3 and Asset.objects.get(identifier="RB-SL-2").status == "in_service"


def test_an_area_keeps_its_shape_and_the_export_reads_back(council, types, other_council):
    ring = [[0.52, 51.38], [0.521, 51.38], [0.521, 51.381], [0.52, 51.381], [0.52, 51.38]]
    verge = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"id": "V-9", "type": "verge"},
    }
    assets_import(
        council=council,
        data=collection(verge, point("RB-SL-1", CHATHAM[1], CHATHAM[0], height=5, lamp="SON")),
    )
    asset = Asset.objects.get(identifier="V-9")
    assert json.loads(asset.shape)["type"] == "Polygon"
    assert 51.38 < asset.latitude < 51.381
    exported = assets_export(council=council)
    for kind in ("gully", "street-light", "verge"):
        AssetType.objects.create(
            council=other_council,
            code=kind,
            name=kind,
            geometry=AssetType.objects.get(council=council, code=kind).geometry,
            attributes=AssetType.objects.get(council=council, code=kind).attributes,
        )
    assets_import(council=other_council, data=exported)
    copied = {
        a.identifier: (round(a.latitude, 6), a.attributes, a.shape != "")
        for a in Asset.objects.filter(council=other_council)
    }
    original = {
        a.identifier: (round(a.latitude, 6), a.attributes, a.shape != "")
        for a in Asset.objects.filter(council=council)
    }
    assert copied == original
    as_csv = assets_export(council=council, as_csv=True)
    assert as_csv.splitlines()[0] == "identifier,type,status,team,latitude,longitude,height,lamp"


def test_the_commands(council, types, tmp_path, capsys):
    path = tmp_path / "lights.geojson"
    path.write_text(collection(point("RB-SL-1", CHATHAM[1], CHATHAM[0], height=5)))
    call_command("import_assets", "--council", "riverbend", str(path))
    assert "1 assets added, 0 updated, 0 retired (street-light)" in capsys.readouterr().out
    path.write_text(collection(point("RB-SL-1", CHATHAM[1], CHATHAM[0], height="x")))
    with pytest.raises(CommandError, match="Nothing was imported:\nfeature 1"):
        call_command("import_assets", "--council", "riverbend", str(path))
    call_command("export_assets", "--council", "riverbend", "--csv")
    assert "RB-SL-1,street-light,in_service" in capsys.readouterr().out
