"""Moving a request through its workflow: assigning, status changes, reopening."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.actions._common import (
    WorkflowError,
    authorise,
    declares,
    locked,
    names_the_reporter,
    staff_action,
)
from onecouncil.cases.actions.notifications import notify_update, publish
from onecouncil.cases.events import event_append
from onecouncil.cases.models import (
    CLOSED_STATUSES,
    DEFAULT_CLOSURE_REASONS,
    Case,
    ClosureReason,
    EventKind,
    Status,
    status_display,
)
from onecouncil.cases.workflow import allowed_next
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.core.working_time import (
    add_working_time,
    working_time_between,
)


@staff_action(Permission.ASSIGN)
@transaction.atomic
def case_assign(*, case: Case, assignee: Any, actor: Actor) -> Case:
    """Give a request to a member of staff (or to nobody, with ``assignee=None``)."""
    case = locked(case)
    if (
        assignee is not None
        and not Membership.objects.filter(council=case.council, user=assignee).exists()
    ):
        raise WorkflowError(_("You can only assign requests to staff of this council"))
    if case.assignee_id == (assignee.pk if assignee else None):
        return case
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    event_append(
        case=case,
        kind=EventKind.ASSIGNED,
        is_public=False,
        actor=actor,
        data={
            "assignee_id": assignee.pk if assignee else None,
            "assignee": assignee.get_username() if assignee else "",
        },
    )
    return case


def closure_reasons(council: Council) -> list[ClosureReason]:
    """The council's reasons for closing; the standard four are made the first time."""
    reasons = list(ClosureReason.objects.filter(council=council, is_active=True))
    if not reasons and not ClosureReason.objects.filter(council=council).exists():
        for order, (code, label, explanation, open311) in enumerate(DEFAULT_CLOSURE_REASONS):
            ClosureReason.objects.create(
                council=council,
                code=code,
                label=str(label),
                public_explanation=str(explanation),
                open311_status=open311,
                order=order,
            )
        reasons = list(ClosureReason.objects.filter(council=council, is_active=True))
    return reasons


def _pause_clock(case: Case, new_status: Status, now: dt.datetime) -> None:
    if new_status == Status.AWAITING_RESIDENT and case.paused_at is None:
        case.paused_at = now
    elif new_status != Status.AWAITING_RESIDENT and case.paused_at is not None:
        if case.due_at is not None:
            council = case.council
            remaining = working_time_between(
                case.paused_at,
                case.due_at,
                tz=council.time_zone,
                region=council.bank_holiday_region,
            )
            case.due_at = add_working_time(
                now, remaining, tz=council.time_zone, region=council.bank_holiday_region
            )
        case.paused_at = None


@staff_action(Permission.CHANGE_STATUS)
@transaction.atomic
def case_change_status(
    *,
    case: Case,
    status: str,
    actor: Actor,
    message: str = "",
    closure_reason: str = "",
) -> Case:
    """Move a request to a new status the workflow allows; closing needs a reason.

    The reporter and followers are told, with ``message`` if given.
    """
    case = locked(case)
    new_status = Status(status)
    if new_status not in allowed_next(case.status, case.service.pattern):
        raise WorkflowError(
            _("A request that is %(current)s cannot be moved to %(new)s")
            % {"current": Status(case.status).label.lower(), "new": new_status.label.lower()}
        )
    if message.strip() and names_the_reporter(case, message):
        raise WorkflowError(
            _(
                "The message holds the name or contact details of the person who made the "
                "request, and anyone can read it on the tracking page: leave them out"
            )
        )
    reason = None
    if new_status == Status.CLOSED:
        reason = next((r for r in closure_reasons(case.council) if r.code == closure_reason), None)
        if reason is None:
            raise WorkflowError(_("Choose a reason for closing the request"))
    now = timezone.now()
    _pause_clock(case, new_status, now)
    previous = case.status
    case.status = new_status
    case.closure_reason = reason
    case.closed_at = now if new_status in (Status.CLOSED, Status.FIXED) else None
    case.save(
        update_fields=["status", "closure_reason", "closed_at", "due_at", "paused_at", "updated_at"]
    )
    public_message = message.strip() or status_display(case)["explanation"]
    event_append(
        case=case,
        kind=EventKind.REOPENED if new_status == Status.REOPENED else EventKind.STATUS_CHANGED,
        is_public=True,
        actor=actor,
        message=public_message,
        data={"from": previous, "to": new_status, "closure_reason": reason.code if reason else ""},
    )
    notify_update(case, message=public_message, ask_rating=new_status in CLOSED_STATUSES)
    publish(case, "status_changed", public_message)
    if new_status == Status.CLOSED:
        publish(case, "closed", public_message)
    return case


def may_reopen(case: Case) -> bool:
    """Whether the reporter may still reopen this request themselves."""
    if case.status not in (Status.CLOSED, Status.FIXED) or case.closed_at is None:
        return False
    return timezone.now() - case.closed_at <= dt.timedelta(days=case.council.reopen_window_days)


@transaction.atomic
def case_reopen_by_resident(*, case: Case, reason: str) -> Case:
    """The reporter reopens their closed request within the council's window."""
    case = locked(case)
    if case.status not in (Status.CLOSED, Status.FIXED) or case.closed_at is None:
        raise WorkflowError(_("Only a closed request can be reopened"))
    window = dt.timedelta(days=case.council.reopen_window_days)
    if timezone.now() - case.closed_at > window:
        raise WorkflowError(
            _("This request was closed more than %(days)s days ago. Please make a new report.")
            % {"days": case.council.reopen_window_days}
        )
    if not reason.strip():
        raise WorkflowError(_("Tell us why the request should be reopened"))
    resident = Actor.system(_("Resident"))
    case = case_change_status(
        case=case,
        status=Status.REOPENED,
        actor=resident,
        message=_("The person who reported this told us it is not sorted, so we have reopened it."),
    )
    # Their own words may hold personal details: staff see them, the public page does not.
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=resident,
        message=reason.strip()[:2000],
        data={"reopen_reason": True},
    )
    return case


@declares(Permission.BULK_CHANGE)
def cases_bulk_change(
    *, cases: list[Case], actor: Actor, assign: bool, assignee: Any = None, status: str = ""
) -> list[str]:
    """Assign (``assign``, to ``assignee`` or nobody) and/or move many requests at once,
    each through ``case_assign`` and ``case_change_status`` (their permissions, their
    workflow rules, each in its own transaction). Needs ``BULK_CHANGE`` as well. Returns
    the references the workflow did not allow to change."""
    for case in cases:
        authorise(actor, council_id=case.council_id, permission=Permission.BULK_CHANGE)
    skipped: list[str] = []
    for case in cases:
        try:
            if assign:
                case_assign(case=case, assignee=assignee, actor=actor)
            if status:
                case_change_status(case=case, status=status, actor=actor)
        except (WorkflowError, ValueError):
            skipped.append(case.reference)
    return skipped
