"""Who is on the other end: the one place a request's client address is read.

Behind a reverse proxy every request comes from the proxy's address, so throttles would
key on it (one resident could lock out a whole town) and audit entries would name it.
With ``TRUSTED_PROXIES`` set to the number of proxies in front of OneCouncil (docs/
operations.md), the client's address is the one the outermost trusted proxy saw: that
many entries from the right of ``X-Forwarded-For``. Entries further left are written by
the client and never trusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "TRUSTED_PROXIES", 0))
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
