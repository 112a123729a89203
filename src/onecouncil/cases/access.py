"""The one access module: every read of cases, events, followers and photos on behalf of
a person or a client, from any door (staff pages, the resident's pages, the APIs).

Each function takes what identifies the reader: a staff ``Membership``, a resident's
``Account``, a private-link token, or, for public reads, only the ``Council``. When the
reader may not see the thing it raises ``CaseNotFound``, so a refusal and an absence
look the same (views answer 404 and never reveal that a case exists), in the manner of
Zulip's ``access_*`` functions. Nothing outside ``cases`` touches the models' managers
(``tests/test_architecture.py`` fails if anything does).

Staff reads are scoped by ``cases.staff`` (tenancy, role and ward limits); residents'
reads by ``cases.selectors``; this module is the front both are reached through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.cases.models import (
    Case,
    CaseEvent,
    CaseQuerySet,
    EventKind,
    Follower,
    Photo,
    Sending,
)
from onecouncil.cases.selectors import (
    case_for_public,
    case_for_reporter,
    case_made_by_account,
    open_places_near,
    recent_near,
    whole,
)
from onecouncil.cases.staff import (
    case_for_staff,
    cases_for_staff,
    may_see_personal_data,
    may_see_personal_data_any,
    received_case_for_staff,
    received_cases_for_staff,
    require,
)
from onecouncil.cases.tokens import rating_token_case_id
from onecouncil.catalogue.models import PUBLIC_VISIBILITIES, Service, Visibility
from onecouncil.core.audit import personal_data_read
from onecouncil.core.geo import approximate, metres_between
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.core.privacy import PersonalValues
from onecouncil.core.references import ReferenceError, parse_reference
from onecouncil.places.lookup import street_points
from onecouncil.residents.models import Account

# What a reader without access to personal data sees instead of an internal event's words,
# and the event data that never holds any.
WITHHELD = _("Withheld: it may hold the resident's details")
SAFE_EVENT_DATA = frozenset(
    {
        "team",
        "team_id",
        "from",
        "to",
        "closure_reason",
        "channel",
        "assignee",
        "duplicate",
        "original",
    }
)


class CaseNotFound(LookupError):
    """No such case, or not one this reader may see: the two are never told apart."""


# --- Public reads (anyone, with the council) ------------------------------------------


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
        "service", "ward", "team", "closure_reason", "council"
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


def _services_placed_publicly(council: Council) -> list[int]:
    """The council's services whose requests anyone may see on a map (``PUBLIC``)."""
    return list(
        Service.objects.filter(council=council, visibility=Visibility.PUBLIC).values_list(
            "pk", flat=True
        )
    )


@dataclass(frozen=True)
class PublicReport:
    """A request as anyone may see it on a map: its street and a point rounded to the
    street (``core.geo.approximate``), never the pin itself."""

    case: Case
    latitude: float
    longitude: float
    metres: float  # from the place asked about to the rounded point


def public_reports_near(
    *,
    council: Council,
    latitude: float,
    longitude: float,
    radius: float,
    days: int,
    limit: int = 100,
) -> list[PublicReport]:
    """Reports near me: the newest requests of the council's services whose place is
    public (``Visibility.PUBLIC``) within ``radius`` metres and ``days`` of now. Household
    services (ward only) and private ones are never here: a point would say whose home."""
    service_ids = _services_placed_publicly(council)
    found = recent_near(
        Case.objects.filter(council=council),
        service_ids=service_ids,
        latitude=latitude,
        longitude=longitude,
        radius=radius,
        since=timezone.now() - dt.timedelta(days=days),
        limit=limit,
    )
    reports = []
    for near in found:
        lat, lon = approximate(near.case.latitude), approximate(near.case.longitude)
        assert lat is not None and lon is not None
        metres = round(metres_between(latitude, longitude, lat, lon), -1)
        reports.append(PublicReport(near.case, lat, lon, metres))
    return reports


@dataclass(frozen=True)
class AlertReports:
    """What one area alert tells: the requests it may describe, and how many others in
    its wards it may only count (a councillor's alert: private services)."""

    described: list[Case]
    counted: int


ALERT_LIST_LIMIT = 50


