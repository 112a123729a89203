"""The asset register's one import and its export.

A GeoJSON file (WGS84, or British National Grid declared in its ``crs`` member, as the
boundary import reads it) or a CSV file (``latitude``/``longitude`` or
``easting``/``northing`` columns) of assets, each with its ``identifier`` and ``type``
(an asset type's code) and, optionally, ``status`` and ``team``; every other property
or column is an attribute, checked against its type's schema.

All or nothing: every error names the feature or row, and nothing is written unless all
of them are sound. A re-import updates assets by identifier, and retires the assets of
the types it holds that it no longer lists (a retired asset listed again returns).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from onecouncil.assets.models import Asset, AssetStatus, AssetType, Geometry
from onecouncil.core.exports import csv_writer
from onecouncil.core.models import Council, Team
from onecouncil.places.imports import (
    PlacesImportError,
    bng_to_wgs84,
    feature_geometry,
    geojson_features,
)
from onecouncil.places.lookup import covers, ward_id_at
from onecouncil.residents.models import Address

KINDS = {
    Geometry.POINT: {"Point"},
    Geometry.LINE: {"LineString", "MultiLineString"},
    Geometry.AREA: {"Polygon", "MultiPolygon"},
}
IDENTIFIER_KEYS = ("identifier", "id", "asset_id", "central_asset_id")
TYPE_KEYS = ("type", "asset_type")
OWN_KEYS = {*IDENTIFIER_KEYS, *TYPE_KEYS, "status", "team", "latitude", "longitude"}
CSV_PLACE_KEYS = {"latitude", "longitude", "easting", "northing"}
PLACE_NAME_METRES = 150
MAX_ERRORS_SHOWN = 50


class AssetImportError(PlacesImportError):
    """Why nothing was imported: one message per feature or row at fault."""


@dataclass
class AssetImport:
    created: int = 0
    updated: int = 0
    retired: int = 0
    types: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    where: str
    identifier: str
    asset_type: AssetType
    point: tuple[float, float]  # latitude, longitude
    shape: str
    status: str
    team: Team | None
    attributes: dict[str, Any]


def assets_import(*, council: Council, data: bytes | str, filename: str = "") -> AssetImport:
    """Import a GeoJSON or CSV file of the council's assets (see the module's words)."""
    text_start = data[:200].lstrip()
    is_json = text_start[:1] in ("{", b"{") or filename.lower().endswith((".json", ".geojson"))
    is_gpkg = isinstance(data, bytes) and data.startswith(b"SQLite format 3\x00")
    types = {t.code: t for t in AssetType.objects.filter(council=council).select_related("team")}
    teams = {t.name.casefold(): t for t in Team.objects.filter(council=council)}
    reader = _geojson_rows if (is_json or is_gpkg) else _csv_rows
    errors: list[str] = []
    rows: list[_Row] = []
    seen: dict[str, str] = {}
    for where, raw in reader(data, types, errors):
        identifier = _value(raw, IDENTIFIER_KEYS)
        if identifier in seen:
            errors.append(f"{where}: identifier {identifier} is also {seen[identifier]}.")
            continue
        if identifier:
            seen[identifier] = where
        row = _checked(council, where, raw, types, teams, errors)
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        errors.append("The file lists no assets.")
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > MAX_ERRORS_SHOWN:
            shown.append(f"... and {len(errors) - MAX_ERRORS_SHOWN} more.")
        raise AssetImportError(shown)
    return _store(council, rows)


def _value(properties: dict[str, Any], keys: Iterable[str]) -> str:
    for key in keys:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _geojson_rows(
    data: bytes | str, types: dict[str, AssetType], errors: list[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    features, project = geojson_features(data, "assets")
    for index, feature in enumerate(features):
        properties = feature.get("properties") or {} if isinstance(feature, dict) else {}
        if not isinstance(properties, dict):
            properties = {}
        identifier = _value(properties, IDENTIFIER_KEYS)
        where = f"feature {index + 1}" + (f" ({identifier})" if identifier else "")
        asset_type = types.get(_value(properties, TYPE_KEYS))
        kinds = KINDS[Geometry(asset_type.geometry)] if asset_type else set().union(*KINDS.values())
        geometry = feature_geometry(feature, where, project, kinds)
        if isinstance(geometry, str):
            errors.append(geometry)
            continue
        yield where, {**properties, "_geometry": geometry}


def _csv_rows(
    data: bytes | str, types: dict[str, AssetType], errors: list[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise AssetImportError(["The file is neither GeoJSON nor UTF-8 CSV."]) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower() for c in reader.fieldnames or []}
    if not ({"latitude", "longitude"} <= columns or {"easting", "northing"} <= columns):
        raise AssetImportError(
            ["The CSV file needs latitude and longitude columns, or easting and northing."]
        )
    for number, record in enumerate(reader, start=2):
        properties = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items()}
        identifier = _value(properties, IDENTIFIER_KEYS)
        where = f"row {number}" + (f" ({identifier})" if identifier else "")
        try:
            if properties.get("easting") or properties.get("northing"):
                lon, lat = bng_to_wgs84(float(properties["easting"]), float(properties["northing"]))
            else:
                lat, lon = float(properties["latitude"]), float(properties["longitude"])
        except (KeyError, ValueError):
            errors.append(f"{where}: the place is not a number.")
            continue
        if not (
            math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
        ):
            errors.append(f"{where}: the place is not a latitude and longitude.")
            continue
        asset_type = types.get(_value(properties, TYPE_KEYS))
        if asset_type is not None and asset_type.geometry != Geometry.POINT:
            errors.append(f"{where}: {asset_type.name} assets are shapes: import them as GeoJSON.")
            continue
        rest = {k: v for k, v in properties.items() if k not in CSV_PLACE_KEYS}
        yield where, {**rest, "_point": (lat, lon)}


def _checked(
    council: Council,
    where: str,
    raw: dict[str, Any],
    types: dict[str, AssetType],
    teams: dict[str, Team],
    errors: list[str],
) -> _Row | None:
    found: list[str] = []
    identifier = _value(raw, IDENTIFIER_KEYS)
    if not identifier:
        found.append("needs an identifier")
    elif len(identifier) > 60 or "\x00" in identifier:
        found.append("the identifier is longer than 60 characters")
    type_code = _value(raw, TYPE_KEYS)
    asset_type = types.get(type_code)
    if asset_type is None:
        known = ", ".join(sorted(types)) or "none yet: add them in the admin"
        found.append(f"the type {type_code or '(none)'} is not one of the council's ({known})")
    status = _value(raw, ["status"]) or AssetStatus.IN_SERVICE
    if status not in AssetStatus.values:
        found.append(f"the status {status} is not one of {', '.join(AssetStatus.values)}")
    team_name = _value(raw, ["team"])
    team = teams.get(team_name.casefold()) if team_name else None
    if team_name and team is None:
        found.append(f"the team {team_name} is not one of the council's")
    geometry: BaseGeometry | None = raw.get("_geometry")
    if geometry is not None:
        middle = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        point = (float(middle.y), float(middle.x))
        shape = "" if geometry.geom_type == "Point" else json.dumps(mapping(geometry))
    else:
        point, shape = raw["_point"], ""
    if covers(council.pk, point[0], point[1]) is False:
        found.append(f"it is outside {council.name}'s area ({point[0]:.5f}, {point[1]:.5f})")
    attributes: dict[str, Any] = {}
    if asset_type is not None:
        attributes = _attributes(asset_type, raw, found)
    if found:
        errors.append(f"{where}: " + "; ".join(found) + ".")
        return None
    assert asset_type is not None
    return _Row(where, identifier, asset_type, point, shape, status, team, attributes)


def _attributes(asset_type: AssetType, raw: dict[str, Any], found: list[str]) -> dict[str, Any]:
    """The row's attributes as its type's schema says: numbers as numbers, choices among
    the choices, the required ones present. Properties the schema does not name are
    kept as text."""
    kept: dict[str, Any] = {}
    named = set()
    for spec in asset_type.attributes or []:
        code = str(spec.get("code", ""))
        named.add(code)
        value = raw.get(code)
        if value in (None, ""):
            if spec.get("required"):
                found.append(f"needs {spec.get('label') or code}")
            continue
        kind = spec.get("kind", "text")
        if kind == "number":
            try:
                number = float(str(value))
            except (TypeError, ValueError):
                found.append(f"{code} must be a number, not {str(value)[:40]}")
                continue
            if not math.isfinite(number):
                found.append(f"{code} must be a number, not {str(value)[:40]}")
                continue
            kept[code] = int(number) if number.is_integer() else number
        elif kind == "choice":
            choices = [str(c) for c in spec.get("choices", [])]
            if str(value) not in choices:
                found.append(f"{code} is {str(value)[:40]}, not one of {', '.join(choices)}")
                continue
            kept[code] = str(value)
        else:
            kept[code] = str(value)[:200]
    for key, value in raw.items():
        if key.startswith("_") or key in OWN_KEYS or key in named or value in (None, ""):
            continue
        kept[key[:50]] = value if isinstance(value, int | float | bool) else str(value)[:200]
    return kept


class _Namer:
    """The nearest gazetteer address to a point, within ``PLACE_NAME_METRES``: a grid of
    the council's addresses read once per import."""

    CELL = 0.002  # degrees: about 220 m north-south, 140 m east-west in Britain

    def __init__(self, council: Council) -> None:
        self.grid: dict[tuple[int, int], list[tuple[float, float, str]]] = defaultdict(list)
        located = Address.objects.filter(
            council=council, latitude__isnull=False, longitude__isnull=False
        ).values_list("latitude", "longitude", "line1")
        for lat, lon, line1 in located.iterator(chunk_size=5000):
            if lat is not None and lon is not None:
                self.grid[self._cell(lat, lon)].append((lat, lon, line1))

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return int(lat // self.CELL), int(lon // self.CELL)

    def name(self, lat: float, lon: float) -> str:
        row, col = self._cell(lat, lon)
        best, best_metres = "", float(PLACE_NAME_METRES)
        scale = math.cos(math.radians(lat))
        for r in (row - 1, row, row + 1):
            for c in (col - 1, col, col + 1):
                for a_lat, a_lon, line1 in self.grid.get((r, c), ()):
                    metres = 111_320 * math.hypot(a_lat - lat, (a_lon - lon) * scale)
                    if metres < best_metres:
                        best, best_metres = line1, metres
        return best[:200]


@transaction.atomic
def _store(council: Council, rows: list[_Row]) -> AssetImport:
    namer = _Namer(council)
    existing = {a.identifier: a for a in Asset.objects.filter(council=council)}
    result = AssetImport(types=sorted({r.asset_type.code for r in rows}))
    new: list[Asset] = []
    changed: list[Asset] = []
    for row in rows:
        lat, lon = row.point
        values = {
            "asset_type": row.asset_type,
            "latitude": lat,
            "longitude": lon,
            "shape": row.shape,
            "place_name": namer.name(lat, lon),
            "ward_id": ward_id_at(council.pk, lat, lon),
            "attributes": row.attributes,
            "team": row.team,
            "status": row.status,
        }
        asset = existing.get(row.identifier)
        if asset is None:
            new.append(Asset(council=council, identifier=row.identifier, **values))
            continue
        for name, value in values.items():
            setattr(asset, name, value)
        changed.append(asset)
    Asset.objects.bulk_create(new, batch_size=2000)
    fields = ["asset_type", "latitude", "longitude", "shape", "place_name", "ward_id"]
    Asset.objects.bulk_update(
        changed, [*fields, "attributes", "team", "status", "updated_at"], batch_size=2000
    )
    listed = {row.identifier for row in rows}
    gone = [
        a.pk
        for a in existing.values()
        if a.identifier not in listed
        and a.asset_type.code in result.types
        and a.status != AssetStatus.RETIRED
    ]
    Asset.objects.filter(pk__in=gone).update(status=AssetStatus.RETIRED)
    result.created, result.updated, result.retired = len(new), len(changed), len(gone)
    return result


def assets_export(*, council: Council, as_csv: bool = False) -> str:
    """The council's assets in the form the import reads (GeoJSON in WGS84, or CSV)."""
    assets = (
        Asset.objects.filter(council=council)
        .select_related("asset_type", "team")
        .order_by("asset_type__code", "identifier")
    )
    if as_csv:
        out = io.StringIO()
        listed = list(assets)
        extra = sorted({k for a in listed for k in a.attributes})
        writer = csv_writer(out)
        writer.writerow(["identifier", "type", "status", "team", "latitude", "longitude", *extra])
        for a in listed:
            writer.writerow(
                [
                    a.identifier,
                    a.asset_type.code,
                    a.status,
                    a.team.name if a.team else "",
                    f"{a.latitude:.7f}",
                    f"{a.longitude:.7f}",
                    *[a.attributes.get(k, "") for k in extra],
                ]
            )
        return out.getvalue()
    features = []
    for a in assets.iterator(chunk_size=5000):
        geometry = (
            json.loads(a.shape)
            if a.shape
            else {"type": "Point", "coordinates": [round(a.longitude, 7), round(a.latitude, 7)]}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "identifier": a.identifier,
                    "type": a.asset_type.code,
                    "status": a.status,
                    "team": a.team.name if a.team else "",
                    **a.attributes,
                },
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features})
