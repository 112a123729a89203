"""Discovery, the service list and each service's definition, revalidated by ETag."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag

from onecouncil.api.open311.formats import respond
from onecouncil.api.open311.views.common import (
    API_CHANGED,
    SPECIFICATION,
    Problem,
    handle,
    jurisdiction,
)
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.open311 import service_definition, service_summary
from onecouncil.core.links import public_api_url
from onecouncil.core.models import Council
from onecouncil.core.selectors import active_councils

# --- Discovery and services ----------------------------------------------------------


@handle("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Where the API lives, from each council's configured public address (never the
    request's Host header): one endpoint per distinct site on this deployment."""
    councils = active_councils()
    host_council: Council | None = getattr(request, "council", None)
    if host_council is not None:
        councils = [host_council]
    urls = sorted({public_api_url(c, "open311/v2/") for c in councils})
    changeset = max(
        [API_CHANGED, *(c.catalogue_changed_at for c in councils if c.catalogue_changed_at)]
    ).isoformat(timespec="seconds")
    return respond(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": "; ".join(f"{c.name}: {c.email}" for c in councils if c.email),
            "key_service": "Ask the council's digital team for an API key for your application.",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
                for url in urls
            ],
        },
    )


def _catalogue_etag(council: Council, *parts: str) -> str:
    """The catalogue's version names what the service list and definitions say: any
    change to a service, question or group bumps it (``catalogue.versions``)."""
    return quote_etag(
        "-".join(["catalogue", str(council.pk), str(council.catalogue_version), *parts])
    )


def _conditional(
    request: HttpRequest, etag: str, build: Callable[[], HttpResponse]
) -> HttpResponse:
    """304 when the client already has this version; otherwise the answer, with its ETag.
    Clients revalidate each time (no-cache), so a change shows at once."""
    response = get_conditional_response(request, etag=etag) or build()
    if response.status_code in (200, 304):
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
    return response


@handle("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    council = jurisdiction(request, request.GET)
    return _conditional(request, _catalogue_etag(council, fmt), lambda: _services(council, fmt))


def _services(council: Council, fmt: str) -> HttpResponse:
    found = (
        Service.objects.filter(council=council, is_active=True)
        .select_related("group")
        .prefetch_related("questions")
        .order_by("order", "name")
    )
    return respond(fmt, "services", [service_summary(s) for s in found])


@handle("GET")
def service_definition_view(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    council = jurisdiction(request, request.GET)
    return _conditional(
        request,
        _catalogue_etag(council, fmt, code.encode("unicode_escape").decode("ascii")),
        lambda: _service_definition(council, fmt, code),
    )


def _service_definition(council: Council, fmt: str, code: str) -> HttpResponse:
    service = (
        Service.objects.filter(council=council, is_active=True, code=code)
        .prefetch_related("questions")
        .first()
    )
    if service is None:
        raise Problem(404, f"service_code {code} was not found")
    return respond(fmt, "service_definition", service_definition(service))


@handle("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
def unknown(request: HttpRequest, fmt: str, path: str) -> HttpResponse:
    """Any other path under the base: a 404 in the specification's format."""
    raise Problem(404, f"There is no {path[:100]} here: see discovery.xml for what there is")
