"""Where a point is: inside which council, in which ward, nearest which street.

Shapes are read once per process and boundary version, prepared by shapely, and kept in
memory (a council's wards are a few hundred kilobytes); a point-in-polygon test then
costs microseconds. A council with no boundary imported accepts any point (``covers``
answers None), so councils adopt boundaries when they are ready.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from onecouncil.core.geo import PUBLIC_DECIMALS, box_around, metres_between
from onecouncil.places.models import CouncilBoundary, StreetLine, WardBoundary


@dataclass(frozen=True)
class _Shapes:
    version: tuple[int, object]
    boundary: BaseGeometry
    wards: list[tuple[int, BaseGeometry]]


_cache: dict[int, _Shapes] = {}
_lock = threading.Lock()


def _shapes(council_id: int) -> _Shapes | None:
    row = (
        CouncilBoundary.objects.filter(council_id=council_id)
        .values("version", "imported_at")
        .first()
    )
    if row is None:
        return None
    version = (row["version"], row["imported_at"])
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


def nearest_street(
    council_id: int, latitude: float, longitude: float, *, within_metres: float = 150
) -> StreetLine | None:
    """The street line nearest the point, within ``within_metres``."""
    pad, pad_lon = box_around(latitude, longitude, within_metres)
    near = StreetLine.objects.filter(
        council_id=council_id,
        min_lat__lte=latitude + pad,
        max_lat__gte=latitude - pad,
        min_lon__lte=longitude + pad_lon,
        max_lon__gte=longitude - pad_lon,
    )
    point = Point(longitude, latitude)
    best: tuple[float, StreetLine] | None = None
    for street in near:
        line = shape(json.loads(street.geometry))
        closest = line.interpolate(line.project(point))
        metres = metres_between(latitude, longitude, closest.y, closest.x)
        if metres <= within_metres and (best is None or metres < best[0]):
            best = (metres, street)
    return best[1] if best else None


def street_point(council_id: int, latitude: float, longitude: float) -> tuple[float, float]:
    """The point snapped to its street: the middle of the nearest street line, so which
    house along it is not shown. With no street line near, the point rounded to the
    street (``core.geo.approximate``)."""
    street = nearest_street(council_id, latitude, longitude)
    if street is None:
        return (round(latitude, PUBLIC_DECIMALS), round(longitude, PUBLIC_DECIMALS))
    middle = shape(json.loads(street.geometry)).interpolate(0.5, normalized=True)
    return (middle.y, middle.x)


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
    if zoom >= 14:
        streets = StreetLine.objects.filter(
            council_id=council_id,
            min_lat__lte=north,
            max_lat__gte=south,
            min_lon__lte=east,
            max_lon__gte=west,
        ).values_list("name", "geometry")[:MAX_STREETS_DRAWN]
        for name, geometry in streets:
            line = shape(json.loads(geometry)).simplify(tolerance)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"kind": "street", "name": name},
                    "geometry": shapely.geometry.mapping(line),
                }
            )
    return {"type": "FeatureCollection", "features": features}
