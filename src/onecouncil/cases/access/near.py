"""Where requests are: the one geometric query behind report once, reports near me,
area alerts and staff's likely duplicates. Each function takes a queryset already scoped
by a door (public, staff) and narrows it by place; it never widens what a reader sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from onecouncil.cases.models import Case, CaseQuerySet
from onecouncil.core.geo import box_around, metres_between


@dataclass(frozen=True)
class Nearby:
    case: Case
    metres: float


def open_near(
    cases: CaseQuerySet,
    *,
    service_ids: list[int],
    latitude: float,
    longitude: float,
    radius: float,
    limit: int | None = None,
) -> list[Nearby]:
    """The open requests among ``cases`` of these services within ``radius`` metres of
    the point, nearest first (newest first at the same distance): the one geometric
    query behind report once and staff's likely duplicates."""
    found = open_places_near(
        cases, service_ids=service_ids, latitude=latitude, longitude=longitude, radius=radius
    )
    return whole(cases, found[:limit])


def open_places_near(
    cases: CaseQuerySet,
    *,
    service_ids: list[int],
    latitude: float,
    longitude: float,
    radius: float,
) -> list[tuple[int, float]]:
    """``open_near``'s requests as ids with their distance in metres, nearest first, for
    a caller that ranks them further before reading the chosen whole (``whole``). A box
    on the indexed coordinates narrows them; the distance on the ground decides."""
    candidates = _in_box(cases.open(), service_ids, latitude, longitude, radius)
    found = list(_within(candidates, latitude, longitude, radius))
    found.sort(key=lambda n: (n[1], -n[2].timestamp()))
    return [(pk, metres) for pk, metres, _at in found]


def recent_near(
    cases: CaseQuerySet,
    *,
    service_ids: list[int],
    latitude: float,
    longitude: float,
    radius: float,
    since: dt.datetime,
    limit: int,
) -> list[Nearby]:
    """The newest requests (open or closed) among ``cases`` of these services made since
    ``since`` within ``radius`` metres of the point, newest first: reports near me. Like
    ``open_near``, a box on the indexed coordinates narrows it and the ground decides."""
    candidates = _in_box(
        cases.filter(created_at__gte=since), service_ids, latitude, longitude, radius
    )
    found = list(_within(candidates, latitude, longitude, radius))
    found.sort(key=lambda n: (-n[2].timestamp(), -n[0]))
    return whole(cases, [(pk, metres) for pk, metres, _at in found[:limit]])


_Candidate = tuple[int, float, dt.datetime]
_Boxed = tuple[int, float | None, float | None, dt.datetime]


def _in_box(
    cases: CaseQuerySet, service_ids: list[int], latitude: float, longitude: float, radius: float
) -> Iterable[_Boxed]:
    """The id, place and date of the requests of these services in the box around the
    circle: read from the index alone (``case_nearby_idx`` holds every column the box
    and the date need), so a box holding thousands of requests costs no table reads."""
    pad, pad_lon = box_around(latitude, longitude, radius)
    return cases.filter(
        service_id__in=service_ids,
        latitude__range=(latitude - pad, latitude + pad),
        longitude__range=(longitude - pad_lon, longitude + pad_lon),
    ).values_list("pk", "latitude", "longitude", "created_at")


def _within(
    candidates: Iterable[_Boxed], latitude: float, longitude: float, radius: float
) -> Iterator[_Candidate]:
    """Those of the box's requests really within ``radius`` metres on the ground, with
    their distance."""
    for pk, lat, lon, created_at in candidates:
        assert lat is not None and lon is not None  # the box holds only placed requests
        metres = metres_between(latitude, longitude, lat, lon)
        if metres <= radius:
            yield pk, metres, created_at


def whole(cases: CaseQuerySet, chosen: list[tuple[int, float]]) -> list[Nearby]:
    """The chosen requests (id and distance) read whole, in the order chosen."""
    by_pk = cases.select_related("service", "ward").in_bulk([pk for pk, _metres in chosen])
    return [Nearby(by_pk[pk], metres) for pk, metres in chosen if pk in by_pk]