def reports_for_area_alert(
    *,
    council: Council,
    since: dt.datetime,
    until: dt.datetime,
    point: tuple[float, float] | None = None,
    radius: float | None = None,
    ward_id: int | None = None,
) -> AlertReports:
    """New requests anyone may hear about: within ``radius`` of ``point`` (services whose
    place is public), or in a ward (every public service; ward-only ones by ward)."""
    made = Case.objects.filter(council=council, created_at__gt=since, created_at__lte=until)
    if point is not None and radius is not None:
        service_ids = _services_placed_publicly(council)
        found = recent_near(
            made,
            service_ids=service_ids,
            latitude=point[0],
            longitude=point[1],
            radius=radius,
            since=since,
            limit=ALERT_LIST_LIMIT + 1,
        )
        cases = [near.case for near in found]
    else:
        assert ward_id is not None, "an area alert is about a point or a ward"
        cases = list(
            made.filter(ward_id=ward_id, service__visibility__in=PUBLIC_VISIBILITIES)
            .select_related("service", "ward", "council")
            .order_by("-created_at")[: ALERT_LIST_LIMIT + 1]
        )
    return AlertReports(cases, 0)


def reports_for_ward_alert(
    *, membership: Membership, since: dt.datetime, until: dt.datetime
) -> AlertReports:
    """A councillor's alert for their wards: public services' new requests described,
    the rest (private services) only counted, never described."""
    made = cases_for_staff(membership=membership).filter(
        created_at__gt=since, created_at__lte=until
    )
    described = list(
        made.filter(service__visibility__in=PUBLIC_VISIBILITIES)
        .select_related("service", "ward", "council")
        .order_by("-created_at")[: ALERT_LIST_LIMIT + 1]
    )
    counted = made.exclude(service__visibility__in=PUBLIC_VISIBILITIES).count()
    return AlertReports(described, counted)


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


@dataclass(frozen=True)
class StaffPoint:
    case: Case
    latitude: float
    longitude: float
    snapped: bool  # moved to its street: the reader may not see the reporter's details


def staff_map_points(*, membership: Membership, cases: list[Case]) -> list[StaffPoint]:
    """Where to put each of these requests (already read through ``cases_for_staff``) on
    this member of staff's map. Those whose reporter's details the reader may not see (a
    councillor, without the resident's consent) are snapped to their street, so a pin
    never points at a home they could not otherwise know."""
    placed = [
        (case, case.latitude, case.longitude, may_see_personal_data(membership, case))
        for case in cases
        if case.latitude is not None and case.longitude is not None
    ]
    snapped = iter(
        street_points(
            membership.council_id, [(lat, lon) for _c, lat, lon, shown in placed if not shown]
        )
    )
    points = []
    for case, lat, lon, shown in placed:
        if not shown:
            lat, lon = next(snapped)
        points.append(StaffPoint(case, lat, lon, snapped=not shown))
    return points


# --- The reporter, by their private link -----------------------------------------------


def access_case_for_reporter(*, council: Council, reference: str, token: str) -> Case:
    try:
        parsed = parse_reference(reference, prefix=council.reference_prefix)
    except ReferenceError:
        raise CaseNotFound(reference) from None
    case = case_for_reporter(council=council, reference=parsed, token=token)
    if case is None:
        raise CaseNotFound(reference)
    return case


def access_case_for_rating(*, council: Council, reference: str, token: str) -> Case:
    """The closed request a "rate how we did" link was sent for: only its service, status
    and reference are needed, and nothing the resident sent is shown."""
    case_id = rating_token_case_id(token, reference)
    case = (
        Case.objects.filter(council=council, pk=case_id, reference=reference)
        .select_related("service")
        .first()
        if case_id is not None
        else None
    )
    if case is None:
        raise CaseNotFound(reference)
    return case


def access_case_for_account(*, account: Account, reference: str) -> Case:
    """One request the signed-in resident made, everything they sent included."""
    try:
        parsed = parse_reference(reference, prefix=account.council.reference_prefix)
    except ReferenceError:
        raise CaseNotFound(reference) from None
    case = case_made_by_account(account=account, reference=parsed)
    if case is None:
        raise CaseNotFound(reference)
    return case


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


def access_photo_for_account(*, account: Account, reference: str, photo_id: int) -> Photo:
    case = access_case_for_account(account=account, reference=reference)
    for photo in case.photos.all():
        if photo.pk == photo_id:
            return photo
    raise CaseNotFound(reference)


