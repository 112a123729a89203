"""Moving a request to the service it really is (triage, or staff re-routing it)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from onecouncil.cases.actions._common import WorkflowError, locked, staff_action
from onecouncil.cases.actions.create import due_at_for
from onecouncil.cases.events import event_append
from onecouncil.cases.models import Case, EventKind
from onecouncil.cases.routing import team_for
from onecouncil.catalogue.models import Service
from onecouncil.core.actors import Actor
from onecouncil.core.permissions import Permission


@staff_action(Permission.CHANGE_SERVICE)
@transaction.atomic
def case_change_service(
    *, case: Case, service: Service, actor: Actor, reason: str = "", model_version: int = 0
) -> Case:
    """Move a request to another of its council's services: the team follows the routing
    rules for the new service and its place, and the target date the new service's target
    from when the request was made. The move is an internal event; when a person made it,
    it is a correction the free-text model learns from (``model_version`` names the model
    when the model made it)."""
    case = locked(case)
    if service.council_id != case.service.council_id or not service.is_active:
        raise WorkflowError(_("Choose one of this council's services"))
    if service.pk == case.service_id:
        return case
    before = case.service
    case.service = service
    case.team = team_for(service=service, ward=case.ward)
    case.due_at = due_at_for(service, case.council, case.created_at)
    case.save(update_fields=["service", "team", "due_at", "updated_at"])
    event_append(
        case=case,
        kind=EventKind.SERVICE_CHANGED,
        is_public=False,
        actor=actor,
        message=reason,
        data={
            "from": before.code,
            "from_name": before.name,
            "to": service.code,
            "to_name": service.name,
            "by_model": model_version,
            "team": case.team.name if case.team else "",
            "team_id": case.team.pk if case.team else None,
        },
    )
    return case
