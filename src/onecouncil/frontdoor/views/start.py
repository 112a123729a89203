"""The front door: the council's home page and finding a service."""

from __future__ import annotations

from functools import partial

from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from onecouncil.catalogue.answers import (
    journey_steps,
)
from onecouncil.catalogue.selectors import (
    groups_with_services,
    service_search,
)
from onecouncil.core.models import Council
from onecouncil.core.selectors import active_councils
from onecouncil.frontdoor.http import page, service_or_404, step_url, with_council

# --- Finding a service -------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponseBase:
    """The deployment's root: the council's home page, or a choice of councils."""
    if getattr(request, "council", None) is not None:
        return home(request)
    return page(request, "councils.html", {"councils": active_councils()})


@require_GET
@with_council
def home(request: HttpRequest, council: Council) -> HttpResponseBase:
    # Lazy: read only when the cached list for this catalogue version is missing.
    return page(request, "home.html", {"groups": partial(groups_with_services, council=council)})


@require_GET
@with_council
def services(request: HttpRequest, council: Council) -> HttpResponseBase:
    query = request.GET.get("q", "").strip()[:100]
    results = service_search(council=council, text=query) if query else None
    return page(
        request,
        "services.html",
        {
            "query": query,
            "results": results,
            "groups": partial(groups_with_services, council=council),
            "handed_from": request.session.pop(f"handed_from:{council.pk}", "")
            if hasattr(request, "session")
            else "",
        },
    )


@require_GET
@with_council
def service_start(request: HttpRequest, council: Council, code: str) -> HttpResponseBase:
    service = service_or_404(council, code)
    return page(
        request,
        "service_start.html",
        {
            "service": service,
            "first_step": step_url(service, journey_steps(service)[0]),
        },
    )
