"""Import a council's ward boundaries, its own boundary and its streets from GeoJSON.

ONS-style files work as they are: ward code and name properties such as ``WD13CD`` and
``WD13NM`` (any ``..CD``/``..NM`` pair, or ``code``/``name``), in WGS84 (CRS84) or
British National Grid (EPSG:27700, transformed offline with pyproj, ``always_xy``).
Streets are lines with a ``name`` (or OS Open Roads' ``name1``/``roadName``) and an
optional ``usrn``. Every import is all or nothing, and every error names the feature.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.db import transaction
from pyproj import Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from onecouncil.core.models import Council
from onecouncil.places.geopackage import GeoPackageError, geopackage_features, is_geopackage
from onecouncil.places.lookup import boundary_changed
from onecouncil.places.models import CouncilBoundary, StreetLine, WardBoundary
from onecouncil.residents.models import Ward

BNG = "EPSG:27700"
WGS84 = "EPSG:4326"
# Two wards may touch; sharing more than this fraction of the smaller one is an overlap.
OVERLAP_TOLERANCE = 0.001


# What maps must show for Ordnance Survey-derived data (ONS boundaries, OS Open Roads).
OS_NOTICE = "Contains OS data © Crown copyright and database right"


class PlacesImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class BoundaryImport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    boundary_from_wards: bool = True


def _document(data: bytes | str, what: str) -> dict[str, Any]:
    if is_geopackage(data):
        assert isinstance(data, bytes)
        try:
            return geopackage_features(data)
        except GeoPackageError as exc:
            raise PlacesImportError([f"The {what} file: {exc}."]) from None
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PlacesImportError([f"The {what} file is not valid GeoJSON: {exc}"]) from None
    if not isinstance(document, dict) or document.get("type") not in (
        "FeatureCollection",
        "Feature",
    ):
        raise PlacesImportError([f"The {what} file must be a GeoJSON FeatureCollection."])
    return document


def _features(document: dict[str, Any]) -> list[dict[str, Any]]:
    if document["type"] == "Feature":
        return [document]
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise PlacesImportError(["The file has no features."])
    return features


def _crs(document: dict[str, Any]) -> str | None:
    """The file's declared CRS: None for WGS84 (GeoJSON's default)."""
    name = str(((document.get("crs") or {}).get("properties") or {}).get("name", ""))
    if not name or "CRS84" in name or re.search(r"EPSG:*4326$", name):
        return None
    if re.search(r"EPSG:*27700$", name):
        return BNG
    raise PlacesImportError(
        [f"The file's coordinate system {name} is not supported: use WGS84 or EPSG:27700."]
    )


def _projector(crs: str | None) -> Callable[[BaseGeometry], BaseGeometry]:
    if crs is None:
        return lambda geometry: geometry
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    return lambda geometry: shapely.transform(geometry, transformer.transform, interleaved=False)


def _looks_projected(geometry: BaseGeometry) -> bool:
    min_x, min_y, max_x, max_y = geometry.bounds
    return max(abs(min_x), abs(max_x)) > 180 or max(abs(min_y), abs(max_y)) > 90


def _geometry(
    feature: Any, where: str, project: Callable[[BaseGeometry], BaseGeometry], kinds: set[str]
) -> BaseGeometry | str:
    """The feature's geometry in WGS84, or an error message naming the feature."""
    if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
        return f"{where}: has no geometry."
    try:
        geometry = shape(feature["geometry"])
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return f"{where}: the geometry cannot be read ({exc})."
    if geometry.geom_type not in kinds:
        return f"{where}: is a {geometry.geom_type}; expected {' or '.join(sorted(kinds))}."
    if geometry.is_empty:
        return f"{where}: the geometry is empty."
    geometry = project(geometry)
    if _looks_projected(geometry):
        return (
            f"{where}: the coordinates are not longitude and latitude; say the file's "
            "coordinate system (EPSG:27700 for British National Grid) in its crs member."
        )
    if not geometry.is_valid:
        return f"{where}: the shape is not valid ({explain_validity(geometry)})."
    return geometry


def _property(properties: dict[str, Any], suffix: str, plain: str) -> str:
    if properties.get(plain):
        return str(properties[plain]).strip()
    for key, value in properties.items():
        if re.fullmatch(rf"[A-Z]{{2,4}}\d{{0,2}}{suffix}", str(key)) and value:
            return str(value).strip()
    return ""


def _bbox(geometry: BaseGeometry) -> dict[str, float]:
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    return {"min_lon": min_lon, "min_lat": min_lat, "max_lon": max_lon, "max_lat": max_lat}


def _stored(geometry: BaseGeometry) -> dict[str, Any]:
    return {"geometry": json.dumps(mapping(geometry)), **_bbox(geometry)}


