"""Appending events: the only way a case's history is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from onecouncil.cases.models import Case, CaseEvent, EventKind
from onecouncil.core.actors import Actor


def event_append(
    *,
    case: Case,
    kind: EventKind,
    is_public: bool,
    actor: Actor | None = None,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    actor = actor or Actor.system("OneCouncil")
    # Every event is a new version of the case: caches of its pages are keyed by it.
    case.updated_at = timezone.now()
    Case.objects.filter(pk=case.pk).update(updated_at=case.updated_at)
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        is_public=is_public,
        status=case.status,
        message=message,
        data=data or {},
        actor=actor.user,
        actor_label=actor.label,
        source_ip=actor.ip,
    )


@dataclass(frozen=True)
class FirstEvent:
    kind: EventKind
    is_public: bool
    actor: Actor
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def events_append_first(*, case: Case, events: Sequence[FirstEvent]) -> None:
    """A new request's first events, written in one statement and in this order. The case
    was saved a moment ago in the same transaction, so its version (``updated_at``) needs
    no moving: only ``case_create`` calls this. They are dated when the request was
    received (its ``created_at``), so a timeline starts where the request does."""
    now = case.created_at
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                kind=event.kind,
                is_public=event.is_public,
                status=case.status,
                message=event.message,
                data=event.data,
                actor=event.actor.user,
                actor_label=event.actor.label,
                source_ip=event.actor.ip,
                created_at=now,
            )
            for event in events
        ]
    )