# --- Staff and API clients with a staff role -----------------------------------------------


def access_case_for_staff(*, membership: Membership, reference: str) -> Case:
    case = case_for_staff(membership=membership, reference=reference)
    if case is None:
        raise CaseNotFound(reference)
    return case


def received_cases(*, membership: Membership, limit: int = 200) -> list[Case]:
    """Requests taken here for services other councils handle, newest first (read only)."""
    return list(
        received_cases_for_staff(membership=membership)
        .select_related("service", "council", "received_service")
        .order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class ReceivedCase:
    """What the receiving council's staff may read of a request another council handles:
    the request (contact details only for those who may see personal data, and audited)
    and its public timeline."""

    case: Case
    timeline: list[CaseEvent]
    shows_personal_data: bool


def access_received_case_for_staff(*, membership: Membership, reference: str) -> ReceivedCase:
    case = received_case_for_staff(membership=membership, reference=reference)
    if case is None:
        raise CaseNotFound(reference)
    events = list(CaseEvent.objects.filter(case=case, is_public=True).order_by("created_at", "id"))
    return ReceivedCase(case, events, may_see_personal_data_any(membership))


@dataclass(frozen=True)
class LikelyDuplicate:
    case: Case
    metres: float
    similarity: float  # 0 to 1: how alike the two descriptions read


def likely_duplicates_for_staff(
    *, membership: Membership, case: Case, limit: int = 5
) -> list[LikelyDuplicate]:
    """Open requests this member of staff may see that are probably the same problem:
    the same or a related service, within the service's radius of the point and its
    window of the day it was reported, ranked by nearness and by how alike the
    descriptions read. Already-marked duplicates are not offered again."""
    _check_same_council(membership, case)
    if case.latitude is None or case.longitude is None or not case.is_open:
        return []
    service = case.service
    related = [s.pk for s in service.related_services.all() if s.council_id == service.council_id]
    window = dt.timedelta(days=service.nearby_days)
    candidates = (
        cases_for_staff(membership=membership)
        .filter(
            created_at__gte=case.created_at - window,
            created_at__lte=case.created_at + window,
            duplicate_of__isnull=True,
        )
        .exclude(pk=case.pk)
    )
    near = open_places_near(
        candidates,
        service_ids=[service.pk, *related],
        latitude=case.latitude,
        longitude=case.longitude,
        radius=service.nearby_radius_metres,
    )
    texts = {
        pk: _words(description, place, answers)
        for pk, description, place, answers in candidates.filter(
            pk__in=[pk for pk, _metres in near]
        ).values_list("pk", "description", "location_description", "answers")
    }
    words = _words(case.description, case.location_description, case.answers)
    radius = max(service.nearby_radius_metres, 1)
    # Nearest first, so once the nearness alone, with the words a perfect match, cannot
    # beat the last of the best so far, no further request can.
    scored: list[tuple[float, int, float, float]] = []
    for position, (pk, metres) in enumerate(near):
        nearness = 0.5 * (1 - metres / radius)
        if len(scored) >= limit and nearness + 0.5 < -scored[limit - 1][0]:
            break
        similarity = _similarity(words, texts.get(pk, ""))
        scored.append((-(nearness + 0.5 * similarity), position, metres, similarity))
        scored.sort()
    chosen = {near[position][0]: similarity for _s, position, _m, similarity in scored[:limit]}
    read = whole(candidates, [near[position] for _s, position, _m, _w in scored[:limit]])
    return [LikelyDuplicate(n.case, n.metres, chosen[n.case.pk]) for n in read]


def _words(description: str, place: str, answers: dict[str, Any]) -> str:
    parts = [description, place]
    parts += [str(v) for v in answers.values() if isinstance(v, str) and len(v) > 3]
    return " ".join(p for p in parts if p).lower()


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a[:1000], b[:1000], autojunk=False).ratio()


