"""Reports near me: the public map's read shape over the public door. Each request's
point is rounded to its street (``core.geo.approximate``) before anyone sees it."""

from __future__ import annotations

from dataclasses import dataclass

from onecouncil.cases.access import public_places_near
from onecouncil.cases.models import Case
from onecouncil.core.geo import approximate, metres_between
from onecouncil.core.models import Council


@dataclass(frozen=True)
class PublicReport:
    """A request as anyone may see it on a map: its street and a point rounded to the
    street (``core.geo.approximate``), never the pin itself."""

    case: Case
    latitude: float
    longitude: float
    metres: float  # from the place asked about to the rounded point


def public_reports_near(
    *,
    council: Council,
    latitude: float,
    longitude: float,
    radius: float,
    days: int,
    limit: int = 100,
) -> list[PublicReport]:
    """The newest public reports within ``radius`` metres and ``days`` of now
    (``cases.access.public_places_near``), each at its rounded point."""
    found = public_places_near(
        council=council,
        latitude=latitude,
        longitude=longitude,
        radius=radius,
        days=days,
        limit=limit,
    )
    reports = []
    for near in found:
        lat, lon = approximate(near.case.latitude), approximate(near.case.longitude)
        assert lat is not None and lon is not None
        metres = round(metres_between(latitude, longitude, lat, lon), -1)
        reports.append(PublicReport(near.case, lat, lon, metres))
    return reports
