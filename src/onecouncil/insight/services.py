"""What the dashboards and the performance page ask of insight: a dashboard's tables for a
reader's scope and filters, worked out over the current snapshot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.core.models import Council
from onecouncil.insight.access import Scope, public_scope
from onecouncil.insight.feedback import Comment, page_comments, rating_comments
from onecouncil.insight.figures import (
    Context,
    Dashboard,
    Filters,
    Table,
    dashboards,
    performance_by_month,
    performance_by_service,
)
from onecouncil.insight.models import settings_for
from onecouncil.insight.snapshot import Snapshot, current_snapshot, open_council


@dataclass
class Report:
    dashboard: Dashboard
    snapshot: Snapshot | None
    filters: Filters
    tables: list[Table] = field(default_factory=list)
    # Residents' own words, masked, for those who may read them (``insight.feedback``).
    rating_comments: list[Comment] = field(default_factory=list)
    page_comments: list[Comment] = field(default_factory=list)


def dashboard_for(slug: str) -> Dashboard | None:
    return next((d for d in dashboards() if d.slug == slug), None)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve whole months and this one so far."""
    start = today.replace(day=1)
    start = start.replace(year=start.year - 1)
    return start, today


def report(*, council: Council, scope: Scope, dashboard: Dashboard, filters: Filters) -> Report:
    """Every table of ``dashboard`` for this scope (which must be the council's)."""
    if scope.council_id != council.pk:
        raise ValueError("a scope of another council")
    snapshot = current_snapshot()
    result = Report(dashboard=dashboard, snapshot=snapshot, filters=filters)
    if snapshot is None:
        return result
    con = open_council(snapshot, council.pk)
    try:
        ctx = Context(
            con=con,
            scope=scope,
            filters=filters,
            settings=settings_for(council),
            as_of=snapshot.refreshed_at,
            zone=ZoneInfo(council.time_zone),
        )
        result.tables = [figure(ctx) for figure in dashboard.figures]
    finally:
        con.close()
    if dashboard.comments:
        result.rating_comments = rating_comments(
            scope=scope, start=filters.start, end=filters.end, service_id=filters.service_id
        )
        result.page_comments = page_comments(scope=scope, start=filters.start, end=filters.end)
    return result


def today_for(council: Council) -> dt.date:
    return timezone.now().astimezone(ZoneInfo(council.time_zone)).date()


def public_performance(*, council: Council, today: dt.date) -> Report:
    """The public performance page: the last twelve months, the whole council, with small
    numbers withheld at the council's threshold."""
    threshold = settings_for(council).suppression_threshold
    start, end = default_period(today)
    return report(
        council=council,
        scope=public_scope(council.pk, threshold),
        dashboard=Dashboard(
            "performance", _("Performance"), (performance_by_month, performance_by_service)
        ),
        filters=Filters(start=start, end=end),
    )
