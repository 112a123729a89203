"""Reads of the catalogue: what a resident can find and what a client can discover."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from onecouncil.catalogue.models import Question, SearchSynonym, Service, ServiceGroup
from onecouncil.catalogue.search import (
    DESCRIPTION_WEIGHT,
    GROUP_WEIGHT,
    KEYWORD_WEIGHT,
    NAME_WEIGHT,
    Document,
    Synonym,
    expand,
    rank,
    words,
)
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


def search_synonyms(*, council: Council) -> list[Synonym]:
    return [
        Synonym(term=tuple(words(term)), means=means)
        for term, means in SearchSynonym.objects.filter(council=council).values_list(
            "term", "means"
        )
    ]


def service_search(*, council: Council, text: str, limit: int = 20) -> list[Service]:
    """Available services ranked by how well they match what the resident typed (see
    catalogue.search): stems, stop words and the council's synonyms."""
    if not words(text):
        return []
    services = list(services_available(council=council).order_by("order", "name"))
    documents = []
    for service in services:
        document = Document(key=service)
        document.add(service.name, NAME_WEIGHT)
        document.add(" ".join(service.keyword_list), KEYWORD_WEIGHT)
        document.add(service.group.name, GROUP_WEIGHT)
        document.add(service.description, DESCRIPTION_WEIGHT)
        documents.append(document)
    query = expand(text, search_synonyms(council=council))
    return [key for key, _score in rank(documents, query)[:limit] if isinstance(key, Service)]


def service_for_resident(*, council: Council, code: str) -> Service | None:
    return (
        services_available(council=council)
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("order", "id")))
        .filter(code=code)
        .first()
    )