def _read_wards(data: bytes | str) -> list[tuple[str, str, BaseGeometry]]:
    document = _document(data, "wards")
    project = _projector(_crs(document))
    errors: list[str] = []
    wards: list[tuple[str, str, BaseGeometry]] = []
    seen: set[str] = set()
    for index, feature in enumerate(_features(document)):
        properties = feature.get("properties") or {} if isinstance(feature, dict) else {}
        code = _property(properties, "CD", "code")
        name = _property(properties, "NM", "name")
        where = f"feature {index + 1}" + (f" ({code} {name})".rstrip() if code or name else "")
        if not code or not name:
            errors.append(f"{where}: needs a ward code and name (WD13CD and WD13NM, say).")
            continue
        if code in seen:
            errors.append(f"{where}: the ward code {code} appears twice.")
            continue
        seen.add(code)
        geometry = _geometry(feature, where, project, {"Polygon", "MultiPolygon"})
        if isinstance(geometry, str):
            errors.append(geometry)
            continue
        wards.append((code, name[:120], geometry))
    tree = shapely.STRtree([g for _code, _name, g in wards])
    for i, (code, name, geometry) in enumerate(wards):
        for j in tree.query(geometry):
            if j <= i:
                continue
            other_code, other_name, other = wards[j]
            shared = geometry.intersection(other).area
            if shared > OVERLAP_TOLERANCE * min(geometry.area, other.area):
                errors.append(f"{code} {name} and {other_code} {other_name} overlap.")
    if errors:
        raise PlacesImportError(errors)
    return wards


def _read_boundary(data: bytes | str) -> BaseGeometry:
    document = _document(data, "council boundary")
    project = _projector(_crs(document))
    shapes = []
    for index, feature in enumerate(_features(document)):
        geometry = _geometry(feature, f"feature {index + 1}", project, {"Polygon", "MultiPolygon"})
        if isinstance(geometry, str):
            raise PlacesImportError([geometry])
        shapes.append(geometry)
    return shapely.union_all(shapes)


@transaction.atomic
def boundaries_import(
    *, council: Council, wards: bytes | str, boundary: bytes | str | None = None
) -> BoundaryImport:
    """Create or update the council's wards and their shapes, and its boundary (the one
    given, or the union of the wards). Nothing is written unless every feature is sound.
    Requests are re-warded by the caller (``cases.actions.geography``)."""
    read = _read_wards(wards)
    outline = _read_boundary(boundary) if boundary is not None else None
    result = BoundaryImport(boundary_from_wards=outline is None)
    existing = {w.code: w for w in Ward.objects.filter(council=council)}
    for code, name, geometry in read:
        ward = existing.get(code)
        if ward is None:
            ward = Ward.objects.create(council=council, code=code, name=name)
            result.created.append(code)
        else:
            if ward.name != name:
                ward.name = name
                ward.save(update_fields=["name"])
            result.updated.append(code)
        WardBoundary.objects.update_or_create(
            ward=ward, defaults={"council": council, **_stored(geometry)}
        )
    if outline is None:
        outline = shapely.union_all([g for _code, _name, g in read]).buffer(0)
    current = CouncilBoundary.objects.filter(council=council).first()
    CouncilBoundary.objects.update_or_create(
        council=council,
        defaults={
            "from_wards": result.boundary_from_wards,
            "version": (current.version + 1) if current else 1,
            **_stored(outline),
        },
    )
    # After commit: a process reading the version before then must not keep the old one.
    transaction.on_commit(lambda: boundary_changed(council.pk))
    boundary_changed(council.pk)
    return result


@transaction.atomic
def streets_import(*, council: Council, streets: bytes | str) -> int:
    """Replace the council's street lines; returns how many were loaded."""
    document = _document(streets, "streets")
    project = _projector(_crs(document))
    errors: list[str] = []
    rows: list[StreetLine] = []
    for index, feature in enumerate(_features(document)):
        properties = feature.get("properties") or {} if isinstance(feature, dict) else {}
        name = str(
            properties.get("name") or properties.get("name1") or properties.get("roadName") or ""
        ).strip()
        where = f"feature {index + 1}" + (f" ({name})" if name else "")
        if not name:
            errors.append(f"{where}: needs a street name (name, name1 or roadName).")
            continue
        geometry = _geometry(feature, where, project, {"LineString", "MultiLineString"})
        if isinstance(geometry, str):
            errors.append(geometry)
            continue
        usrn = properties.get("usrn") or properties.get("USRN")
        try:
            usrn_value = int(str(usrn)) if usrn not in (None, "") else None
        except (TypeError, ValueError):
            errors.append(f"{where}: the USRN {usrn!r} is not a number.")
            continue
        rows.append(
            StreetLine(council=council, name=name[:200], usrn=usrn_value, **_stored(geometry))
        )
    if errors:
        raise PlacesImportError(errors)
    StreetLine.objects.filter(council=council).delete()
    StreetLine.objects.bulk_create(rows, batch_size=500)
    return len(rows)


# --- For other registers of the council's geography (assets) -------------------------


def geojson_features(
    data: bytes | str, what: str
) -> tuple[list[dict[str, Any]], Callable[[BaseGeometry], BaseGeometry]]:
    """A GeoJSON (or GeoPackage) file's features, and what turns their geometry into
    WGS84 from the file's declared coordinate system. ``PlacesImportError`` if the file
    cannot be read."""
    document = _document(data, what)
    return _features(document), _projector(_crs(document))


def feature_geometry(
    feature: Any, where: str, project: Callable[[BaseGeometry], BaseGeometry], kinds: set[str]
) -> BaseGeometry | str:
    """The feature's geometry in WGS84, or an error message naming the feature."""
    return _geometry(feature, where, project, kinds)


_FROM_BNG = Transformer.from_crs(BNG, WGS84, always_xy=True)


def bng_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """British National Grid to (longitude, latitude)."""
    longitude, latitude = _FROM_BNG.transform(easting, northing)
    return float(longitude), float(latitude)
