"""Distances on the ground, the one place they are computed (street-scale geometry on
shapes lives in ``places``)."""

from __future__ import annotations

import math

EARTH_RADIUS_METRES = 6_371_008.8
METRES_PER_DEGREE_LATITUDE = 111_195.0


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), good to a metre at street scale."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(math.sqrt(a))


def box_around(latitude: float, longitude: float, metres: float) -> tuple[float, float]:
    """How many degrees of latitude and of longitude ``metres`` span at this latitude:
    the half-sides of a box that holds every point within ``metres``."""
    dlat = metres / METRES_PER_DEGREE_LATITUDE
    return dlat, dlat / max(math.cos(math.radians(latitude)), 0.01)


# How precisely the public sees where a request is: three decimal places of a degree,
# about 110 m north to south and 70 m east to west in Britain, so a street and never a
# house. Every public page, feed, map and open-data release rounds with this.
PUBLIC_DECIMALS = 3


def approximate(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLIC_DECIMALS)
