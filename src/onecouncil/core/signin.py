"""Staff sign-in with throttling of failed attempts (per account and per address)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

from onecouncil.core.models import FailedLogin

WINDOW = dt.timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20


class Throttled(Exception):
    pass


def signin_attempt(*, request: HttpRequest, username: str, password: str) -> object | None:
    """The user if the credentials are right; None if not; Throttled after too many tries."""
    ip = request.META.get("REMOTE_ADDR") or None
    since = timezone.now() - WINDOW
    recent = FailedLogin.objects.filter(created_at__gte=since)
    if recent.filter(username__iexact=username).count() >= MAX_PER_ACCOUNT or (
        ip and recent.filter(ip_address=ip).count() >= MAX_PER_ADDRESS
    ):
        raise Throttled
    user = authenticate(request, username=username, password=password)
    if user is None:
        FailedLogin.objects.create(username=username[:150], ip_address=ip)
        return None
    FailedLogin.objects.filter(username__iexact=username).delete()
    return user


STAFF_SESSION_SECONDS = getattr(settings, "STAFF_SESSION_SECONDS", 8 * 60 * 60)
