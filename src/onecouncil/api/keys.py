"""Issuing, checking and rate-limiting API keys.

Checking a key and counting it against its limit happen on every API call, so both live
in the shared cache (Redis in production, ``config.settings``): a key is read from the
database once a minute at most (``KEY_CACHE_SECONDS``) and its ``last_used_at`` written
at most once a minute; revoking or changing a key (``api_key_revoke``,
``api_key_forget``) drops it from the cache at once, in every process. The rate limit is
a counter per key and minute, incremented atomically where the cache can (Redis; the
in-memory cache within one process); with the database cache, whose increments are not
atomic between processes, it falls back to counting in ``ApiKeyWindow`` rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
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


KEY_CACHE_SECONDS = 60
LAST_USED_EVERY_SECONDS = 60
# What a key's cache entry holds: enough to act for the key without reading its row.
_KEPT = (
    "pk",
    "council_id",
    "name",
    "kind",
    "role",
    "prefix",
    "rate_limit_per_minute",
    "backend_id",
)
_UNKNOWN = "unknown"


def _cache_key(key_hash: str) -> str:
    return f"api-key:{key_hash}"


def api_key_check(*, key: str, council: Council | None, kind: KeyKind) -> ApiKey | None:
    """The live key of this council and kind, or None, read through the shared cache
    (``api_key_allow``, called next on every API call, notes its use). Without
    ``council`` (a REST key names its own), the key's council is read."""
    if not key:
        return None
    key_hash = _hash(key)
    kept = cache.get(_cache_key(key_hash))
    if kept is None:
        found = ApiKey.objects.filter(key_hash=key_hash, revoked_at__isnull=True).first()
        kept = {name: getattr(found, name) for name in _KEPT} if found else _UNKNOWN
        cache.set(_cache_key(key_hash), kept, KEY_CACHE_SECONDS)
    if kept == _UNKNOWN or kept["kind"] != kind:
        return None
    if council is None:
        council = Council.objects.filter(pk=kept["council_id"], is_active=True).first()
    if council is None or kept["council_id"] != council.pk:
        return None
    api_key = ApiKey(**{("id" if n == "pk" else n): v for n, v in kept.items()}, key_hash=key_hash)
    api_key.council = council  # the council the request is for: no second read
    return api_key


def api_key_forget(api_key: ApiKey) -> None:
    """Drop a changed key from the shared cache: the next call reads it again."""
    cache.delete(_cache_key(api_key.key_hash))


def api_key_revoke(api_key: ApiKey) -> bool:
    """Revoke a key now, in every process. Returns whether it was live."""
    revoked = bool(
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )
    api_key_forget(api_key)
    return revoked


def _atomic_counters() -> bool:
    """Whether the shared cache increments atomically across the processes that share it."""
    backend = caches["default"]
    return isinstance(backend, RedisCache | LocMemCache)


def api_key_allow(api_key: ApiKey) -> int | None:
    """Count one request; None if allowed, else the seconds until the next window. Also
    notes the key was used (``last_used_at``, written at most once a minute)."""
    now = timezone.now()
    if not _atomic_counters():
        count, first_use = _allow_by_rows(api_key), cache.add(_used(api_key), 1, 60)
    else:
        count, first_use = _count(api_key, now)
    if first_use:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    if count > api_key.rate_limit_per_minute:
        return max(1, 60 - now.second)
    return None


def _used(api_key: ApiKey) -> str:
    return f"api-key-used:{api_key.pk}"


def _count(api_key: ApiKey, now: dt.datetime) -> tuple[int, bool]:
    """This minute's count for the key, after this request, and whether it is the key's
    first use this minute: one round trip to Redis (a pipeline), atomic across processes."""
    counter = f"api-rate:{api_key.pk}:{int(now.timestamp()) // 60}"
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # One pipeline on Django's own Redis client, not three calls.
        client = backend._cache.get_client(write=True)  # type: ignore[attr-defined]  # django-stubs omit RedisCache's client
        pipe = client.pipeline(transaction=False)
        pipe.incr(backend.make_and_validate_key(counter))
        pipe.expire(backend.make_and_validate_key(counter), 120)
        pipe.set(backend.make_and_validate_key(_used(api_key)), 1, ex=60, nx=True)
        count, _expiry, first = pipe.execute()
        return int(count), bool(first)
    cache.add(counter, 0, 120)
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between add and incr: this is the window's first
        cache.set(counter, 1, 120)
        count = 1
    return count, cache.add(_used(api_key), 1, 60)


@transaction.atomic
def _allow_by_rows(api_key: ApiKey) -> int:
    """The rate limit counted in the database (``ApiKeyWindow``): atomic across processes
    where the shared cache is the database cache."""
    now = timezone.now()
    window = now.replace(second=0, microsecond=0)
    ApiKeyWindow.objects.get_or_create(key=api_key, window=window)
    ApiKeyWindow.objects.filter(key=api_key, window=window).update(count=F("count") + 1)
    count = ApiKeyWindow.objects.get(key=api_key, window=window).count
    ApiKeyWindow.objects.filter(key=api_key, window__lt=window - dt.timedelta(minutes=5)).delete()
    return count
