"""Reads of cases on behalf of a resident: the one door to a case from the front door."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from onecouncil.cases.models import Case, CaseEvent, CaseQuerySet, EventKind, Follower, Photo
from onecouncil.cases.tokens import token_matches
from onecouncil.catalogue.models import Service
from onecouncil.core.geo import box_around, metres_between
from onecouncil.core.models import Council
from onecouncil.core.references import ParsedReference
from onecouncil.residents.models import Account


def case_for_public(*, council: Council, reference: ParsedReference) -> Case | None:
    """A case anyone with its reference may know exists. Only a public service's request
    shows more (``case.service.is_public``): its public fields and public events, read
    lazily with ``public_events_of``, so a page cached by the case's version reads no
    more than the case."""
    return (
        Case.objects.filter(council=council, reference=str(reference))
        .select_related("service", "ward")
        .first()
    )


def public_events_of(case: Case) -> QuerySet[CaseEvent]:
    """The case's public events, oldest first: a lazy query, read only when used. None
    for a private service's request: what happens to it is for its reporter alone."""
    if not case.service.is_public:
        return CaseEvent.objects.none()
    return CaseEvent.objects.filter(case=case, is_public=True).order_by("created_at", "id")


def _events_for_reporter() -> QuerySet[CaseEvent]:
    """What the person who made a request sees happen to it: its public events and the
    private messages staff sent them."""
    return CaseEvent.objects.filter(Q(is_public=True) | Q(kind=EventKind.MESSAGE)).order_by(
        "created_at", "id"
    )


def case_for_reporter(*, council: Council, reference: ParsedReference, token: str) -> Case | None:
    """The case, for the person holding its private link; None if the token does not match."""
    case = (
        Case.objects.filter(council=council, reference=str(reference))
        .select_related("service", "ward", "address")
        .prefetch_related(
            "photos",
            "service__questions",
            Prefetch("events", queryset=_events_for_reporter(), to_attr="public_events"),
        )
        .first()
    )
    if case is None or not token_matches(case, token):
        return None
    return case


def is_following(*, case: Case, account: Account) -> bool:
    """Whether the signed-in resident gets this request's updates as a follower."""
    return Follower.objects.active().filter(case=case, account=account).exists()


def _taken_by(council: Council) -> Q:
    """Requests made through this council's front door: its own, and those it took for
    a service another council handles (two-tier areas)."""
    return Q(council=council) | Q(received_by=council)


def case_by_submission_key(*, council: Council, submission_key: uuid.UUID) -> Case | None:
    return Case.objects.filter(_taken_by(council), submission_key=submission_key).first()


def case_submitted_here(*, council: Council, reference: str) -> Case | None:
    """A request this front door took, by its exact reference (from the session that
    submitted it): the confirmation page's read, whichever council handles it."""
    return (
        Case.objects.filter(_taken_by(council), reference=reference)
        .select_related("service", "council")
        .first()
    )


def photo_for_draft(*, council: Council, draft_key: uuid.UUID, photo_id: int) -> Photo | None:
    return Photo.objects.filter(council=council, draft_key=draft_key, id=photo_id).first()


def photo_for_reporter(
    *, council: Council, reference: ParsedReference, token: str, photo_id: int
) -> Photo | None:
    case = case_for_reporter(council=council, reference=reference, token=token)
    if case is None:
        return None
    return Photo.objects.filter(case=case, id=photo_id).first()


def photos_for_draft(*, council: Council, draft_key: uuid.UUID) -> list[Photo]:
    """The photos a resident has added to a report they have not sent yet."""
    return list(Photo.objects.filter(council=council, draft_key=draft_key, case__isnull=True))


def _made_by(account: Account) -> Q:
    """Requests the resident made: signed in, claimed, or with their verified email."""
    made = Q(account=account)
    if account.person_id:
        made |= Q(person_id=account.person_id)
    return made


def case_made_by_account(*, account: Account, reference: ParsedReference) -> Case | None:
    """One request the signed-in resident made, with everything they sent (as the private
    link shows it); None for anyone else's, including requests they only follow."""
    return (
        Case.objects.filter(
            _made_by(account), council_id=account.council_id, reference=str(reference)
        )
        .select_related("service", "ward", "address")
        .prefetch_related(
            "photos",
            "service__questions",
            Prefetch("events", queryset=_events_for_reporter(), to_attr="public_events"),
        )
        .first()
    )


