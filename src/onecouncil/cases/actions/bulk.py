"""Loading many earlier requests at once (a previous system's records, the benchmarks), with
the same rules and derivations as ``case_create``, and dating replayed history."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from onecouncil.cases.actions.create import Intake, check_request, due_at_for, new_case
from onecouncil.cases.inputs import (
    Contact,
    Location,
    NewRequest,
)
from onecouncil.cases.models import (
    Case,
    CaseEvent,
    Channel,
    EventKind,
    Status,
)
from onecouncil.cases.routing import team_for
from onecouncil.catalogue.models import Service
from onecouncil.core.models import Council, Team
from onecouncil.core.references import new_reference


@dataclass(frozen=True)
class EarlierRequest:
    """A request made before it reached OneCouncil: a previous system's record, or one
    of the benchmarks' many."""

    service: Service
    answers: Mapping[str, Any]
    location: Location
    contact: Contact
    channel: Channel
    reported_at: dt.datetime
    status: Status = Status.RECEIVED
    # When a closed (fixed or closed) request was closed; its report time if not given.
    closed_at: dt.datetime | None = None
    # What the resident wrote in their own words, if anything.
    description: str = ""


def cases_bulk_load(
    *, council: Council, requests: Iterable[EarlierRequest], batch_size: int = 1000
) -> int:
    """Load many earlier requests at once, in batches of ``batch_size``.

    Each meets the same rules and gets the same derivations as ``case_create``
    (``check_request`` and ``new_case``): a unique reference, its place, team, search
    keys and due date, dated when it was reported, with its "received", "sent to a team"
    and (when not still received) status events. Nothing is sent: no confirmation and no
    webhook, since nothing new has happened. A request with an error raises
    ``ValidationError`` naming its position, and nothing of its batch is saved.
    Returns how many were loaded.
    """
    teams: dict[tuple[int, int | None], Team | None] = {}

    def cached_team_for(*, service: Service, ward: Any) -> Team | None:
        key = (service.pk, ward.pk if ward is not None else None)
        if key not in teams:
            teams[key] = team_for(service=service, ward=ward)
        return teams[key]

    loaded = 0
    batch: list[tuple[Case, EarlierRequest]] = []

    def flush() -> None:
        nonlocal batch
        if not batch:
            return
        with transaction.atomic():
            _bulk_insert(council, batch)
        batch = []

    for position, request in enumerate(requests, start=1):
        if request.service.council_id != council.pk:
            raise ValidationError({f"request {position}": [_("This service is not available")]})
        cleaned, errors = check_request(
            council, request.service, request.answers, request.location, request.contact
        )
        if errors:
            raise ValidationError(
                {f"request {position} {field}": messages for field, messages in errors.items()}
            )
        said = NewRequest(
            service=request.service,
            answers=cleaned,
            location=request.location,
            contact=request.contact,
            channel=request.channel,
            description=request.description,
            submission_key=uuid.uuid4(),
        )
        case = new_case(
            Intake(council=council, service=request.service, request=said),
            token=secrets.token_urlsafe(24),
            reported_at=request.reported_at,
            reference="",
            team_for=cached_team_for,
        )
        case.status = request.status
        case.updated_at = request.reported_at
        if request.status in (Status.CLOSED, Status.FIXED):
            case.closed_at = max(request.closed_at or request.reported_at, request.reported_at)
            case.updated_at = case.closed_at
        batch.append((case, request))
        loaded += 1
        if len(batch) >= batch_size:
            flush()
    flush()
    return loaded


def _bulk_insert(council: Council, batch: list[tuple[Case, EarlierRequest]]) -> None:
    cases = [case for case, _request in batch]
    references: set[str] = set()
    while len(references) < len(cases):
        wanted = len(cases) - len(references)
        fresh = {new_reference(council.reference_prefix) for _n in range(wanted)} - references
        taken = set(Case.objects.filter(reference__in=fresh).values_list("reference", flat=True))
        references |= fresh - taken
    for case, reference in zip(cases, sorted(references), strict=True):
        case.reference = reference
    made = Case.objects.bulk_create(cases)
    events: list[CaseEvent] = []
    for case in made:
        channel = str(case.get_channel_display())
        at = case.created_at
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.CREATED,
                is_public=True,
                status=Status.RECEIVED,
                message=_("We have received your request."),
                data={"channel": case.channel, "channel_detail": ""},
                actor_label=channel,
                created_at=at,
            )
        )
        if case.team is not None:
            events.append(
                CaseEvent(
                    case=case,
                    kind=EventKind.ROUTED,
                    is_public=False,
                    status=Status.RECEIVED,
                    data={"team": case.team.name, "team_id": case.team.pk},
                    actor_label=_("Routing"),
                    created_at=at,
                )
            )
        if case.status != Status.RECEIVED:
            events.append(
                CaseEvent(
                    case=case,
                    kind=EventKind.STATUS_CHANGED,
                    is_public=True,
                    status=case.status,
                    data={"from": Status.RECEIVED, "to": case.status},
                    actor_label=_("Loaded from an earlier system"),
                    created_at=case.closed_at or at,
                )
            )
    CaseEvent.objects.bulk_create(events)


@transaction.atomic
def case_backdate(*, case: Case, reported_at: dt.datetime) -> Case:
    """Move a request made just now to when it was really reported (imports of earlier
    records, the demo): its events move with it and its due date is worked out again."""
    case.created_at = reported_at
    case.due_at = due_at_for(case.service, case.council, reported_at)
    Case.objects.filter(pk=case.pk).update(created_at=reported_at, due_at=case.due_at)
    CaseEvent.objects.filter(case=case).update(created_at=reported_at)
    return case


def case_backdate_events(*, case: Case, since: dt.datetime, at: dt.datetime) -> None:
    """The events appended since ``since`` (a moment just before a step) happened at
    ``at``: imports of earlier records and the demo replay a request's history through
    the writer, then say when each step happened. A close moves ``closed_at`` with it."""
    CaseEvent.objects.filter(case=case, created_at__gte=since).update(created_at=at)
    case.refresh_from_db(fields=["closed_at", "status"])
    if case.closed_at is not None and case.closed_at > at:
        case.closed_at = at
        Case.objects.filter(pk=case.pk).update(closed_at=at, updated_at=at)
