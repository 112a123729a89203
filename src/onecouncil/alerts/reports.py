"""What an alert tells: the alerts adapter's read shape over the cases door."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onecouncil.cases.access import (
    cases_for_staff,
    recent_near,
    requests_made_between,
    services_placed_publicly,
)
from onecouncil.cases.models import Case, Channel
from onecouncil.catalogue.models import PUBLIC_VISIBILITIES
from onecouncil.core.models import Council, Membership


@dataclass(frozen=True)
class AlertReports:
    """What one area alert tells: the requests it may describe, and how many others in
    its wards it may only count (a councillor's alert: private services)."""

    described: list[Case]
    counted: int


ALERT_LIST_LIMIT = 50


def reports_for_area_alert(
    *,
    council: Council,
    since: dt.datetime,
    until: dt.datetime,
    point: tuple[float, float] | None = None,
    radius: float | None = None,
    ward_id: int | None = None,
) -> AlertReports:
    """New requests anyone may hear about: within ``radius`` of ``point`` (services whose
    place is public), or in a ward (every public service; ward-only ones by ward). Never
    those a sensor raised: a full bin's alarm is the council's to act on, not news."""
    made = requests_made_between(council=council, since=since, until=until).exclude(
        channel=Channel.SENSOR
    )
    if point is not None and radius is not None:
        service_ids = services_placed_publicly(council)
        found = recent_near(
            made,
            service_ids=service_ids,
            latitude=point[0],
            longitude=point[1],
            radius=radius,
            since=since,
            limit=ALERT_LIST_LIMIT + 1,
        )
        cases = [near.case for near in found]
    else:
        assert ward_id is not None, "an area alert is about a point or a ward"
        cases = list(
            made.filter(ward_id=ward_id, service__visibility__in=PUBLIC_VISIBILITIES)
            .select_related("service", "ward", "council")
            .order_by("-created_at")[: ALERT_LIST_LIMIT + 1]
        )
    return AlertReports(cases, 0)


def reports_for_ward_alert(
    *, membership: Membership, since: dt.datetime, until: dt.datetime
) -> AlertReports:
    """A councillor's alert for their wards: public services' new requests described,
    the rest (private services) only counted, never described."""
    made = cases_for_staff(membership=membership).filter(
        created_at__gt=since, created_at__lte=until
    )
    described = list(
        made.filter(service__visibility__in=PUBLIC_VISIBILITIES)
        .select_related("service", "ward", "council")
        .order_by("-created_at")[: ALERT_LIST_LIMIT + 1]
    )
    counted = made.exclude(service__visibility__in=PUBLIC_VISIBILITIES).count()
    return AlertReports(described, counted)
