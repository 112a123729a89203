"""The staff queue: filters, counts and the due-date clock, over the staff door.

Views, the CSV export and the API ask here; none of them writes a status list or a
due-date rule of its own (those are the named queries on ``CaseQuerySet``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from onecouncil.cases.access.staff import cases_for_staff
from onecouncil.cases.models import Case, due_soon_q, overdue_q
from onecouncil.core.models import Council, Membership
from onecouncil.core.working_time import add_working_days


@dataclass(frozen=True)
class Clock:
    """The moment a page is drawn and where "due soon" ends for this council."""

    now: dt.datetime
    horizon: dt.datetime


def clock_for(council: Council, now: dt.datetime | None = None) -> Clock:
    now = now or timezone.now()
    horizon = add_working_days(
        now,
        council.due_soon_working_days,
        tz=council.time_zone,
        region=council.bank_holiday_region,
    )
    return Clock(now=now, horizon=horizon)


@dataclass(frozen=True)
class QueueFilters:
    team_id: int | None = None
    status: str = "open"  # "open", "" for every status, or one status
    service_id: int | None = None
    ward_id: int | None = None
    due: str = ""  # "", "overdue" or "soon"
    assigned: str = ""  # "", "me" or "unassigned"
    sort: str = ""  # "" (soonest due first) or "followers" (most followed first)

    @classmethod
    def from_cleaned(cls, data: dict[str, Any]) -> QueueFilters:
        def number(value: Any) -> int | None:
            return int(value) if value not in (None, "") else None

        return cls(
            team_id=number(data.get("team")),
            status=data.get("status") or "",
            service_id=number(data.get("service")),
            ward_id=number(data.get("ward")),
            due=data.get("due") or "",
            assigned=data.get("assigned") or "",
            sort=data.get("sort") or "",
        )


def staff_queue(
    *, membership: Membership, filters: QueueFilters, clock: Clock, user_id: int | None
) -> QuerySet[Case]:
    """The requests this member of staff may see that match the filters, soonest due first."""
    cases = cases_for_staff(membership=membership)
    if filters.team_id is not None:
        cases = cases.filter(team_id=filters.team_id)
    if filters.status == "open":
        cases = cases.open()
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.service_id is not None:
        cases = cases.filter(service_id=filters.service_id)
    if filters.ward_id is not None:
        cases = cases.filter(ward_id=filters.ward_id)
    if filters.due == "overdue":
        cases = cases.overdue(clock.now)
    elif filters.due == "soon":
        cases = cases.due_soon(clock.now, clock.horizon)
    if filters.assigned == "me":
        cases = cases.filter(assignee_id=user_id)
    elif filters.assigned == "unassigned":
        cases = cases.filter(assignee__isnull=True)
    # How many people follow each request: a measure of how many it affects.
    cases = cases.annotate(
        follower_count=Count(
            "followers",
            filter=Q(
                followers__confirmed_at__isnull=False, followers__unsubscribed_at__isnull=True
            ),
        )
    )
    order = (
        ("-follower_count", "due_at", "created_at")
        if filters.sort == "followers"
        else (
            "due_at",
            "created_at",
        )
    )
    return cases.select_related("service", "ward", "assignee", "team").order_by(*order)


def queue_counts(*, membership: Membership, clock: Clock) -> list[dict[str, Any]]:
    """Open, due-soon and overdue requests per team, by the same rules as the filters."""
    return list(
        cases_for_staff(membership=membership)
        .open()
        .values("team__name")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=overdue_q(clock.now)),
            soon=Count("id", filter=due_soon_q(clock.now, clock.horizon)),
        )
        .order_by("team__name")
    )


def assigned_open(*, membership: Membership, user_id: int | None, limit: int = 200) -> list[Case]:
    """An officer's own open requests, soonest due first."""
    return list(
        cases_for_staff(membership=membership)
        .open()
        .filter(assignee_id=user_id)
        .select_related("service", "ward")
        .order_by("due_at")[:limit]
    )