def case_events_for_staff(
    *, membership: Membership, case: Case, newest_first: bool = False
) -> list[CaseEvent]:
    """A request's whole timeline, public and internal, for staff who may see the case.
    For those who may not see the reporter's details (a councillor without consent),
    the words of internal events are withheld: they name addresses and people ("sent by
    email to ..."), and public events say nothing personal."""
    _check_same_council(membership, case)
    order = ("-created_at", "-id") if newest_first else ("created_at", "id")
    events = list(CaseEvent.objects.filter(case=case).select_related("actor").order_by(*order))
    if not may_see_personal_data(membership, case):
        for event in events:
            if not event.is_public:
                event.message = "" if not event.message else str(WITHHELD)
                event.data = {k: v for k, v in event.data.items() if k in SAFE_EVENT_DATA}
    return events


def latest_event_for_staff(*, membership: Membership, case: Case) -> CaseEvent | None:
    _check_same_council(membership, case)
    return CaseEvent.objects.filter(case=case).order_by("-id").first()


def case_photos_for_staff(*, membership: Membership, case: Case) -> list[Photo]:
    """Photos hold personal data (faces, homes): only for those who may see it."""
    _check_same_council(membership, case)
    if not may_see_personal_data(membership, case):
        return []
    photos = list(Photo.objects.filter(case=case))
    if photos:
        personal_data_read(council_id=case.council_id, what=f"photos of {case.reference}")
    return photos


def case_followers_for_staff(*, membership: Membership, case: Case) -> list[Follower]:
    _check_same_council(membership, case)
    if not may_see_personal_data(membership, case):
        return []
    followers = list(Follower.objects.active().filter(case=case))
    if followers:
        personal_data_read(council_id=case.council_id, what=f"followers of {case.reference}")
    return followers


def case_sendings_for_staff(*, membership: Membership, case: Case) -> list[Sending]:
    """Where the request was sent on, with the system's references: no personal data."""
    _check_same_council(membership, case)
    return list(case.sendings.select_related("backend"))


def photos_to_send_on(case: Case) -> list[Photo]:
    """The photos of a request sent on, for the system that handles it (as links)."""
    return list(case.photos.all()) if case.sendings.exists() else []


def photo_sent_on(photo_id: int) -> Photo | None:
    """A photo a system was sent a link to: one of a request that was sent on."""
    return (
        Photo.objects.filter(pk=photo_id, case__isnull=False, case__sendings__isnull=False)
        .distinct()
        .first()
    )


def changes_for_audit(
    *, membership: Membership, who: str = "", reference: str = "", limit: int = 100
) -> list[CaseEvent]:
    """Changes made by people (not the system), newest first, for the audit page."""
    require(membership, Permission.VIEW_AUDIT)
    changes = CaseEvent.objects.filter(
        case__in=cases_for_staff(membership=membership), actor__isnull=False
    ).select_related("case", "actor")
    if who:
        changes = changes.filter(actor_label__icontains=who)
    if reference:
        changes = changes.filter(case__reference__icontains=reference)
    return list(changes.order_by("-created_at", "-id")[:limit])


def _check_same_council(membership: Membership, case: Case) -> None:
    if case.council_id != membership.council_id:
        raise CaseNotFound(case.reference)


# --- The analytics store (onecouncil.insight) -------------------------------------------

# What the analytics store may hold of a request: no names, contact details, free text,
# addresses or points; the ward is the finest place.
INSIGHT_FIELDS = (
    "id",
    "council_id",
    "service_id",
    "team_id",
    "ward__code",
    "channel",
    "status",
    "closure_reason__code",
    "created_at",
    "closed_at",
    "due_at",
    "paused_at",
    "duplicate_of_id",
)


@dataclass(frozen=True)
class InsightRow:
    """One request as the analytics store holds it, with how often it was reopened."""

    fields: tuple[Any, ...]  # in the order of INSIGHT_FIELDS
    reopened: int


def requests_for_insight(
    *,
    after_id: int = 0,
    changed_since: dt.datetime | None = None,
    chunk: int = 5000,
) -> Iterator[InsightRow]:
    """Every request the analytics store needs, in id order: all of them, or (for an
    incremental refresh) those made after ``after_id`` or changed since ``changed_since``.
    Read in chunks by id, with each chunk's reopen count from its events."""
    cases = Case.objects.order_by("pk")
    if changed_since is not None:
        cases = cases.filter(Q(pk__gt=after_id) | Q(updated_at__gte=changed_since))
    last = 0
    while True:
        rows = list(cases.filter(pk__gt=last).values_list(*INSIGHT_FIELDS)[:chunk])
        if not rows:
            return
        ids = [row[0] for row in rows]
        reopened = dict(
            CaseEvent.objects.filter(case_id__in=ids, kind=EventKind.REOPENED)
            .order_by()
            .values("case_id")
            .annotate(n=Count("id"))
            .values_list("case_id", "n")
        )
        for row in rows:
            yield InsightRow(fields=row, reopened=reopened.get(row[0], 0))
        if len(rows) < chunk:
            return
        last = ids[-1]


