"""Requests sent on to the council's other systems, and their status brought back.

A request of a service with ``Service.sent_to`` is made here as usual (our reference,
our confirmation) with a ``sendon.Sending`` in the same transaction (``sending_queue``,
registered with the writer's ``on_case_created``). The worker then:

- sends it (``sendings_process``) by Open311 through the one egress door, with our
  reference as ``attribute[onecouncil_reference]``, the same ``Idempotency-Key`` on
  every retry, and photos as links the system can fetch for a while; it retries with
  backoff, records every attempt on the request's timeline, and after ``MAX_ATTEMPTS``
  marks the sending failed for administrators. A token answer is followed until it
  becomes a reference; a token the system has lost is sent again with the same key. Two
  references for one request (a system that ignored the key) are kept and shown.
- reads each system's ``servicerequestupdates`` every ``Backend.poll_minutes``
  (``backends_poll``) and applies them with ``backend_update_apply``, the one function
  a system's pushed update (our own ``POST servicerequestupdates``) also goes through.

Staff may send again or take a request back in house (``sending_resend``,
``sending_take_back``); erasure marks each request sent on, and the worker tells its
system (``sendings_erase_person``, ``erasure_notices``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.access import closure_code_for_open311, photos_of_case
from onecouncil.cases.actions import (
    SentOn,
    WorkflowError,
    case_change_status,
    case_record_internal,
    staff_action,
)
from onecouncil.cases.models import Case, EventKind, Status
from onecouncil.catalogue.models import Backend
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.core.permissions import Permission
from onecouncil.core.privacy import PersonKeys
from onecouncil.core.worker import backoff
from onecouncil.sendon.client import (
    BackendError,
    Params,
    TokenLost,
    Update,
    request_post,
    token_lookup,
    update_post,
    updates_get,
)
from onecouncil.sendon.media import photo_link
from onecouncil.sendon.models import Sending, SendingStatus

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 10
REFERENCE_ATTRIBUTE = "onecouncil_reference"
# Updates are read from a minute before the last read ended, so one the system saved
# late is not missed; the update ids applied already are skipped.
POLL_OVERLAP = dt.timedelta(minutes=1)
FIRST_POLL = dt.timedelta(days=1)

# Open311 statuses (GeoReport v2 and FixMyStreet's extension) as ours. Closing ones
# close with the council's closure reason of that Open311 status, if it has one.
OPEN311_TO_STATUS = {
    "in_progress": Status.IN_PROGRESS,
    "action_scheduled": Status.ACTION_SCHEDULED,
    "investigating": Status.IN_PROGRESS,
    "for_triage": Status.IN_PROGRESS,
    "fixed": Status.FIXED,
    "closed": Status.CLOSED,
    "duplicate": Status.CLOSED,
    "not_councils_responsibility": Status.CLOSED,
    "no_further_action": Status.CLOSED,
    "internal_referral": Status.CLOSED,
    "cancelled": Status.CLOSED,
    "open": Status.REOPENED,
    "reopen": Status.REOPENED,
}


def _params(sending: Sending) -> Params:
    """The Open311 request for one of our requests, with the service's mapping."""
    case = sending.case
    service = case.service
    names = case.contact_name.split(" ", 1) if case.contact_name else []
    params: Params = {
        "service_code": service.sent_to_code or service.code,
        "description": case.description or service.name,
        f"attribute[{REFERENCE_ATTRIBUTE}]": case.reference,
    }
    if case.latitude is not None and case.longitude is not None:
        params["lat"], params["long"] = f"{case.latitude:.6f}", f"{case.longitude:.6f}"
    where = ", ".join(
        p for p in (case.nearest_address or "", case.street, case.location_description) if p
    )
    if where:
        params["address_string"] = where[:500]
    if case.uprn:
        params["attribute[uprn]"] = str(case.uprn)
    for name, value in (
        ("email", case.contact_email),
        ("phone", case.contact_phone),
        ("first_name", names[0] if names else ""),
        ("last_name", names[1] if len(names) > 1 else ""),
    ):
        if value:
            params[name] = value
    for code, value in (case.answers or {}).items():
        theirs = service.sent_to_attributes.get(code, code)
        if isinstance(value, list):
            params[f"attribute[{theirs}]"] = [str(v) for v in value]
        elif value not in (None, ""):
            params[f"attribute[{theirs}]"] = str(value)
    links = [photo_link(photo) for photo in photos_of_case(case)]
    if links:
        params["media_url"] = links
    return params


