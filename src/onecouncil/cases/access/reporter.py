"""Reads on behalf of the person who made a request: by its private link, a rating link,
a signed-in account, or the front door session that submitted it."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch, Q, QuerySet

from onecouncil.cases.access.errors import CaseNotFound
from onecouncil.cases.models import Case, CaseEvent, ChangeReport, EventKind, Follower, Photo
from onecouncil.cases.tokens import rating_token_case_id, token_matches
from onecouncil.core.models import Council
from onecouncil.core.references import ParsedReference, ReferenceError, parse_reference
from onecouncil.residents.models import Account


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


def access_photo_for_account(*, account: Account, reference: str, photo_id: int) -> Photo:
    case = access_case_for_account(account=account, reference=reference)
    for photo in case.photos.all():
        if photo.pk == photo_id:
            return photo
    raise CaseNotFound(reference)


# --- Staff and API clients with a staff role -----------------------------------------------


def change_report_for_account(*, account: Account, report_id: int) -> ChangeReport | None:
    """One of the resident's own reports of a change of details (tell us once)."""
    return ChangeReport.objects.filter(pk=report_id, account=account).first()
