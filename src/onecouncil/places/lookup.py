"""Where a point is: inside which council, in which ward, nearest which street.

Shapes are read once per process and boundary version, prepared by shapely, and kept in
memory (a council's wards are a few hundred kilobytes); a point-in-polygon test then
costs microseconds. A council with no boundary imported accepts any point (``covers``
answers None), so councils adopt boundaries when they are ready.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import shapely
from django.core.cache import cache
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from onecouncil.core.geo import PUBLIC_DECIMALS, box_around, metres_between
from onecouncil.core.models import Council
from onecouncil.places.models import CouncilBoundary, StreetLine, WardBoundary
from onecouncil.residents.selectors import nearest_address


@dataclass(frozen=True)
class _Shapes:
    version: tuple[int, object]
    boundary: BaseGeometry
    wards: list[tuple[int, BaseGeometry]]


_cache: dict[int, _Shapes] = {}
_lock = threading.Lock()


BOUNDARY_VERSION_SECONDS = 300
# How long this process trusts the version it last read (placing one request asks three
# times): an import shows everywhere within this.
VERSION_HERE_SECONDS = 2.0
_versions_here: dict[int, tuple[float, object]] = {}


def _version_key(council_id: int) -> str:
    return f"places:boundary-version:{council_id}"


def boundary_changed(council_id: int) -> None:
    """A council's boundary or wards were imported: every process reads them again
    (this one at once, the others within ``VERSION_HERE_SECONDS``)."""
    cache.delete(_version_key(council_id))
    _versions_here.pop(council_id, None)


def forget_what_this_process_read() -> None:
    """Drop this process's copies (tests, whose rolled-back imports tell no one)."""
    _versions_here.clear()
    with _lock:
        _cache.clear()


def _shapes(council_id: int) -> _Shapes | None:
    """The council's prepared shapes, kept per process and boundary version. The version
    itself is read through the shared cache (dropped by ``boundary_changed`` on import),
    so placing a request reads no shape and, usually, not even the version."""
    seen = _versions_here.get(council_id)
    if seen is not None and seen[0] > time.monotonic():
        version = seen[1]
    else:
        version = cache.get(_version_key(council_id))
    if version is None:
        row = (
            CouncilBoundary.objects.filter(council_id=council_id)
            .values("version", "imported_at")
            .first()
        )
        version = (row["version"], row["imported_at"]) if row else "none"
        cache.set(_version_key(council_id), version, BOUNDARY_VERSION_SECONDS)
    _versions_here[council_id] = (time.monotonic() + VERSION_HERE_SECONDS, version)
    if version == "none":
        return None
    cached = _cache.get(council_id)
    if cached is not None and cached.version == version:
        return cached
    boundary = CouncilBoundary.objects.get(council_id=council_id)
    outline = shape(json.loads(boundary.geometry))
    shapely.prepare(outline)
    wards = []
    for ward_id, geometry in WardBoundary.objects.filter(council_id=council_id).values_list(
        "ward_id", "geometry"
    ):
        polygon = shape(json.loads(geometry))
        shapely.prepare(polygon)
        wards.append((ward_id, polygon))
    assert isinstance(version, tuple)
    loaded = _Shapes(version=version, boundary=outline, wards=wards)
    with _lock:
        _cache[council_id] = loaded
    return loaded


def covers(council_id: int, latitude: float, longitude: float) -> bool | None:
    """Whether the council's area holds the point; None when it has no boundary."""
    shapes = _shapes(council_id)
    if shapes is None:
        return None
    return bool(shapes.boundary.covers(Point(longitude, latitude)))


def ward_id_at(council_id: int, latitude: float, longitude: float) -> int | None:
    """The ward the point is in (point in polygon), if the council has ward shapes."""
    shapes = _shapes(council_id)
    if shapes is None:
        return None
    point = Point(longitude, latitude)
    for ward_id, polygon in shapes.wards:
        if polygon.covers(point):
            return ward_id
    return None


def councils_covering(latitude: float, longitude: float, *, exclude: int) -> list[int]:
    """Other councils on this deployment whose area holds the point."""
    candidates = CouncilBoundary.objects.filter(
        min_lat__lte=latitude, max_lat__gte=latitude, min_lon__lte=longitude, max_lon__gte=longitude
    ).exclude(council_id=exclude)
    return [
        council_id
        for council_id in candidates.values_list("council_id", flat=True)
        if covers(council_id, latitude, longitude)
    ]


NEAR_STREET_METRES = 150


def _lines_in(
    council_id: int, south: float, west: float, north: float, east: float
) -> list[tuple[StreetLine, BaseGeometry]]:
    """The council's street lines whose boxes meet this one, with their shapes."""
    near = StreetLine.objects.filter(
        council_id=council_id,
        min_lat__lte=north,
        max_lat__gte=south,
        min_lon__lte=east,
        max_lon__gte=west,
    )
    return [(street, shape(json.loads(street.geometry))) for street in near]


def _nearest_line(
    lines: list[tuple[StreetLine, BaseGeometry]],
    latitude: float,
    longitude: float,
    within_metres: float,
) -> tuple[StreetLine, BaseGeometry] | None:
    point = Point(longitude, latitude)
    best: tuple[float, StreetLine, BaseGeometry] | None = None
    for street, line in lines:
        closest = line.interpolate(line.project(point))
        metres = metres_between(latitude, longitude, closest.y, closest.x)
        if metres <= within_metres and (best is None or metres < best[0]):
            best = (metres, street, line)
    return (best[1], best[2]) if best else None