def _record(sending: Sending, message: str, **data: Any) -> None:
    case_record_internal(
        case=sending.case,
        kind=EventKind.SENT_ON,
        actor=Actor.system(_("Sending on")),
        message=message,
        data={"backend": sending.backend.name, "attempt": sending.attempts, **data},
    )


def _claim() -> Sending | None:
    """The next sending due, claimed for this worker (a killed worker's lease ends)."""
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        due = Sending.objects.filter(
            Q(
                status__in=[SendingStatus.QUEUED, SendingStatus.AWAITING_ID],
                next_attempt_at__lte=now,
            )
            | Q(status=SendingStatus.SENDING, locked_until__lt=now),
            backend__is_active=True,
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        found = due.values_list("id", "status").first()
        if found is None:
            return None
        pk, status = found
        Sending.objects.filter(pk=pk).update(
            claim=token,
            attempts=F("attempts") + 1,
            locked_until=now + dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS),
            status=SendingStatus.SENDING if status == SendingStatus.QUEUED else status,
        )
    return (
        Sending.objects.select_related("backend", "case__service", "case__council")
        .filter(pk=pk, claim=token)
        .first()
    )


def sendings_process(limit: int = 50) -> int:
    """Send (or follow the token of) up to ``limit`` due sendings, one claimed at a time."""
    done = 0
    for _n in range(limit):
        sending = _claim()
        if sending is None:
            break
        done += _attempt(sending)
    return done


def _attempt(sending: Sending) -> int:
    try:
        if sending.status == SendingStatus.AWAITING_ID and sending.token:
            external_id = token_lookup(sending.backend, sending.token)
            if not external_id:
                _later(
                    sending,
                    _("It has not yet given the token %(t)s a reference") % {"t": sending.token},
                )
                return 0
            _got(sending, external_id)
            return 1
        created = request_post(
            sending.backend, _params(sending), idempotency_key=str(sending.idempotency_key)
        )
    except BackendError as exc:
        if isinstance(exc, TokenLost):
            # Asked again with the same key: a system that honours it answers with the
            # request it made; one that does not makes a second, which we then see.
            Sending.objects.filter(pk=sending.pk).update(token="")
            sending.status, sending.token = SendingStatus.QUEUED, ""
        _failed(sending, str(exc), retry=exc.retry)
        return 0
    if created.external_id:
        _got(sending, created.external_id)
        return 1
    Sending.objects.filter(pk=sending.pk).update(
        status=SendingStatus.AWAITING_ID,
        token=created.token,
        next_attempt_at=timezone.now() + backoff(1),
        claim=None,
        locked_until=None,
        last_error="",
    )
    _record(
        sending,
        _("Sent to %(backend)s, which will give its reference later (token %(token)s).")
        % {"backend": sending.backend.name, "token": created.token},
        token=created.token,
    )
    return 1


