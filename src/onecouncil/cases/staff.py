"""The one door through which staff reach cases: tenancy, role and ward limits applied here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from onecouncil.cases.inputs import normalise_phone, parse_uprn
from onecouncil.cases.models import Case, CaseQuerySet, Photo
from onecouncil.catalogue.models import Service
from onecouncil.core.audit import personal_data_read
from onecouncil.core.models import Council, Membership, Role
from onecouncil.core.permissions import Permission, role_has
from onecouncil.core.references import ReferenceError, parse_reference
from onecouncil.residents.models import Account


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
    from onecouncil.cases.selectors import cases_for_account

    return list(cases_for_account(account)[:100])
