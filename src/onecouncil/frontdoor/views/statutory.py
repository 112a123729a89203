"""The statutory pages: accessibility statement, privacy notice, cookies."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from onecouncil.catalogue.selectors import (
    processing_records,
)
from onecouncil.core.models import Council
from onecouncil.frontdoor.http import page, with_council

# --- Statutory pages: accessibility, privacy, cookies ------------------------------------


@require_GET
@with_council
def accessibility_statement(request: HttpRequest, council: Council) -> HttpResponseBase:
    return page(request, "statutory/accessibility.html", {})


@require_GET
@with_council
def privacy_notice(request: HttpRequest, council: Council) -> HttpResponseBase:
    """What each service collects, why, on what basis and for how long (from the catalogue,
    so it cannot drift from what the forms ask)."""
    return page(request, "statutory/privacy.html", {"records": processing_records(council=council)})


@require_GET
@with_council
def cookies(request: HttpRequest, council: Council) -> HttpResponseBase:
    return page(request, "statutory/cookies.html", {})
