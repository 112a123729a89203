"""Staff reads (and API clients with a staff role): tenancy, role and ward limits applied
here. A councillor reads only their wards, and the words of internal events and the
reporter's details only with the resident's consent."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onecouncil.cases.access.errors import CaseNotFound
from onecouncil.cases.access.near import Nearby, open_places_near, whole
from onecouncil.cases.inputs import normalise_phone, parse_uprn
from onecouncil.cases.models import (
    Case,
    CaseEvent,
    CaseQuerySet,
    Follower,
    Photo,
    ResponseTemplate,
)
from onecouncil.catalogue.models import Service
from onecouncil.core.audit import personal_data_read
from onecouncil.core.models import Council, Membership, Role
from onecouncil.core.permissions import Permission, role_has
from onecouncil.core.references import ReferenceError, parse_reference
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


def staff_membership(*, user: Any, council: Council) -> Membership | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return Membership.objects.filter(council=council, user=user).prefetch_related("teams").first()


def require(membership: Membership | None, permission: Permission) -> Membership:
    if membership is None or not role_has(membership.role, permission):
        raise PermissionDenied
    return membership


def cases_for_staff(*, membership: Membership) -> CaseQuerySet:
    """Every case this member of staff may see."""
    require(membership, Permission.VIEW_CASES)
    cases = Case.objects.filter(council_id=membership.council_id)
    if membership.role == Role.COUNCILLOR:
        cases = cases.filter(ward__code__in=membership.ward_codes or [])
    return cases


def requests_about_asset_for_staff(
    *, membership: Membership, asset_id: int, limit: int = 200
) -> tuple[list[Case], list[Case]]:
    """The requests about one asset this member of staff may see: the open ones (oldest
    first) and the closed (newest first), at most ``limit`` of each."""
    about = (
        cases_for_staff(membership=membership)
        .filter(asset_id=asset_id)
        .select_related("service", "ward", "assignee", "team")
    )
    return (
        list(about.open().order_by("created_at", "id")[:limit]),
        list(about.closed().order_by("-created_at", "-id")[:limit]),
    )


def awaiting_triage_for_staff(*, membership: Membership) -> CaseQuerySet:
    """Open requests waiting in the council's triage services (``needs_triage``), oldest
    first, for staff who may move a request to another service."""
    require(membership, Permission.CHANGE_SERVICE)
    return (
        cases_for_staff(membership=membership)
        .filter(service__needs_triage=True)
        .open()
        .select_related("service", "ward")
        .order_by("created_at", "pk")
    )


def may_see_personal_data(membership: Membership, case: Case) -> bool:
    if role_has(membership.role, Permission.VIEW_PERSONAL_DATA):
        return True
    return membership.role == Role.COUNCILLOR and case.councillor_consent


def case_for_staff(*, membership: Membership, reference: str) -> Case | None:
    """The case with this reference (typed loosely) if this member of staff may see it."""
    try:
        parsed = parse_reference(reference, prefix=membership.council.reference_prefix)
    except ReferenceError:
        return None
    case = (
        cases_for_staff(membership=membership)
        .select_related(
            "service",
            "service__group",
            "ward",
            "address",
            "team",
            "assignee",
            "closure_reason",
            "duplicate_of",
            "person",
            "council",
            "asset__asset_type",
        )
        .filter(reference=str(parsed))
        .first()
    )
    if case is not None and may_see_personal_data(membership, case):
        personal_data_read(council_id=case.council_id, what=f"request {case.reference}")
    return case


def received_cases_for_staff(*, membership: Membership) -> CaseQuerySet:
    """Two-tier areas: requests this council's front door took for a service another
    council handles (``Service.handled_by``). Staff who may see requests read them, so they
    can answer a resident who calls; only the handling council changes them. Councillors'
    ward limits are the handling council's wards, so they are not shown these."""
    require(membership, Permission.VIEW_CASES)
    if membership.role == Role.COUNCILLOR:
        return Case.objects.none()
    return Case.objects.filter(received_by_id=membership.council_id)