def _got(sending: Sending, external_id: str) -> None:
    with transaction.atomic():
        current = Sending.objects.select_for_update().get(pk=sending.pk)
        ids = list(current.external_ids)
        if external_id not in ids:
            ids.append(external_id)
        Sending.objects.filter(pk=sending.pk).update(
            status=SendingStatus.SENT,
            external_id=current.external_id or external_id,
            external_ids=ids,
            token="",
            sent_at=current.sent_at or timezone.now(),
            claim=None,
            locked_until=None,
            last_error="",
        )
        sending.external_id, sending.external_ids = current.external_id or external_id, ids
        if len(ids) > 1:
            logger.warning(
                "%s holds %s requests for %s: %s",
                sending.backend.name,
                len(ids),
                sending.case.reference,
                ", ".join(ids),
            )
            _record(
                sending,
                _(
                    "%(backend)s now holds %(count)s requests for this one: %(ids)s. It "
                    "made a duplicate despite the idempotency key; ask them to close all "
                    "but %(first)s."
                )
                % {
                    "backend": sending.backend.name,
                    "count": len(ids),
                    "ids": ", ".join(ids),
                    "first": ids[0],
                },
                external_ids=ids,
                duplicate=True,
            )
        else:
            _record(
                sending,
                _("Sent to %(backend)s, whose reference is %(id)s.")
                % {"backend": sending.backend.name, "id": external_id},
                external_id=external_id,
            )


def _later(sending: Sending, why: str) -> None:
    """Not done yet, and not a failure: look again after the backoff."""
    if sending.attempts >= MAX_ATTEMPTS:
        _failed(sending, why, retry=False)
        return
    Sending.objects.filter(pk=sending.pk).update(
        next_attempt_at=timezone.now() + backoff(sending.attempts),
        claim=None,
        locked_until=None,
        last_error=why[:500],
    )


def _failed(sending: Sending, error: str, *, retry: bool) -> None:
    give_up = not retry or sending.attempts >= MAX_ATTEMPTS
    status = SendingStatus.FAILED if give_up else sending.status
    if status == SendingStatus.SENDING:
        status = SendingStatus.QUEUED
    Sending.objects.filter(pk=sending.pk).update(
        status=status,
        next_attempt_at=timezone.now() + backoff(sending.attempts),
        claim=None,
        locked_until=None,
        last_error=error[:500],
    )
    logger.warning(
        "sending %s to %s failed (attempt %s): %s",
        sending.case.reference,
        sending.backend.name,
        sending.attempts,
        error,
    )
    if give_up:
        message = _(
            "Could not be sent to %(backend)s: %(error)s. It will not be tried again "
            "until someone sends it again or takes it back in house."
        )
    else:
        message = _("Attempt %(attempt)s to send to %(backend)s failed: %(error)s")
    _record(
        sending,
        message % {"backend": sending.backend.name, "error": error, "attempt": sending.attempts},
        ok=False,
        error=error[:500],
        final=give_up,
    )


# --- Status brought back -------------------------------------------------------------


def backend_update_apply(sending: Sending, update: Update) -> bool:
    """Apply one update from the system that handles the request: its status becomes
    ours (the resident is told, as for any status change), its words are kept for staff.
    Each update id is applied once. Returns whether anything changed."""
    with transaction.atomic():
        current = (
            Sending.objects.select_for_update(of=("self",))
            .select_related("backend", "case__service", "case__council")
            .get(pk=sending.pk)
        )
        key = update.update_id or f"{update.status}@{update.updated_at}"
        if key in current.applied_updates or current.status == SendingStatus.TAKEN_BACK:
            return False
        Sending.objects.filter(pk=sending.pk).update(
            applied_updates=[*current.applied_updates[-199:], key]
        )
        case = current.case
        actor = Actor.system(current.backend.name)
        if update.description.strip():
            case_record_internal(
                case=case,
                kind=EventKind.NOTE,
                actor=actor,
                message=update.description.strip(),
                data={"backend_update_id": update.update_id, "backend_status": update.status},
            )
        wanted = OPEN311_TO_STATUS.get(update.status)
        if wanted is None or wanted == case.status:
            return bool(update.description.strip())
        if wanted == Status.REOPENED and case.is_open:
            return bool(update.description.strip())
        reason = ""
        if wanted == Status.CLOSED:
            reason = closure_code_for_open311(council=case.council, open311_status=update.status)
        try:
            case_change_status(case=case, status=wanted, actor=actor, closure_reason=reason)
        except WorkflowError as exc:
            case_record_internal(
                case=case,
                kind=EventKind.NOTE,
                actor=actor,
                message=_("%(backend)s said %(status)s, which could not be applied: %(why)s")
                % {"backend": current.backend.name, "status": update.status, "why": exc},
            )
            return False
        return True


