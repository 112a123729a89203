"""The map's server side: the council's own streets and wards by bounding box, the words
for where a pin is, the place step with and without a map, GeoPackage streets and the
admin's import page."""

import json
import sqlite3

import shapely
from django.core.files.uploadedfile import SimpleUploadedFile
from pyproj import Transformer

from onecouncil.places.imports import PlacesImportError, boundaries_import, streets_import
from onecouncil.places.models import StreetLine
from tests.factories import AddressFactory
from tests.frontdoor.test_journey import BASE, answer_questions
from tests.places.test_boundaries import CHATHAM, MEDWAY
from tests.test_security import _council_admin
from tests.two_factor import sign_in_with_code


def _street(name, *points):
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in points]},
    }


def _streets(council):
    lat, lon = CHATHAM
    streets_import(
        council=council,
        streets=json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    _street("High Street", (lat, lon - 0.002), (lat, lon + 0.002)),
                    _street("Far Road", (lat + 0.05, lon), (lat + 0.051, lon)),
                ],
            }
        ),
    )


def test_layers_give_wards_and_nearby_streets_in_the_box(client, council):
    boundaries_import(council=council, wards=MEDWAY)
    _streets(council)
    lat, lon = CHATHAM
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    close = client.get("/riverbend/map/layers.json", {"bbox": box, "zoom": "16"}).json()
    kinds = {(f["properties"]["kind"], f["properties"]["name"]) for f in close["features"]}
    assert ("street", "High Street") in kinds and ("street", "Far Road") not in kinds
    assert any(kind == "ward" and name == "River" for kind, name in kinds)
    # The map names what it shows: each street once, inside the box (no tiles needed).
    labels = [f for f in close["features"] if f["properties"]["kind"] == "street-label"]
    assert [f["properties"]["name"] for f in labels] == ["High Street"]
    west, south, east, north = map(float, box.split(","))
    x, y = labels[0]["geometry"]["coordinates"]
    assert west <= x <= east and south <= y <= north
    # Far out, streets are left off; the wards stay, named.
    wide = client.get("/riverbend/map/layers.json", {"bbox": box, "zoom": "11"}).json()
    assert {f["properties"]["kind"] for f in wide["features"]} == {"ward", "ward-label"}
    for bad in ("", "1,2,3", "a,b,c,d", f"{lon},{lat},{lon - 1},{lat + 1}", "-3,50,0,53"):
        response = client.get("/riverbend/map/layers.json", {"bbox": bad})
        assert response.status_code == 400 and "error" in response.json()


def test_the_pin_is_described_by_the_nearest_address_or_street(client, council):
    boundaries_import(council=council, wards=MEDWAY)
    _streets(council)
    lat, lon = CHATHAM
    on_street = client.get("/riverbend/map/nearest.json", {"lat": lat, "lon": lon}).json()
    assert on_street == {
        "text": "Pin placed, on or near High Street.",
        "inside": True,
        "street": "High Street",
    }
    AddressFactory(
        council=council, line1="7 High Street", street="High Street", latitude=lat, longitude=lon
    )
    at_door = client.get("/riverbend/map/nearest.json", {"lat": lat, "lon": lon}).json()
    assert "The nearest address is 7 High Street" in at_door["text"]
    outside = client.get("/riverbend/map/nearest.json", {"lat": 51.27, "lon": 0.52}).json()
    assert outside["inside"] is False and "outside Riverbend" in outside["text"]
    bad = client.get("/riverbend/map/nearest.json", {"lat": "north", "lon": "0.5"})
    assert bad.status_code == 400 and "latitude" in bad.json()["error"]


def test_the_place_step_has_a_map_only_where_there_is_geography(client, council, missed_bin):
    answer_questions(client)
    without = client.get(f"{BASE}/location/")
    assert "data-map" not in without.text and "leaflet" not in without.text
    boundaries_import(council=council, wards=MEDWAY)
    council.geography_attribution = "Contains OS data © Crown copyright and database right"
    council.map_tiles_url = "https://tiles.example.org/{z}/{x}/{y}.png"
    council.map_tiles_attribution = "© Example tiles"
    council.save()
    page = client.get(f"{BASE}/location/")
    assert "data-map" in page.text and "leaflet" in page.text and "onecouncil/map." in page.text
    assert "Contains OS data © Crown copyright and database right" in page.text
    assert "use the arrow keys to move it" in page.text
    # The tile server, and only it, is added to the images the page may load.
    assert "https://tiles.example.org" in page["Content-Security-Policy"]
    # The form fields stay: the map is never the only way.
    assert 'name="latitude"' in page.text and 'name="postcode"' in page.text


