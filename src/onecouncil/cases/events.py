"""Appending events: the only way a case's history is written."""

from __future__ import annotations

from typing import Any

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
