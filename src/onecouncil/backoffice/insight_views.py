"""Insight dashboards for staff: thin views over ``insight.services``; who sees what is
``insight.access.insight_scope``, the one door."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_GET

from onecouncil.backoffice.forms import InsightFilterForm
from onecouncil.backoffice.http import page, staff_view
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.insight.access import insight_scope
from onecouncil.insight.figures import Filters, dashboards
from onecouncil.insight.services import dashboard_for, default_period, report, today_for
from onecouncil.insight.snapshot import current_snapshot
from onecouncil.web.insight import table_csv
from onecouncil.web.maps import MapPoint, allow_map_tiles, map_settings, point_features


@require_GET
@staff_view(Permission.VIEW_INSIGHT)
def insight_home(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    scope = insight_scope(membership)
    return page(
        request,
        "insight_home.html",
        {"dashboards": dashboards(), "scope": scope, "snapshot": current_snapshot()},
    )


@require_GET
@staff_view(Permission.VIEW_INSIGHT)
def insight_dashboard(
    request: HttpRequest, council: Council, membership: Membership, slug: str
) -> HttpResponseBase:
    dashboard = dashboard_for(slug)
    if dashboard is None:
        raise Http404
    scope = insight_scope(membership)
    start, end = default_period(today_for(council))
    form = InsightFilterForm(
        request.GET or None,
        initial={"start": start.isoformat(), "end": end.isoformat()},
        council=council,
        service_ids=scope.service_ids,
        team_ids=scope.team_ids,
        ward_codes=scope.ward_codes,
    )
    filters = Filters(start=start, end=end)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = Filters(
            start=data["start"] or start,
            end=data["end"] or end,
            service_id=data["service"],
            ward_code=data["ward"] or None,
            team_id=data["team"],
            channel=data["channel"] or None,
        )
    result = report(council=council, scope=scope, dashboard=dashboard, filters=filters)
    wanted = request.GET.get("download")
    if wanted:
        table = next((t for t in result.tables if t.id == wanted), None)
        if table is None:
            raise Http404
        return table_csv(council, table, filters)
    query = request.GET.copy()
    query.pop("download", None)
    # Tables with places (the sensors') are shown on a map as well.
    placed = [p for t in result.tables for p in t.points]
    the_map = None
    if placed:  # centred on the council, or (with no boundary yet) on its devices
        the_map = map_settings(council) or map_settings(
            council, (placed[0]["latitude"], placed[0]["longitude"]), 14
        )
    maps = {t.id: _features(t.points) for t in result.tables if t.points and the_map}
    response = page(
        request,
        "insight_dashboard.html",
        {
            "report": result,
            "dashboards": dashboards(),
            "form": form,
            "scope": scope,
            "query": query.urlencode(),
            "map": the_map,
            "maps": bool(maps),
            "tables": [(t, maps.get(t.id)) for t in result.tables],
        },
        status=400 if form.is_bound and form.errors else 200,
    )
    allow_map_tiles(response, the_map)
    return response


def _features(points: list[dict[str, Any]]) -> dict[str, Any]:
    return point_features(
        [
            MapPoint(
                p["latitude"],
                p["longitude"],
                p["title"],
                reverse("backoffice:asset", args=[p["asset"]]) if p["asset"] else "",
                state=p["state"],
            )
            for p in points
        ]
    )
