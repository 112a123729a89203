"""Counting limits in the shared cache: the one place a "no more than N in T" is kept.

Used for link emails, follow confirmations and anything else a stranger could repeat to
flood a resident's inbox or make the council send mail at volume. (Sign-in attempts have
their own, stricter rules in ``core.signin``.)
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def within_limit(key: str, limit: int, seconds: int) -> bool:
    """Count one more use of ``key`` and say whether it is still within ``limit`` uses in
    the ``seconds`` since the first. Atomic in Redis (``incr``)."""
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=seconds)
        count = 1
    return count <= limit


def digest(value: str) -> str:
    """A key part that does not put an email address or phone number in the cache."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
