"""Scoped doors for the adapters and workers that read requests in bulk (the analytics
store, open data releases, alerts, sending on, the privacy registry). Each returns a
queryset or rows scoped to what its caller may read; the adapter chooses the fields and
owns the shape it builds from them (``insight.rows``, ``opendata.rows``,
``alerts.reports``). Nothing here is for a person's page: those go through the public,
reporter and staff doors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from onecouncil.cases.models import (
    Case,
    CaseEvent,
    CaseQuerySet,
    ChangeReport,
    ClosureReason,
    EventKind,
    Follower,
    Photo,
)
from onecouncil.core.models import Council
from onecouncil.core.privacy import PersonalValues


def requests_in_id_order(
    *,
    council: Council | None = None,
    after_id: int = 0,
    changed_since: dt.datetime | None = None,
) -> CaseQuerySet:
    """Requests in id order, to be read in chunks by id: a council's or (the analytics
    store) every council's; for an incremental read, those made after ``after_id`` or
    changed since ``changed_since``. For figures and open data: a request still waiting
    for triage (in a ``needs_triage`` service) is left out until it is routed, which
    changes it, so an incremental read then finds it."""
    cases = Case.objects.exclude(service__needs_triage=True).order_by("pk")
    if council is not None:
        cases = cases.filter(council=council)
    if changed_since is not None:
        cases = cases.filter(Q(pk__gt=after_id) | Q(updated_at__gte=changed_since))
    return cases


def reopen_counts(case_ids: Iterable[int]) -> dict[int, int]:
    """How often each of these requests was reopened (those never reopened are absent)."""
    return dict(
        CaseEvent.objects.filter(case_id__in=list(case_ids), kind=EventKind.REOPENED)
        .order_by()
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )


def requests_made_between(
    *, council: Council, since: dt.datetime, until: dt.datetime
) -> CaseQuerySet:
    """The council's requests made after ``since`` up to ``until`` (an alert's window)."""
    return Case.objects.filter(council=council, created_at__gt=since, created_at__lte=until)


def photos_of_case(case: Case) -> list[Photo]:
    """Every photo of a request, for the system a request was sent on to (as links)."""
    return list(Photo.objects.filter(case=case).order_by("slot", "pk"))


def photo_of_cases(*, photo_id: int, case_ids: Iterable[int] | QuerySet[Any, Any]) -> Photo | None:
    """One photo, if it belongs to one of these requests (those sent on, say)."""
    return Photo.objects.filter(pk=photo_id, case_id__in=case_ids).first()


def closure_code_for_open311(*, council: Council, open311_status: str) -> str:
    """The council's closure reason for an Open311 status another system reports (the
    first active one that maps to it, else the first active one; "" if none)."""
    active = ClosureReason.objects.filter(council=council, is_active=True)
    return (
        active.filter(open311_status=open311_status).values_list("code", flat=True).first()
        or active.values_list("code", flat=True).first()
        or ""
    )


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


def requests_for_training(*, council: Council, limit: int) -> QuerySet[Any, Any]:
    """The newest ``limit`` requests handled under ``council``'s own services, for the
    free-text model, as rows of only what it may learn from: ``(service_id, description,
    answers, created_at, corrected)``, where ``corrected`` says a person moved it to its
    present service (a move the model made itself is not a correction). Nothing that
    says who made a request."""
    corrections = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind=EventKind.SERVICE_CHANGED, actor__isnull=False
    )
    return (
        Case.objects.filter(service__council=council)
        .annotate(corrected=Exists(corrections))
        .order_by("-created_at")
        .values_list("service_id", "description", "answers", "created_at", "corrected")[:limit]
    )


def requests_awaiting_triage(*, council: Council) -> CaseQuerySet:
    """The council's open requests waiting in a triage service, oldest first, for the
    worker that lets the free-text model route them."""
    return (
        Case.objects.filter(council=council, service__needs_triage=True)
        .open()
        .select_related("service", "service__council", "council")
        .prefetch_related("service__questions")
        .order_by("created_at", "pk")
    )


def open_request_about_asset(*, council: Council, asset_id: int, service_id: int) -> Case | None:
    """The oldest open request of this service about this asset, whoever made it (a
    resident or a sensor): where a sensor's alarm joins instead of raising another."""
    return (
        Case.objects.open()
        .filter(council=council, asset_id=asset_id, service_id=service_id)
        .order_by("created_at", "id")
        .first()
    )


def request_by_reference(*, council: Council, reference: str) -> Case | None:
    """One of the council's requests by its exact reference, for an adapter that keeps
    the reference of a request it raised (a sensor rule)."""
    if not reference:
        return None
    return Case.objects.filter(council=council, reference=reference).first()


REPORTER_FIELDS = (
    "pk",
    "contact_name",
    "contact_email",
    "contact_phone",
    "person_id",
    "created_at",
)


def reporters_of_requests(
    *, council: Council, ids: Iterable[int] | None = None
) -> QuerySet[Any, dict[str, Any]]:
    """Who reported each of the council's requests (record linkage's person index): the
    request's id, the reporter's name, email and phone as given, the person record a
    verified email joined it to, and when it was made; the requests with any contact
    detail, all of them or those of ``ids``."""
    cases = Case.objects.filter(council=council).exclude(
        contact_name="", contact_email="", contact_phone=""
    )
    if ids is not None:
        cases = cases.filter(pk__in=list(ids))
    return cases.order_by("pk").values(*REPORTER_FIELDS)


def requests_made_after(*, council: Council, after_id: int, limit: int) -> list[int]:
    """The ids of the council's requests made after ``after_id``, oldest first."""
    return list(
        Case.objects.filter(council=council, pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def accounts_changed_since(*, council: Council, since: dt.datetime) -> list[tuple[int, Any]]:
    """The accounts whose residents told us of a change of details since ``since``, with
    when (oldest first)."""
    return list(
        ChangeReport.objects.filter(council=council, created_at__gt=since, account__isnull=False)
        .order_by("created_at")
        .values_list("account_id", "created_at")
    )


def latest_request_id(*, council: Council) -> int:
    return (
        Case.objects.filter(council=council).order_by("-pk").values_list("pk", flat=True).first()
        or 0
    )
