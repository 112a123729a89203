"""Resolve each web request to the council it is for.

A council's own domain (``CouncilHostname``) serves that council at the root. For local
use and the demo, the first path segment may name a council instead:
``/riverbend/report/...``. The middleware strips that segment from ``path_info`` and
sets Django's script prefix, so every ``reverse()`` and ``{% url %}`` in that request
produces links under the same prefix without any view knowing about it.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone

from onecouncil.core.selectors import council_for_hostname, council_for_slug

Middleware = Callable[[HttpRequest], HttpResponse]

# First path segments that are never council slugs.
RESERVED = {"static", "media", "admin", "open311", "api", "healthz", "i18n"}


class CouncilMiddleware:
    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self._resolve(request)
        finally:
            timezone.deactivate()

    def _resolve(self, request: HttpRequest) -> HttpResponse:
        request.council = council_for_hostname(request.get_host())  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
        request.council_prefix = ""  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
        if request.council is None:  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
            segment, _sep, rest = request.path_info.lstrip("/").partition("/")
            if segment and segment not in RESERVED:
                council = council_for_slug(segment)
                if council is not None:
                    if not _sep:
                        return HttpResponsePermanentRedirect(request.path + "/")
                    request.council = council  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
                    timezone.activate(ZoneInfo(council.time_zone))
                    script_name = request.META.get("SCRIPT_NAME", "").rstrip("/")
                    prefix = f"{script_name}/{segment}/"
                    request.council_prefix = prefix  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
                    request.path_info = "/" + rest
                    previous = get_script_prefix()
                    set_script_prefix(prefix)
                    try:
                        return self.get_response(request)
                    finally:
                        set_script_prefix(previous)
        if request.council is not None:  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
            timezone.activate(ZoneInfo(request.council.time_zone))  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
        return self.get_response(request)


class NoNulInPathMiddleware:
    """No page's address holds the NUL character, and no database column can hold it
    (PostgreSQL refuses it outright), so a path with one is "page not found" here, once,
    rather than a server error in whichever view looks its token up. Form fields refuse
    it through Django's own validator, and REST bodies through ``InputSchema``."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            raise Http404()
        return self.get_response(request)