def nearest_street(
    council_id: int, latitude: float, longitude: float, *, within_metres: float = NEAR_STREET_METRES
) -> StreetLine | None:
    """The street line nearest the point, within ``within_metres``."""
    pad, pad_lon = box_around(latitude, longitude, within_metres)
    lines = _lines_in(
        council_id, latitude - pad, longitude - pad_lon, latitude + pad, longitude + pad_lon
    )
    found = _nearest_line(lines, latitude, longitude, within_metres)
    return found[0] if found else None


def street_points(council_id: int, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Each point snapped to its street: the middle of the nearest street line, so which
    house along it is not shown. With no street line near, the point rounded to the
    street (``core.geo.approximate``). The lines near any of the points are read in one
    query and found for each through a spatial index."""
    if not points:
        return []
    pad, pad_lon = box_around(max(abs(lat) for lat, _lon in points), 0.0, NEAR_STREET_METRES)
    lines = _lines_in(
        council_id,
        min(lat for lat, _lon in points) - pad,
        min(lon for _lat, lon in points) - pad_lon,
        max(lat for lat, _lon in points) + pad,
        max(lon for _lat, lon in points) + pad_lon,
    )
    tree = shapely.STRtree([line for _street, line in lines])
    snapped = []
    for latitude, longitude in points:
        window = shapely.box(
            longitude - pad_lon, latitude - pad, longitude + pad_lon, latitude + pad
        )
        near = [lines[i] for i in tree.query(window)]
        found = _nearest_line(near, latitude, longitude, NEAR_STREET_METRES)
        if found is None:
            snapped.append((round(latitude, PUBLIC_DECIMALS), round(longitude, PUBLIC_DECIMALS)))
        else:
            middle = found[1].interpolate(0.5, normalized=True)
            snapped.append((middle.y, middle.x))
    return snapped


def street_point(council_id: int, name: str) -> tuple[float, float] | None:
    """A point on the street of exactly this name: the point of its line (all its
    segments together) nearest their middle. None when no line has that name."""
    name = " ".join(name.split())[:200]
    if not name or "\x00" in name:
        return None
    lines = [
        shape(json.loads(s.geometry))
        for s in StreetLine.objects.filter(council_id=council_id, name__iexact=name)[:200]
    ]
    if not lines:
        return None
    whole = shapely.union_all(lines)
    on_line = whole.interpolate(whole.project(whole.centroid))
    return on_line.y, on_line.x


def place_name_at(council: Council, latitude: float, longitude: float) -> str:
    """A point in words, for headings and alerts: the nearest street's name, else the
    nearest address's street and town, else the coordinates."""
    street = nearest_street(council.pk, latitude, longitude)
    if street is not None:
        return street.name
    address = nearest_address(council=council, latitude=latitude, longitude=longitude)
    if address is not None and address.street:
        return f"{address.street}, {address.town}"
    return f"{latitude:.4f}, {longitude:.4f}"


def council_centre(council_id: int) -> tuple[float, float] | None:
    """A point inside the council's area to centre its maps on (latitude, longitude)."""
    shapes = _shapes(council_id)
    if shapes is None:
        return None
    inside = shapes.boundary.representative_point()
    return (inside.y, inside.x)


# How much detail a map needs at each zoom: about a pixel's width, in degrees.
def _tolerance(zoom: int) -> float:
    return 360 / (256 * 2 ** max(0, min(zoom, 20))) / 2


MAX_STREETS_DRAWN = 3000


def map_layers(
    council_id: int, bbox: tuple[float, float, float, float], zoom: int
) -> dict[str, object]:
    """The council's ward boundaries and (close in) its streets within the box, as
    GeoJSON simplified for the zoom: a base map from its own data, needing no licence or
    outside server. ``bbox`` is (west, south, east, north)."""
    west, south, east, north = bbox
    window = shapely.box(west, south, east, north)
    tolerance = _tolerance(zoom)
    features: list[dict[str, object]] = []
    shapes = _shapes(council_id)
    if shapes is not None:
        names = dict(
            WardBoundary.objects.filter(council_id=council_id).values_list("ward_id", "ward__name")
        )
        for ward_id, polygon in shapes.wards:
            if not polygon.intersects(window):
                continue
            outline = polygon.boundary.intersection(window.buffer(tolerance * 10))
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "ward", "name": names.get(ward_id, "")},
                    "geometry": shapely.geometry.mapping(outline.simplify(tolerance)),
                }
            )
            # The ward's name where it can be read: inside the part of it in view.
            visible = polygon.intersection(window)
            if zoom < 16 and not visible.is_empty and names.get(ward_id):
                features.append(
                    _label("ward-label", names[ward_id], visible.representative_point())
                )
    if zoom >= 14:
        streets = StreetLine.objects.filter(
            council_id=council_id,
            min_lat__lte=north,
            max_lat__gte=south,
            min_lon__lte=east,
            max_lon__gte=west,
        ).values_list("name", "geometry")[:MAX_STREETS_DRAWN]
        labelled: set[str] = set()
        for name, geometry in streets:
            line = shape(json.loads(geometry)).simplify(tolerance)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "street", "name": name},
                    "geometry": shapely.geometry.mapping(line),
                }
            )
            # Each street named once, at the middle of its part in view, drawn by the
            # browser as text (no tiles needed to recognise where the pin is).
            shown = line.intersection(window)
            if zoom >= 15 and name and name not in labelled and shown.length > 0:
                labelled.add(name)
                features.append(
                    _label("street-label", name, shown.interpolate(0.5, normalized=True))
                )
    return {"type": "FeatureCollection", "features": features}


def _label(kind: str, name: str, point: BaseGeometry) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": {"kind": kind, "name": name},
        "geometry": {"type": "Point", "coordinates": [round(point.x, 6), round(point.y, 6)]},
    }
