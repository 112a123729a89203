"""Marking a request as a duplicate of another (report once, from staff's side)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.actions._common import WorkflowError, locked, staff_action
from onecouncil.cases.actions.workflow import case_change_status
from onecouncil.cases.events import event_append
from onecouncil.cases.models import (
    Case,
    EventKind,
    Follower,
    Status,
)
from onecouncil.core.actors import Actor
from onecouncil.core.permissions import Permission


@staff_action(Permission.MARK_DUPLICATE)
@transaction.atomic
def case_mark_duplicate(*, case: Case, original: Case, actor: Actor) -> Case:
    """Close ``case`` as a duplicate of ``original``; its reporter follows the original."""
    if original.council_id != case.council_id or original.pk == case.pk:
        raise WorkflowError(_("Choose another request of this council"))
    if original.duplicate_of_id is not None:
        raise WorkflowError(_("That request is itself a duplicate: choose the original"))
    case = locked(case)
    original = locked(original)
    if case.is_open is False:
        raise WorkflowError(_("This request is already closed"))
    # Only a public request may be followed: the reporter of a duplicate of a private one
    # (a neighbour's noise complaint, say) is not told what happens to someone else's.
    if original.service.is_public and (
        case.contact_email or (case.contact_phone and case.updates_by_sms)
    ):
        Follower.objects.get_or_create(
            council=case.council,
            case=original,
            email=case.contact_email,
            phone=case.contact_phone if case.updates_by_sms else "",
            defaults={
                "name": case.contact_name,
                "by_email": bool(case.contact_email),
                "by_sms": case.updates_by_sms,
                "source_case": case,
                "person": case.person,
                # Their own address, given with their own report: nothing to confirm.
                "confirmed_at": timezone.now(),
            },
        )
    case.duplicate_of = original
    case.save(update_fields=["duplicate_of", "updated_at"])
    event_append(
        case=original,
        kind=EventKind.MERGED,
        is_public=False,
        actor=actor,
        data={"duplicate": case.reference},
    )
    event_append(
        case=case,
        kind=EventKind.MERGED,
        is_public=False,
        actor=actor,
        data={"original": original.reference},
    )
    if original.service.is_public:
        message = _(
            "Someone had already reported this, so we are dealing with it under "
            "%(reference)s. We will send you that request's updates."
        ) % {"reference": original.reference}
    else:
        message = _("Someone had already told us about this, and we are dealing with it.")
    return case_change_status(
        case=case,
        status=Status.CLOSED,
        actor=actor,
        message=message,
        closure_reason="duplicate",
    )
