"""The council's public performance page: headline figures per service for anyone, with
small numbers withheld by the one suppression rule (``insight.suppression``)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.decorators.http import require_safe

from onecouncil.core.models import Council
from onecouncil.frontdoor.http import page, with_council
from onecouncil.insight.models import settings_for
from onecouncil.insight.services import public_performance, today_for
from onecouncil.web.insight import table_csv


@require_safe
@with_council
def performance(request: HttpRequest, council: Council) -> HttpResponseBase:
    result = public_performance(council=council, today=today_for(council))
    wanted = request.GET.get("download")
    if wanted:
        table = next((t for t in result.tables if t.id == wanted), None)
        if table is None:
            raise Http404
        return table_csv(council, table, result.filters)
    return page(
        request,
        "performance.html",
        {
            "report": result,
            "threshold": settings_for(council).suppression_threshold,
        },
    )
