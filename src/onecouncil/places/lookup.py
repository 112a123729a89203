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

from onecouncil.core.geo import box_around, metres_between
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