def received_case_for_staff(*, membership: Membership, reference: str) -> Case | None:
    """One of those, by its reference (the handling council's) as typed."""
    handlers = Council.objects.filter(
        pk__in=Service.objects.filter(
            council_id=membership.council_id, handled_by__isnull=False
        ).values("handled_by__council_id")
    )
    candidates = []
    for handler in handlers:
        try:
            candidates.append(str(parse_reference(reference, prefix=handler.reference_prefix)))
        except ReferenceError:
            continue
    if not candidates:
        return None
    case = (
        received_cases_for_staff(membership=membership)
        .select_related("service", "council", "received_service", "ward", "team")
        .filter(reference__in=candidates)
        .first()
    )
    if case is not None and may_see_personal_data_any(membership):
        personal_data_read(council_id=membership.council_id, what=f"request {case.reference}")
    return case


def case_search(*, membership: Membership, text: str, limit: int = 50) -> list[Case]:
    """Find requests by reference (typo-tolerant), name, email, phone, postcode or UPRN."""
    text = text.strip()
    if not text or "\x00" in text:  # nothing stored holds NUL, and PostgreSQL refuses it
        return []
    cases = cases_for_staff(membership=membership).select_related("service", "ward")
    exact = case_for_staff(membership=membership, reference=text)
    if exact is not None:
        return [exact]
    if not may_see_personal_data_any(membership):
        return []
    query = _query_for(text)
    found = list(cases.filter(query).order_by("-created_at")[:limit])
    if found:
        references = ", ".join(c.reference for c in found)
        personal_data_read(council_id=membership.council_id, what=f"search results: {references}")
    return found


def _query_for(text: str) -> Q:
    """Search by what the text looks like, so each search can use its own index: an
    email address, a postcode, a phone number or UPRN, or else part of a name or street."""
    from onecouncil.residents.postcodes import normalise_postcode

    if "@" in text:
        return Q(email_key=text.strip().lower())
    with contextlib.suppress(ValidationError):
        return Q(postcode=normalise_postcode(text))
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 6 and len(digits) >= len(text.replace(" ", "").replace("+", "")) - 1:
        query = Q(pk__in=[])
        with contextlib.suppress(ValidationError):
            query |= Q(phone_key=normalise_phone(text))
        with contextlib.suppress(ValidationError):
            uprn = parse_uprn(text)  # the one UPRN rule: up to 12 digits 0-9
            if uprn is not None:
                query |= Q(uprn=uprn)
        return query
    # Part of a name, or of the street the request is about.
    return Q(contact_name__icontains=text) | Q(street__icontains=text)


def cases_listed_for_staff(*, membership: Membership, cases: Iterable[Case]) -> list[Case]:
    """A list of requests (already read through ``cases_for_staff``) handed out with their
    reporters' details: recorded as a read of personal data, naming each one, whenever
    the reader may see those details (an API list, an export)."""
    listed = list(cases)
    if listed and may_see_personal_data_any(membership):
        references = ", ".join(c.reference for c in listed)
        personal_data_read(council_id=membership.council_id, what=f"list: {references}")
    return listed


def may_see_personal_data_any(membership: Membership) -> bool:
    return role_has(membership.role, Permission.VIEW_PERSONAL_DATA)


def _spaced(postcode: str) -> str:
    return f"{postcode[:-3]} {postcode[-3:]}" if len(postcode) > 3 else postcode


def other_requests_of(*, membership: Membership, case: Case, limit: int = 20) -> list[Case]:
    """The single view of the resident: their other requests across every service that
    this member of staff may see (a councillor: only in their wards), matched by person,
    email key or phone key."""
    match = Q(pk__in=[])
    if case.person_id:
        match |= Q(person_id=case.person_id)
    if case.email_key:
        match |= Q(email_key=case.email_key)
    if case.phone_key:
        match |= Q(phone_key=case.phone_key)
    cases = cases_for_staff(membership=membership)
    if not may_see_personal_data_any(membership):
        # A councillor links only requests whose reporter agreed to share their details.
        cases = cases.filter(councillor_consent=True)
    return list(
        cases.filter(match)
        .exclude(pk=case.pk)
        .select_related("service")
        .order_by("-created_at")[:limit]
    )


