"""Issuing, checking and rate-limiting API keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from onecouncil.api.models import ApiKey, ApiKeyWindow, KeyKind
from onecouncil.core.models import Council


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    key: str


def api_key_issue(
    *,
    council: Council,
    name: str,
    kind: KeyKind = KeyKind.OPEN311,
    role: str = "",
    rate_limit_per_minute: int = 120,
) -> IssuedKey:
    key = f"oc_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        council=council,
        name=name,
        kind=kind,
        role=role,
        prefix=key[:11],
        key_hash=_hash(key),
        rate_limit_per_minute=rate_limit_per_minute,
    )
    return IssuedKey(api_key, key)


def api_key_check(*, key: str, council: Council, kind: KeyKind) -> ApiKey | None:
    """The live key of this council and kind, or None."""
    if not key:
        return None
    found = ApiKey.objects.filter(
        key_hash=_hash(key), council=council, kind=kind, revoked_at__isnull=True
    ).first()
    if found is not None:
        ApiKey.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found


@transaction.atomic
def api_key_allow(api_key: ApiKey) -> int | None:
    """Count one request; None if allowed, else the seconds until the next window."""
    now = timezone.now()
    window = now.replace(second=0, microsecond=0)
    ApiKeyWindow.objects.get_or_create(key=api_key, window=window)
    ApiKeyWindow.objects.filter(key=api_key, window=window).update(count=F("count") + 1)
    count = ApiKeyWindow.objects.get(key=api_key, window=window).count
    ApiKeyWindow.objects.filter(key=api_key, window__lt=window - dt.timedelta(minutes=5)).delete()
    if count > api_key.rate_limit_per_minute:
        return max(1, 60 - now.second)
    return None
