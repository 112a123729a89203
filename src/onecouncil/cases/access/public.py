"""Public reads: what anyone may know of a council's requests, with only the council (and,
for an API client, which requests it sent itself)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from onecouncil.cases.access.errors import CaseNotFound
from onecouncil.cases.access.near import Nearby, open_near, recent_near
from onecouncil.cases.models import Case, CaseEvent, CaseQuerySet, ClosureReason, Photo
from onecouncil.catalogue.models import PUBLIC_VISIBILITIES, Service, Visibility
from onecouncil.core.models import Council
from onecouncil.core.queries import the_one
from onecouncil.core.references import ParsedReference, ReferenceError, parse_reference


def case_for_public(*, council: Council, reference: ParsedReference) -> Case | None:
    """A case anyone with its reference may know exists. Only a public service's request
    shows more (``case.service.is_public``): its public fields and public events, read
    lazily with ``public_events_of``, so a page cached by the case's version reads no
    more than the case."""
    return the_one(
        Case.objects.filter(council=council, reference=str(reference)).select_related(
            "service", "ward"
        )
    )


def public_events_of(case: Case) -> QuerySet[CaseEvent]:
    """The case's public events, oldest first: a lazy query, read only when used. None
    for a private service's request: what happens to it is for its reporter alone."""
    if not case.service.is_public:
        return CaseEvent.objects.none()
    return CaseEvent.objects.filter(case=case, is_public=True).order_by("created_at", "id")


def _public_or_sent_by(client_id: int | None) -> Q:
    """Public services' requests, and those the API client ``client_id`` sent itself."""
    public = Q(service__visibility__in=PUBLIC_VISIBILITIES)
    return public | Q(client_id=client_id) if client_id is not None else public


def public_cases(*, council: Council, client_id: int | None = None) -> CaseQuerySet:
    """Requests whose public fields anyone may read (public feeds such as Open311 GET):
    only those of public services. A private service's requests are in no public list,
    except for the API client that sent them (``client_id``), which reads back its own
    with the same public fields (never personal data)."""
    return Case.objects.filter(_public_or_sent_by(client_id), council=council).select_related(
        "service", "ward", "team", "closure_reason", "council", "asset"
    )


def access_case_public(*, council: Council, reference: str, client_id: int | None = None) -> Case:
    """One request's public view, by its reference as typed. A private service's request
    has no public view (``CaseNotFound``); the tracking page only says "we have it". The
    API client that sent it (``client_id``) reads its public fields all the same."""
    try:
        parsed = parse_reference(reference, prefix=council.reference_prefix)
    except ReferenceError:
        raise CaseNotFound(reference) from None
    case = case_for_public(council=council, reference=parsed)
    if case is None:
        raise CaseNotFound(reference)
    if not case.service.is_public and (client_id is None or case.client_id != client_id):
        raise CaseNotFound(reference)
    return case


def services_placed_publicly(council: Council) -> list[int]:
    """The council's services whose requests anyone may see on a map (``PUBLIC``)."""
    return list(
        Service.objects.filter(council=council, visibility=Visibility.PUBLIC).values_list(
            "pk", flat=True
        )
    )


def public_places_near(
    *,
    council: Council,
    latitude: float,
    longitude: float,
    radius: float,
    days: int,
    limit: int = 100,
) -> list[Nearby]:
    """The newest requests of the council's services whose place is public
    (``Visibility.PUBLIC``) within ``radius`` metres and ``days`` of now, with their exact
    points: the caller (reports near me) rounds them before anyone sees them. Household
    services (ward only) and private ones are never here: a point would say whose home."""
    return recent_near(
        Case.objects.filter(council=council),
        service_ids=services_placed_publicly(council),
        latitude=latitude,
        longitude=longitude,
        radius=radius,
        since=timezone.now() - dt.timedelta(days=days),
        limit=limit,
    )


def public_updates(
    *,
    council: Council,
    kinds: set[str],
    start: dt.datetime,
    end: dt.datetime,
    limit: int,
    client_id: int | None = None,
) -> list[CaseEvent]:
    """Public events of the council's requests in a window, oldest first; with
    ``client_id``, also those of the private requests that API client sent."""
    sent = Q(case__service__visibility__in=PUBLIC_VISIBILITIES)
    if client_id is not None:
        sent |= Q(case__client_id=client_id)
    return list(
        CaseEvent.objects.filter(
            sent,
            case__council=council,
            is_public=True,
            kind__in=kinds,
            created_at__gte=start,
            created_at__lte=end,
        )
        .select_related("case", "case__council")
        .order_by("created_at", "id")[:limit]
    )


# --- Staff maps ----------------------------------------------------------------------


def public_photos(case: Case) -> list[Photo]:
    """A public request's photos, once staff have looked at them and shown them
    (``Case.photos_published_at``); none otherwise."""
    if not case.service.is_public or case.photos_published_at is None:
        return []
    return list(Photo.objects.filter(case=case).order_by("slot", "pk"))


def access_photo_public(*, council: Council, reference: str, photo_id: int) -> Photo:
    """One photo of a public request's public page, or ``CaseNotFound``."""
    case = access_case_public(council=council, reference=reference)
    for photo in public_photos(case):
        if photo.pk == photo_id:
            return photo
    raise CaseNotFound(reference)


def nearby_open_requests(
    *, service: Service, latitude: float, longitude: float, limit: int = 10
) -> list[Nearby]:
    """Report once: open requests of this service (or a related public one) within its
    radius and window of the point, nearest first. Only services whose place is public
    show or match: a private one's requests are nobody else's business, and a household
    one's (shown by ward only) would say which house."""
    if not service.shows_exact_place:
        return []
    services = [service.pk] + [
        s.pk
        for s in service.related_services.all()
        if s.shows_exact_place and s.council_id == service.council_id
    ]
    since = timezone.now() - dt.timedelta(days=service.nearby_days)
    found = open_near(
        Case.objects.filter(council_id=service.council_id, created_at__gte=since),
        service_ids=services,
        latitude=latitude,
        longitude=longitude,
        radius=service.nearby_radius_metres,
        limit=limit,
    )
    return found


def closure_statuses(council: Council) -> dict[str, str]:
    """Each of the council's closure reasons (by code) with the Open311 status it maps to."""
    return dict(ClosureReason.objects.filter(council=council).values_list("code", "open311_status"))
