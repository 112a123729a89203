"""Reading the features of an OGC GeoPackage (OS Open Roads is published as one) into
the GeoJSON shape the imports read, with the standard library's sqlite3 and shapely's
WKB reader. A GeoPackage geometry is a short header ("GP", version, flags, SRS id and an
optional envelope) followed by standard WKB (OGC 12-128r18, section 2.1.3)."""

from __future__ import annotations

import sqlite3
from typing import Any

import shapely
from shapely.geometry import mapping

MAGIC = b"SQLite format 3\x00"
# Envelope sizes by the flags' envelope indicator (bits 1-3): none, xy, xyz, xym, xyzm.
ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


class GeoPackageError(ValueError):
    pass


def is_geopackage(data: bytes | str) -> bool:
    return isinstance(data, bytes) and data.startswith(MAGIC)


def _wkb(blob: bytes) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob; None for an empty geometry."""
    if len(blob) < 8 or blob[:2] != b"GP":
        raise GeoPackageError("a geometry is not in GeoPackage form")
    flags = blob[3]
    if flags & 0b10000:  # the empty-geometry flag
        return None
    envelope = (flags >> 1) & 0b111
    if envelope not in ENVELOPE_BYTES:
        raise GeoPackageError("a geometry has an unknown envelope")
    return blob[8 + ENVELOPE_BYTES[envelope] :]


def geopackage_features(data: bytes, table: str | None = None) -> dict[str, Any]:
    """The first features table (or ``table``) as a GeoJSON FeatureCollection, with its
    coordinate system as a GeoJSON ``crs`` name such as ``EPSG:27700``."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
        return _read(connection, table)
    except sqlite3.DatabaseError as exc:
        raise GeoPackageError(f"it is not a readable GeoPackage: {exc}") from None
    finally:
        connection.close()


def _read(connection: sqlite3.Connection, table: str | None) -> dict[str, Any]:
    rows = connection.execute(
        "SELECT g.table_name, g.column_name, s.organization, s.organization_coordsys_id "
        "FROM gpkg_geometry_columns g JOIN gpkg_contents c ON c.table_name = g.table_name "
        "LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
        "WHERE c.data_type = 'features' ORDER BY g.table_name"
    ).fetchall()
    if table is not None:
        rows = [r for r in rows if r[0] == table]
    if not rows:
        raise GeoPackageError("it has no features table")
    name, column, organisation, code = rows[0]
    # The table is one the file itself lists, quoted as an identifier, on a private
    # in-memory copy: nothing else is reachable from it.
    quoted = '"' + str(name).replace('"', '""') + '"'
    cursor = connection.execute(f"SELECT * FROM {quoted}")  # noqa: S608
    columns = [d[0] for d in cursor.description]
    features = []
    for values in cursor:
        record = dict(zip(columns, values, strict=True))
        blob = record.pop(column)
        wkb = _wkb(blob) if blob is not None else None
        geometry = mapping(shapely.from_wkb(wkb)) if wkb is not None else None
        features.append(
            {
                "type": "Feature",
                "properties": {k: v for k, v in record.items() if isinstance(v, str | int | float)},
                "geometry": geometry,
            }
        )
    document: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if organisation and str(organisation).upper() == "EPSG" and code is not None:
        document["crs"] = {"type": "name", "properties": {"name": f"EPSG:{int(code)}"}}
    return document