def photo_for_staff(*, membership: Membership, reference: str, photo_id: int) -> Photo | None:
    case = case_for_staff(membership=membership, reference=reference)
    if case is None or not may_see_personal_data(membership, case):
        return None
    photo = Photo.objects.filter(case=case, pk=photo_id).first()
    if photo is not None:
        personal_data_read(council_id=case.council_id, what=f"photo {photo.pk} of {case.reference}")
    return photo


def account_for_staff(*, membership: Membership, account_id: int) -> Account | None:
    """A resident's account and profile, for staff who may see personal data."""
    require(membership, Permission.VIEW_PERSONAL_DATA)
    account = (
        Account.objects.select_related("address", "address__ward")
        .filter(council_id=membership.council_id, pk=account_id)
        .first()
    )
    if account is not None:
        personal_data_read(council_id=account.council_id, what=f"resident account {account.pk}")
    return account


def account_history(account: Account) -> list[Case]:
    from onecouncil.cases.access.reporter import cases_for_account

    return list(cases_for_account(account)[:100])


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


def ensure_case_for_staff(*, membership: Membership, case: Case) -> None:
    """Refuse (``CaseNotFound``) a request read elsewhere that is not this reader's council's:
    for an adapter's read about one case (where it was sent on, say)."""
    _check_same_council(membership, case)


@dataclass(frozen=True)
class DuplicateCandidates:
    """Open requests this member of staff may see near a request, as ids with their
    distance in metres (nearest first) and the words each was reported with, for a caller
    that ranks them (``backoffice.duplicates``) and then reads the chosen whole."""

    near: list[tuple[int, float]]
    words: dict[int, tuple[str, str, dict[str, Any]]]  # description, place, answers
    _scope: CaseQuerySet

    def whole(self, chosen: list[tuple[int, float]]) -> list[Nearby]:
        return whole(self._scope, chosen)


def duplicate_candidates_for_staff(*, membership: Membership, case: Case) -> DuplicateCandidates:
    """Requests that might be the same problem as ``case``: open, of its service or a
    related one, within the service's radius of its point and its window of the day it
    was reported, and not already marked duplicates."""
    _check_same_council(membership, case)
    if case.latitude is None or case.longitude is None or not case.is_open:
        return DuplicateCandidates([], {}, Case.objects.none())
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
    words = {
        pk: (description, place, answers)
        for pk, description, place, answers in candidates.filter(
            pk__in=[pk for pk, _metres in near]
        ).values_list("pk", "description", "location_description", "answers")
    }
    return DuplicateCandidates(near, words, candidates)


def response_templates_for_staff(*, membership: Membership, case: Case) -> list[ResponseTemplate]:
    """The council's response templates that suit this request: its service's and the
    general ones."""
    _check_same_council(membership, case)
    return list(
        ResponseTemplate.objects.filter(council_id=membership.council_id).filter(
            Q(service__isnull=True) | Q(service_id=case.service_id)
        )
    )


def response_template_for_staff(
    *, membership: Membership, template_id: int | None
) -> ResponseTemplate | None:
    """One of the council's response templates, by its id as posted (None if not theirs)."""
    if template_id is None:
        return None
    return ResponseTemplate.objects.filter(council_id=membership.council_id, pk=template_id).first()


def requests_of_person_for_staff(
    *,
    membership: Membership,
    request_ids: Iterable[int],
    person_ids: Iterable[int],
    limit: int = 100,
) -> list[Case]:
    """A person's requests for their single view (record linkage): those linkage found
    them to have reported and those their verified email joined, newest first; for staff
    with the single view."""
    require(membership, Permission.SINGLE_VIEW)
    made = Q(pk__in=list(request_ids)) | Q(person_id__in=list(person_ids))
    cases = list(
        cases_for_staff(membership=membership)
        .filter(made)
        .select_related("service")
        .order_by("-created_at")[:limit]
    )
    if cases:
        references = ", ".join(c.reference for c in cases[:50])
        personal_data_read(council_id=membership.council_id, what=f"single view: {references}")
    return cases