def cases_for_account(account: Account) -> QuerySet[Case]:
    """Every request the resident made (signed in, claimed or with their verified email)
    or follows, newest first. Never anyone else's."""
    made = _made_by(account)
    followed = Q(
        followers__account=account,
        followers__confirmed_at__isnull=False,
        followers__unsubscribed_at__isnull=True,
    )
    return (
        Case.objects.filter(Q(council_id=account.council_id) & (made | followed))
        .select_related("service")
        .distinct()
        .order_by("-created_at")
    )


def claimable_cases(account: Account) -> QuerySet[Case]:
    """Requests made before signing up with the same (now verified) email."""
    if not account.is_verified:
        return Case.objects.none()
    claimable = Case.objects.filter(
        council_id=account.council_id, account__isnull=True, email_key=account.email
    )
    if account.person_id is not None:
        # Those already linked by a confirmed email are the resident's already.
        claimable = claimable.exclude(person_id=account.person_id)
    return claimable.select_related("service").order_by("-created_at")


@dataclass(frozen=True)
class Nearby:
    case: Case
    metres: float


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


def open_near(
    cases: CaseQuerySet,
    *,
    service_ids: list[int],
    latitude: float,
    longitude: float,
    radius: float,
    limit: int | None = None,
) -> list[Nearby]:
    """The open requests among ``cases`` of these services within ``radius`` metres of
    the point, nearest first (newest first at the same distance): the one geometric
    query behind report once and staff's likely duplicates."""
    found = open_places_near(
        cases, service_ids=service_ids, latitude=latitude, longitude=longitude, radius=radius
    )
    return whole(cases, found[:limit])


def open_places_near(
    cases: CaseQuerySet,
    *,
    service_ids: list[int],
    latitude: float,
    longitude: float,
    radius: float,
) -> list[tuple[int, float]]:
    """``open_near``'s requests as ids with their distance in metres, nearest first, for
    a caller that ranks them further before reading the chosen whole (``whole``). A box
    on the indexed coordinates narrows them; the distance on the ground decides."""
    candidates = _in_box(cases.open(), service_ids, latitude, longitude, radius)
    found = list(_within(candidates, latitude, longitude, radius))
    found.sort(key=lambda n: (n[1], -n[2].timestamp()))
    return [(pk, metres) for pk, metres, _at in found]


def recent_near(
    cases: CaseQuerySet,
    *,
    service_ids: list[int],
    latitude: float,
    longitude: float,
    radius: float,
    since: dt.datetime,
    limit: int,
) -> list[Nearby]:
    """The newest requests (open or closed) among ``cases`` of these services made since
    ``since`` within ``radius`` metres of the point, newest first: reports near me. Like
    ``open_near``, a box on the indexed coordinates narrows it and the ground decides."""
    candidates = _in_box(
        cases.filter(created_at__gte=since), service_ids, latitude, longitude, radius
    )
    found = list(_within(candidates, latitude, longitude, radius))
    found.sort(key=lambda n: (-n[2].timestamp(), -n[0]))
    return whole(cases, [(pk, metres) for pk, metres, _at in found[:limit]])


_Candidate = tuple[int, float, dt.datetime]
_Boxed = tuple[int, float | None, float | None, dt.datetime]


def _in_box(
    cases: CaseQuerySet, service_ids: list[int], latitude: float, longitude: float, radius: float
) -> Iterable[_Boxed]:
    """The id, place and date of the requests of these services in the box around the
    circle: read from the index alone (``case_nearby_idx`` holds every column the box
    and the date need), so a box holding thousands of requests costs no table reads."""
    pad, pad_lon = box_around(latitude, longitude, radius)
    return cases.filter(
        service_id__in=service_ids,
        latitude__range=(latitude - pad, latitude + pad),
        longitude__range=(longitude - pad_lon, longitude + pad_lon),
    ).values_list("pk", "latitude", "longitude", "created_at")


def _within(
    candidates: Iterable[_Boxed], latitude: float, longitude: float, radius: float
) -> Iterator[_Candidate]:
    """Those of the box's requests really within ``radius`` metres on the ground, with
    their distance."""
    for pk, lat, lon, created_at in candidates:
        assert lat is not None and lon is not None  # the box holds only placed requests
        metres = metres_between(latitude, longitude, lat, lon)
        if metres <= radius:
            yield pk, metres, created_at


def whole(cases: CaseQuerySet, chosen: list[tuple[int, float]]) -> list[Nearby]:
    """The chosen requests (id and distance) read whole, in the order chosen."""
    by_pk = cases.select_related("service", "ward").in_bulk([pk for pk, _metres in chosen])
    return [Nearby(by_pk[pk], metres) for pk, metres in chosen if pk in by_pk]
