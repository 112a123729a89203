"""Reads of the catalogue: what a resident can find and what a client can discover."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from onecouncil.catalogue.models import (
    LawfulBasis,
    Question,
    QuestionKind,
    SearchSynonym,
    Service,
    ServiceGroup,
    Visibility,
)
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


def services_to_route_to(*, council: Council) -> QuerySet[Service]:
    """The services a request can be routed to, by staff or the free-text model: the
    council's available services, but never a triage service (``needs_triage``), where
    requests only wait."""
    return services_available(council=council).filter(needs_triage=False)


def service_asking_for_asset_type(*, council_id: int, code: str) -> Service | None:
    """The council's own active service that asks which asset of this type (first in the
    catalogue's order): where a sensor on such an asset raises its requests."""
    return (
        Service.objects.filter(
            council_id=council_id, asset_type=code, is_active=True, handled_by__isnull=True
        )
        .order_by("order", "pk")
        .first()
    )


def triage_service(*, council: Council) -> Service | None:
    """Where the council's requests without a usable service wait (an email, say): its
    first available triage service, if it has one."""
    code = (
        services_available(council=council)
        .filter(needs_triage=True)
        .order_by("order", "pk")
        .values_list("code", flat=True)
        .first()
    )
    return service_for_resident(council=council, code=code) if code else None


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


CATALOGUE_CACHE_SECONDS = 3600


def service_for_resident(*, council: Council, code: str) -> Service | None:
    """An active service by its code, with its questions in order and its team: what a
    journey or an API submission needs. Kept in the shared cache under the council's
    catalogue version (``Council.catalogue_version``, raised by every change to its
    catalogue), so a change shows at once in every process and an unchanged catalogue is
    read from the database once an hour at most."""
    if "\x00" in code:  # no code holds NUL, and PostgreSQL refuses to compare with one
        return None
    # The code as a digest: a client may send any text, and a cache key must stay short
    # and plain.
    digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    key = f"catalogue:{council.pk}:{council.catalogue_version}:service:{digest}"
    found = _read_here.get(key)  # the key names the version: never stale in this process
    if found is None:
        found = cache.get(key)
    if found is None:
        service = (
            services_available(council=council)
            .select_related("team", "handled_by")
            .prefetch_related(
                Prefetch("questions", queryset=Question.objects.order_by("order", "id"))
            )
            .filter(code=code)
            .first()
        )
        found = service if service is not None else _NO_SERVICE
        cache.set(key, found, CATALOGUE_CACHE_SECONDS)
    if len(_read_here) >= 512:
        _read_here.clear()
    _read_here[key] = found
    return found if isinstance(found, Service) else None


_NO_SERVICE = "none"
_read_here: dict[str, Service | str] = {}


def forget_what_this_process_read() -> None:
    """Drop this process's copies (tests, whose rolled-back changes tell no one)."""
    _read_here.clear()


def matching_service(*, council: Council, service: Service) -> Service | None:
    """The same service at another council, for a resident whose place turned out to be
    there: by LGSL code, else by the codes that council lists as meaning its service
    (``Service.other_codes``). None when nothing matches."""
    available = list(services_available(council=council).exclude(pk=service.pk))
    if service.lgsl_code is not None:
        for candidate in available:
            if candidate.lgsl_code == service.lgsl_code:
                return candidate
    for candidate in available:
        if service.code in candidate.other_code_list:
            return candidate
    return None


@dataclass(frozen=True)
class ProcessingRecord:
    """One service as a processing activity: for the privacy notice and Article 30."""

    service: Service
    purpose: str
    lawful_basis: str
    retention: str
    kept_by_law: str
    collects: list[str]
    public: str


def _years_and_days(days: int) -> str:
    years, rest = divmod(days, 365)
    if rest == 0 and years:
        return ngettext(
            "%(n)s year after it is closed", "%(n)s years after it is closed", years
        ) % {"n": years}
    return ngettext("%(n)s day after it is closed", "%(n)s days after it is closed", days) % {
        "n": days
    }


def processing_records(
    *, council: Council, include_inactive: bool = False
) -> list[ProcessingRecord]:
    """Every service, as what it collects, why, on what basis and for how long: the
    privacy notice residents read and the record of processing (Article 30)."""
    services = Service.objects.filter(council=council).select_related("group", "team")
    if not include_inactive:
        services = services.filter(is_active=True)
    records = []
    for service in services.prefetch_related("questions").order_by("group__order", "order", "name"):
        collects = [str(_("your name and contact details"))]
        if service.location_required:
            collects.append(str(_("the place or address")))
        if any(q.kind == QuestionKind.PHOTO for q in service.questions.all()) or (
            service.pattern == "report"
        ):
            collects.append(str(_("photos you choose to add")))
        collects += [q.label for q in service.questions.all() if q.kind != QuestionKind.PHOTO]
        records.append(
            ProcessingRecord(
                service=service,
                purpose=service.purpose
                or str(_("To deal with your request: %(name)s.") % {"name": service.name}),
                lawful_basis=str(LawfulBasis(service.lawful_basis).label),
                retention=_years_and_days(service.retention_days),
                kept_by_law=service.keep_reason,
                collects=collects,
                public=str(Visibility(service.visibility).label),
            )
        )
    return records