def test_a_pin_keeps_the_nearest_address_but_not_as_the_uprn(council, missed_bin):
    from onecouncil.cases.inputs import Location
    from tests.factories import make_case

    lat, lon = CHATHAM
    AddressFactory(
        council=council, line1="7 High Street", street="High Street", latitude=lat, longitude=lon
    )
    case = make_case(
        missed_bin,
        answers={"which_bin": "general", "out_by_7am": "yes"},
        location=Location(latitude=lat + 0.0001, longitude=lon),
    ).case
    assert case.nearest_address.startswith("7 High Street")
    assert case.address is None and case.uprn is None and case.street == "High Street"


def _geopackage(path, lines, srs=27700):
    """A GeoPackage as the OGC standard lays it out (what GDAL writes for OS Open Roads)."""
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY,
          organization TEXT, organization_coordsys_id INTEGER, definition TEXT, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT,
          identifier TEXT, description TEXT, last_change TEXT, min_x REAL, min_y REAL,
          max_x REAL, max_y REAL, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT,
          geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER);
        CREATE TABLE road_link (fid INTEGER PRIMARY KEY, geom BLOB, name1 TEXT, usrn INTEGER);
        """
    )
    db.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('British National Grid', ?, 'EPSG', ?, '', '')",
        (srs, srs),
    )
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES "
        "('road_link', 'features', ?)",
        (srs,),
    )
    db.execute(
        "INSERT INTO gpkg_geometry_columns VALUES ('road_link', 'geom', 'LINESTRING', ?, 0, 0)",
        (srs,),
    )
    for name, usrn, line in lines:
        wkb = shapely.to_wkb(line, byte_order=1)
        envelope = b"".join(
            v.to_bytes(8, "little") if False else __import__("struct").pack("<d", v)
            for v in (line.bounds[0], line.bounds[2], line.bounds[1], line.bounds[3])
        )
        header = b"GP" + bytes([0, 0b00000011]) + srs.to_bytes(4, "little") + envelope
        db.execute(
            "INSERT INTO road_link (geom, name1, usrn) VALUES (?, ?, ?)", (header + wkb, name, usrn)
        )
    db.commit()
    db.close()


def test_streets_import_from_a_geopackage_in_british_national_grid(council, tmp_path):
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    x, y = to_bng.transform(CHATHAM[1], CHATHAM[0])
    path = tmp_path / "roads.gpkg"
    _geopackage(
        path,
        [
            ("Rochester Road", 12345678, shapely.LineString([(x, y), (x + 100, y)])),
            ("Dock Road", None, shapely.LineString([(x, y + 50), (x, y + 150)])),
        ],
    )
    assert streets_import(council=council, streets=path.read_bytes()) == 2
    road = StreetLine.objects.get(name="Rochester Road")
    assert road.usrn == 12345678
    assert abs(road.min_lat - CHATHAM[0]) < 0.0001 and abs(road.min_lon - CHATHAM[1]) < 0.0001


def test_a_broken_geopackage_is_refused_by_name(council, tmp_path):
    path = tmp_path / "empty.gpkg"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    try:
        streets_import(council=council, streets=path.read_bytes())
    except PlacesImportError as exc:
        assert "not a readable GeoPackage" in exc.errors[0] or "no features" in exc.errors[0]
    else:
        raise AssertionError("a GeoPackage with no features table was accepted")


def test_the_admin_imports_boundaries_and_streets(client, council, missed_bin):
    admin = _council_admin(council, "geo-admin@x.example")
    client.force_login(admin)
    sign_in_with_code(client, admin)
    listing = client.get("/admin/places/councilboundary/")
    assert listing.status_code == 200 and "Import boundaries and streets" in listing.text
    bad = client.post(
        "/admin/places/councilboundary/import/",
        {
            "council": council.pk,
            "attribution": "x",
            "wards": SimpleUploadedFile("w.geojson", b'{"type": "Nonsense"}'),
        },
    )
    assert "Nothing was imported" in bad.text and "FeatureCollection" in bad.text
    good = client.post(
        "/admin/places/councilboundary/import/",
        {
            "council": council.pk,
            "attribution": "Contains OS data © Crown copyright and database right 2013",
            "wards": SimpleUploadedFile("w.geojson", MEDWAY),
        },
    )
    assert good.status_code == 302
    council.refresh_from_db()
    assert council.geography_attribution.endswith("2013")
    assert "22 wards created" in client.get("/admin/places/councilboundary/").text
