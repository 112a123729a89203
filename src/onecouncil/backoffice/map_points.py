"""Where the staff map puts each request: the map's read shape over the staff door."""

from __future__ import annotations

from dataclasses import dataclass

from onecouncil.cases.access import may_see_personal_data
from onecouncil.cases.models import Case
from onecouncil.core.models import Membership
from onecouncil.places.lookup import street_points


@dataclass(frozen=True)
class StaffPoint:
    case: Case
    latitude: float
    longitude: float
    snapped: bool  # moved to its street: the reader may not see the reporter's details


def staff_map_points(*, membership: Membership, cases: list[Case]) -> list[StaffPoint]:
    """Where to put each of these requests (already read through ``cases_for_staff``) on
    this member of staff's map. Those whose reporter's details the reader may not see (a
    councillor, without the resident's consent) are snapped to their street, so a pin
    never points at a home they could not otherwise know."""
    placed = [
        (case, case.latitude, case.longitude, may_see_personal_data(membership, case))
        for case in cases
        if case.latitude is not None and case.longitude is not None
    ]
    snapped = iter(
        street_points(
            membership.council_id, [(lat, lon) for _c, lat, lon, shown in placed if not shown]
        )
    )
    points = []
    for case, lat, lon, shown in placed:
        if not shown:
            lat, lon = next(snapped)
        points.append(StaffPoint(case, lat, lon, snapped=not shown))
    return points


# --- The reporter, by their private link -----------------------------------------------