def backends_poll() -> int:
    """Read the updates of every system that is due, and apply those about our requests."""
    now = timezone.now()
    applied = 0
    for backend in Backend.objects.filter(is_active=True, sendings__isnull=False).distinct():
        if (
            backend.last_polled_at
            and backend.last_polled_at + dt.timedelta(minutes=backend.poll_minutes) > now
        ):
            continue
        applied += backend_poll(backend, now=now)
    return applied


def backend_poll(backend: Backend, *, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    start = (backend.polled_up_to or now - FIRST_POLL) - POLL_OVERLAP
    try:
        updates = updates_get(backend, start, now)
    except BackendError as exc:
        Backend.objects.filter(pk=backend.pk).update(
            last_polled_at=now, last_poll_error=str(exc)[:500]
        )
        logger.warning("reading the updates of %s failed: %s", backend.name, exc)
        return 0
    ours = {
        s.external_id: s
        for s in Sending.objects.filter(
            backend=backend, external_id__in={u.external_id for u in updates}
        ).exclude(status=SendingStatus.TAKEN_BACK)
    }
    applied = sum(
        backend_update_apply(ours[u.external_id], u) for u in updates if u.external_id in ours
    )
    Backend.objects.filter(pk=backend.pk).update(
        polled_up_to=now, last_polled_at=now, last_poll_error=""
    )
    return applied


def sending_for_update(backend: Backend, service_request_id: str) -> Sending | None:
    """The sending a system's pushed update is about: by its reference, or by ours."""
    return (
        Sending.objects.filter(backend=backend)
        .filter(Q(external_id=service_request_id) | Q(case__reference=service_request_id))
        .exclude(status=SendingStatus.TAKEN_BACK)
        .select_related("backend")
        .first()
    )


# --- Staff ---------------------------------------------------------------------------


@staff_action(Permission.CHANGE_STATUS)
def sending_resend(*, case: Case, actor: Actor) -> Sending:
    """Send the request on again now. One still waiting or failed is tried again with
    its key; one already sent, or taken back, is sent as a new request (a new key)."""
    service = case.service
    if service.sent_to_id is None:
        raise WorkflowError(_("This service is handled here: there is nowhere to send it"))
    with transaction.atomic():
        current = Sending.objects.filter(case=case).select_for_update().first()
        if current is not None and current.status in (
            SendingStatus.QUEUED,
            SendingStatus.FAILED,
            SendingStatus.AWAITING_ID,
        ):
            Sending.objects.filter(pk=current.pk).update(
                status=SendingStatus.QUEUED if not current.token else SendingStatus.AWAITING_ID,
                next_attempt_at=timezone.now(),
                attempts=0,
                last_error="",
            )
            current.refresh_from_db()
            sending = current
        else:
            sending = Sending.objects.create(
                council=case.council, case=case, backend_id=service.sent_to_id
            )
        case_record_internal(
            case=case,
            kind=EventKind.SENT_ON,
            actor=actor,
            message=_("Asked to send this to %(backend)s again.") % {"backend": sending.backend},
            data={"backend": sending.backend.name, "resend": True},
        )
    return sending


@staff_action(Permission.CHANGE_STATUS)
def sending_take_back(*, case: Case, actor: Actor) -> Sending:
    """Handle the request here from now on: nothing more is sent, and its system's
    updates are no longer applied. If it was sent, the system is told (as far as
    Open311 allows: an update saying so, with the status CLOSED)."""
    with transaction.atomic():
        current = (
            Sending.objects.filter(case=case).select_for_update().select_related("backend").first()
        )
        if current is None or current.status == SendingStatus.TAKEN_BACK:
            raise WorkflowError(_("This request is not with another system"))
        Sending.objects.filter(pk=current.pk).update(
            status=SendingStatus.TAKEN_BACK, claim=None, locked_until=None
        )
        case_record_internal(
            case=case,
            kind=EventKind.TAKEN_BACK,
            actor=actor,
            message=_("Taken back from %(backend)s: handled here from now on.")
            % {"backend": current.backend.name},
            data={"backend": current.backend.name, "external_ids": current.external_ids},
        )
    for external_id in current.external_ids:
        try:
            update_post(
                current.backend,
                external_id=external_id,
                description=_("The council is handling %(ref)s itself from now on.")
                % {"ref": case.reference},
                status="CLOSED",
            )
        except BackendError as exc:
            logger.warning("telling %s of %s failed: %s", current.backend.name, external_id, exc)
    return current


# --- Privacy -------------------------------------------------------------------------


def sendings_erase_person(person: PersonKeys) -> int:
    """Erasure reaches requests sent on: each sending is marked for its system to be
    told, in the erasure's own transaction; the worker tells it (``erasure_notices``),
    so a slow system never holds the erasure open. Photo links stop with the photos."""
    return Sending.objects.filter(
        council_id=person.council_id,
        case__reference__in=list(person.references),
        erasure_asked_at__isnull=True,
    ).update(erasure_asked_at=timezone.now())


def erasure_notices(limit: int = 50) -> int:
    """Tell each system holding an erased person's request, as far as Open311 allows:
    an update asking it to erase the details it was sent. One that cannot be told now is
    tried again next round."""
    told = 0
    for sending in Sending.objects.filter(
        erasure_asked_at__isnull=False, erasure_told_at__isnull=True, backend__is_active=True
    ).select_related("backend", "case")[:limit]:
        try:
            for external_id in sending.external_ids:
                update_post(
                    sending.backend,
                    external_id=external_id,
                    description=_(
                        "The person who made this request has asked the council to erase "
                        "their personal data (UK GDPR Article 17). Please erase the name, "
                        "email address, phone number and photos we sent with it."
                    ),
                    status="OPEN",
                )
        except BackendError as exc:
            logger.warning("erasure notice to %s failed: %s", sending.backend.name, exc)
            continue
        Sending.objects.filter(pk=sending.pk).update(erasure_told_at=timezone.now())
        told += 1
    return told


def sendings_of_person(person: PersonKeys) -> tuple[str, list[dict[str, Any]]]:
    """Where the person's requests were sent, for a subject access export."""
    found = Sending.objects.filter(
        council_id=person.council_id, case__reference__in=list(person.references)
    ).select_related("backend", "case")
    return "requests_sent_to_other_systems", [
        {
            "reference": s.case.reference,
            "sent_to": s.backend.name,
            "their_references": s.external_ids,
            "sent": s.sent_at.isoformat() if s.sent_at else None,
            "erasure_asked": s.erasure_asked_at.isoformat() if s.erasure_asked_at else None,
            "told_of_erasure": s.erasure_told_at.isoformat() if s.erasure_told_at else None,
        }
        for s in found
    ]


# --- Registered with the writer (sendon.apps) ------------------------------------------


def sending_queue(case: Case) -> None:
    """A new request of a service sent on is queued with it, in its transaction: the
    worker sends it. Called by the writer (``cases.actions.on_case_created``)."""
    if case.service.sent_to_id is not None:
        Sending.objects.create(council=case.council, case=case, backend_id=case.service.sent_to_id)


def sent_on_for_erasure(council: Council, references: Sequence[str]) -> list[SentOn]:
    """What an erasure report says about these requests sent elsewhere
    (``cases.actions.on_erasure_report``)."""
    return [
        (s.case.reference, s.backend.name, ", ".join(s.external_ids), bool(s.erasure_asked_at))
        for s in Sending.objects.filter(
            council=council, case__reference__in=list(references)
        ).select_related("case", "backend")
    ]
