"""Handing a report to the council whose area the place is in.

A resident who puts the pin in a neighbouring council's area, when that council is on
this deployment, may carry on there without starting again: the answers (where the
service matches), the place and the photos go with them. Councils may be served at different web
addresses, so the session does not go; a one-use random token does, and what it unlocks
is kept in the cache for an hour.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import matching_service
from onecouncil.core.models import Council
from onecouncil.places.lookup import councils_covering

HANDOFF_SECONDS = 60 * 60
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
_KEY = "handoff:{token}"


def handoff_offers(*, council: Council, latitude: float, longitude: float) -> list[Council]:
    """The other active councils on this deployment whose area holds the point."""
    ids = councils_covering(latitude, longitude, exclude=council.pk)
    return list(Council.objects.filter(pk__in=ids, is_active=True).order_by("name"))


@dataclass(frozen=True)
class Handoff:
    council_id: int
    service_code: str  # empty when no service there matches
    answers: dict[str, Any]
    place: dict[str, Any]
    from_council: str
    # Where the draft's photos are kept until they are handed over on arrival.
    photos_from: dict[str, Any] | None = None


def handoff_start(
    *,
    council: Council,
    service: Service,
    target: Council,
    answers: dict[str, Any],
    place: dict[str, Any],
    draft_key: str = "",
) -> tuple[str, Service | None]:
    """Keep what goes to ``target`` and return the token that unlocks it, with the
    service it matched there (None: the resident chooses from that council's list)."""
    matched = matching_service(council=target, service=service)
    kept: dict[str, Any] = {}
    if matched is not None:
        codes = {q.code for q in matched.questions.all()}
        kept = {code: value for code, value in answers.items() if code in codes}
    token = secrets.token_urlsafe(24)
    cache.set(
        _KEY.format(token=token),
        {
            "council_id": target.pk,
            "service_code": matched.code if matched else "",
            "answers": kept,
            "place": {
                k: place.get(k, "") for k in ("latitude", "longitude", "street", "description")
            },
            "from_council": council.name,
            "photos_from": {"council_id": council.pk, "draft_key": draft_key}
            if draft_key
            else None,
        },
        HANDOFF_SECONDS,
    )
    return token, matched


def handoff_take(*, council: Council, token: str) -> Handoff | None:
    """What the token unlocks at ``council``, once; None when unknown, used or expired."""
    if not TOKEN.fullmatch(token):
        return None
    key = _KEY.format(token=token)
    data = cache.get(key)
    if not isinstance(data, dict) or data.get("council_id") != council.pk:
        return None
    cache.delete(key)
    return Handoff(**data)
