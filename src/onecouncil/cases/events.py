"""Appending events: the only way a case's history is written."""

from __future__ import annotations

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
