"""Counting limits in the shared cache: the one place a "no more than N in T" is kept.

Used for link emails, follow confirmations and anything else a stranger could repeat to
flood a resident's inbox or make the council send mail at volume. (Sign-in attempts have
their own, stricter rules in ``core.signin``.)
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def uses_counted(key: str, seconds: int, uses: int = 1) -> int:
    """Count ``uses`` more of ``key`` in a window of ``seconds`` from the first; the
    window's count so far. Atomic in Redis (``incr``)."""
    cache.add(key, 0, timeout=seconds)
    try:
        return int(cache.incr(key, uses))
    except ValueError:  # expired between the two calls
        cache.set(key, uses, timeout=seconds)
        return uses


def within_limit(key: str, limit: int, seconds: int) -> bool:
    """Count one more use of ``key`` and say whether it is still within ``limit`` uses in
    the ``seconds`` since the first."""
    return uses_counted(key, seconds) <= limit


def digest(value: str) -> str:
    """A key part that does not put an email address or phone number in the cache."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
