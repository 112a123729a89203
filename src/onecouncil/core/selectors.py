"""Reads of councils, the one door through which requests are matched to a council."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from onecouncil.core.models import Council, Membership, Role
from onecouncil.core.queries import the_one

_CACHE_SECONDS = 60


def council_for_hostname(hostname: str) -> Council | None:
    host = hostname.lower().split(":")[0]
    key = f"council-host:{host}"
    council_id = cache.get(key)
    if council_id is None:
        council_id = (
            Council.objects.filter(hostnames__hostname=host, is_active=True)
            .values_list("id", flat=True)
            .first()
        ) or 0
        cache.set(key, council_id, _CACHE_SECONDS)
    if not council_id:
        return None
    return the_one(Council.objects.filter(id=council_id, is_active=True))


def council_for_slug(slug: str) -> Council | None:
    return the_one(Council.objects.filter(slug=slug, is_active=True))


def active_councils() -> list[Council]:
    return list(Council.objects.filter(is_active=True).order_by("name"))


def councils_administered_by(user: Any) -> list[int]:
    """Ids of the councils whose catalogue ``user`` may edit in the staff admin."""
    if getattr(user, "is_superuser", False):
        return list(Council.objects.values_list("id", flat=True))
    return list(
        Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).values_list(
            "council_id", flat=True
        )
    )
