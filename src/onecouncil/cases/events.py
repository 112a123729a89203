"""Appending events: the only way a case's history is written."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from onecouncil.cases.models import Case, CaseEvent, EventKind


def event_append(
    *,
    case: Case,
    kind: EventKind,
    is_public: bool,
    message: str = "",
    data: dict[str, Any] | None = None,
    actor: User | None = None,
    actor_label: str = "",
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        is_public=is_public,
        status=case.status,
        message=message,
        data=data or {},
        actor=actor,
        actor_label=actor_label,
    )
