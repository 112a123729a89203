"""Staff sign-in with throttling of failed attempts (per account and per address)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from onecouncil.core.clients import client_ip
from onecouncil.core.models import FailedLogin
from onecouncil.core.throttles import digest

WINDOW = dt.timedelta(minutes=15)
# Wrong passwords for one account from one address, from one address for any account, and
# for one account from anywhere (a slow, spread-out guess), within WINDOW. Staff behind an
# office's one address share it, so the address's ceiling is high, and it never stops an
# account that has signed in from that address before (within KNOWN_FOR): one person
# typing junk cannot lock a whole office out.
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 100
MAX_PER_ACCOUNT_ANYWHERE = 100
KNOWN_FOR = dt.timedelta(days=30)


def _known_key(username: str, ip: str | None) -> str:
    return f"signin-known:{digest(username)}:{digest(ip or '')}"


class Throttled(Exception):
    pass


def attempt_begin(*, key: str, ip: str | None) -> FailedLogin:
    """Record a sign-in attempt before its password is checked, then count: attempts sent
    at once each see the others, so none can race past the limit. An account is limited
    per address, so junk attempts from elsewhere cannot lock its owner out. Raises
    Throttled; otherwise check the password and call ``attempt_succeeded`` if right."""
    key = key.strip().lower()[:150]
    attempt = FailedLogin.objects.create(username=key, ip_address=ip)
    recent = FailedLogin.objects.filter(created_at__gte=timezone.now() - WINDOW)
    if (
        recent.filter(username=key, ip_address=ip).count() > MAX_PER_ACCOUNT
        or (
            ip
            and recent.filter(ip_address=ip).count() > MAX_PER_ADDRESS
            and not cache.get(_known_key(key, ip))
        )
        or recent.filter(username=key).count() > MAX_PER_ACCOUNT_ANYWHERE
    ):
        raise Throttled
    return attempt


def attempt_succeeded(attempt: FailedLogin) -> None:
    """The password was right: forget this account's failures from this address, and know
    the address as one this account signs in from."""
    FailedLogin.objects.filter(username=attempt.username, ip_address=attempt.ip_address).delete()
    cache.set(
        _known_key(attempt.username, attempt.ip_address),
        True,
        timeout=int(KNOWN_FOR.total_seconds()),
    )


def signin_attempt(*, request: HttpRequest, username: str, password: str) -> object | None:
    """The user if the credentials are right; None if not; Throttled after too many tries."""
    attempt = attempt_begin(key=username, ip=client_ip(request))
    user = authenticate(request, username=username, password=password)
    if user is None:
        return None
    attempt_succeeded(attempt)
    return user


STAFF_SESSION_SECONDS = getattr(settings, "STAFF_SESSION_SECONDS", 8 * 60 * 60)
