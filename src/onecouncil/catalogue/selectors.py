"""Reads of the catalogue: what a resident can find and what a client can discover."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from onecouncil.catalogue.models import Question, Service, ServiceGroup
from onecouncil.core.models import Council


def services_available(*, council: Council) -> QuerySet[Service]:
    return Service.objects.filter(council=council, is_active=True).select_related("group")


def groups_with_services(*, council: Council) -> list[ServiceGroup]:
    services = Service.objects.filter(is_active=True).order_by("order", "name")
    groups = (
        ServiceGroup.objects.filter(council=council, services__is_active=True)
        .distinct()
        .prefetch_related(Prefetch("services", queryset=services, to_attr="available_services"))
    )
    return list(groups)


def service_search(*, council: Council, text: str, limit: int = 20) -> list[Service]:
    """Services whose name, description, keywords or group match every word typed."""
    words = [w for w in text.lower().split() if w]
    if not words:
        return []
    queryset = services_available(council=council)
    for word in words:
        stem = word.rstrip("s") if len(word) > 3 else word
        queryset = queryset.filter(
            Q(name__icontains=stem)
            | Q(description__icontains=stem)
            | Q(keywords__icontains=stem)
            | Q(group__name__icontains=stem)
        )
    return list(queryset.order_by("order", "name")[:limit])


def service_for_resident(*, council: Council, code: str) -> Service | None:
    return (
        services_available(council=council)
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("order", "id")))
        .filter(code=code)
        .first()
    )
