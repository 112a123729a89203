"""Whole public pages kept in the shared cache for visitors without a session.

A visitor with no session cookie (most readers of a tracking page: a link in an email, a
search result, an API client's user) sees exactly what every other such visitor sees,
except the CSRF token in its forms and the Content-Security-Policy nonce: the page is
kept once, those two marked, and filled in afresh for each response. Anyone with a
session (signed in, following, mid-report, a message to show) gets the page rendered for
them as before. Pages are kept for ``SECONDS`` under a key naming what they show (the
caller's version of the thing, the language, the static files' manifest), so a change to
the thing shows at once and a change to the council's branding within a minute.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.utils.translation import get_language

SECONDS = 60
_CSRF = "\x00oc-csrf\x00"
_NONCE = "\x00oc-nonce\x00"
_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')


def _anonymous(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _key(name: str, parts: tuple[object, ...]) -> str:
    manifest = getattr(staticfiles_storage, "manifest_hash", "")
    said = "|".join(str(p) for p in (*parts, get_language(), manifest))
    return f"page:{name}:{hashlib.sha256(said.encode()).hexdigest()[:40]}"


def page_kept(request: HttpRequest, name: str, parts: tuple[object, ...]) -> HttpResponse | None:
    """The kept page, with this response's token and nonce; None to render it."""
    if not _anonymous(request):
        return None
    kept = cache.get(_key(name, parts))
    if kept is None:
        return None
    nonce = str(getattr(request, "csp_nonce", ""))
    html = kept.replace(_NONCE, nonce)
    if _CSRF in html:
        html = html.replace(_CSRF, get_token(request))
    return HttpResponse(html)


def page_keep(
    request: HttpRequest, name: str, parts: tuple[object, ...], response: HttpResponseBase
) -> None:
    """Keep a page just rendered for a visitor without a session."""
    if not _anonymous(request) or response.status_code != 200 or response.streaming:
        return
    assert isinstance(response, HttpResponse)
    html = response.content.decode(response.charset)
    nonce = str(getattr(request, "csp_nonce", ""))
    if nonce:
        html = html.replace(f'nonce="{nonce}"', f'nonce="{_NONCE}"')
    html = _TOKEN.sub(lambda m: m.group(1) + _CSRF + m.group(3), html)
    cache.set(_key(name, parts), html, SECONDS)