# --- Open data (onecouncil.opendata) -----------------------------------------------------

# What a release may read of a request. Free text is read only once staff published it
# (as the Open311 feed does), and the street only for public services; a private
# service's request gives only what its counts need.
OPEN_DATA_FIELDS = (
    "id",
    "service_id",
    "reference",
    "status",
    "closure_reason__open311_status",
    "channel",
    "created_at",
    "updated_at",
    "closed_at",
    "due_at",
    "ward_id",
    "street",
    "public_description",
    "description_published_at",
    "service__visibility",
)


@dataclass(frozen=True)
class OpenDataRow:
    """One request as an open data release reads it."""

    case_id: int
    service_id: int
    reference: str
    status: str
    closure_category: str | None
    channel: str
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    due_at: dt.datetime | None
    ward_id: int | None
    street: str  # "" unless the service is public
    published_text: str  # "" unless the service is public and staff published the text
    public: bool


def requests_for_open_data(*, council: Council, chunk: int = 20000) -> Iterator[OpenDataRow]:
    """Every request of the council, in id order, read in chunks by id so that memory does
    not grow with the number of requests."""
    cases = Case.objects.filter(council=council).order_by("pk")
    last = 0
    while True:
        rows = list(cases.filter(pk__gt=last).values_list(*OPEN_DATA_FIELDS)[:chunk])
        for (
            case_id,
            service_id,
            reference,
            status,
            closure,
            channel,
            created,
            updated,
            closed,
            due,
            ward_id,
            street,
            text,
            published,
            visibility,
        ) in rows:
            public = visibility in PUBLIC_VISIBILITIES
            yield OpenDataRow(
                case_id=case_id,
                service_id=service_id,
                reference=reference,
                status=status,
                closure_category=closure,
                channel=channel,
                created_at=created,
                updated_at=updated,
                closed_at=closed,
                due_at=due,
                ward_id=ward_id,
                street=street if public else "",
                published_text=text if public and published is not None else "",
                public=public,
            )
        if len(rows) < chunk:
            return
        last = rows[-1][0]


def personal_values_of_requests(council_id: int, chunk: int = 20000) -> Iterator[PersonalValues]:
    """What the council's requests hold about people, for the open data publication check:
    reporters' and followers' names and contact details, and every free text a resident
    gave (descriptions not yet published, places described, answers) or staff noted
    privately about them."""
    cases = Case.objects.filter(council_id=council_id).order_by("pk")
    last = 0
    while True:
        rows = list(
            cases.filter(pk__gt=last).values_list(
                "pk",
                "contact_name",
                "contact_email",
                "contact_phone",
                "description",
                "description_published_at",
                "public_description",
                "location_description",
                "answers",
            )[:chunk]
        )
        for _pk, name, email, phone, text, published, public_text, place, answers in rows:
            # A description published as it was is public text, not held; one published
            # redacted is held as given (only the public words may be published).
            as_given = published is not None and text.strip() == public_text
            texts = ("" if as_given else text, place, *_strings(answers))
            yield PersonalValues(names=(name,), emails=(email,), phones=(phone,), texts=texts)
        if rows:
            ids = [row[0] for row in rows]
            for name, email, phone in Follower.objects.filter(case_id__in=ids).values_list(
                "name", "email", "phone"
            ):
                yield PersonalValues(names=(name,), emails=(email,), phones=(phone,), texts=())
            notes = CaseEvent.objects.filter(case_id__in=ids, is_public=False).exclude(message="")
            for (message,) in notes.values_list("message"):
                yield PersonalValues(names=(), emails=(), phones=(), texts=(message,))
        if len(rows) < chunk:
            return
        last = rows[-1][0]


def _strings(value: Any) -> Iterator[str]:
    """Every string inside an answers document (lists and nested objects included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
