from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "frontdoor/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "frontdoor/500.html", status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid security token: explain what to do, in our own page."""
    return render(request, "frontdoor/403_csrf.html", status=403)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every site: answer with the committed icon."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.shortcuts import redirect

    return redirect(staticfiles_storage.url("onecouncil/favicon.ico"), permanent=True)
