"""Writing to the outbox, and the worker that empties it.

``notification_enqueue`` must be called inside the transaction of the change it reports,
so the two commit together or not at all. The worker claims due notifications with a
lease: a worker that dies mid-send leaves its claim to expire, and another picks the
notification up again; nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from onecouncil.core.models import Council
from onecouncil.core.privacy import PersonKeys
from onecouncil.core.worker import backoff
from onecouncil.notify.backends import PermanentError, TransientError, backend_for
from onecouncil.notify.models import Channel, Notification, Status

logger = logging.getLogger(__name__)

# Called after every delivery attempt ends (sent or failed for good), so that the app
# the notification is about can record it, for example on a case's timeline. Domain apps
# register here (``on_delivery``) rather than notify importing them.
DeliveryListener = Callable[[Notification], None]
_listeners: list[DeliveryListener] = []


def on_delivery(listener: DeliveryListener) -> DeliveryListener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def _tell_listeners(notification_id: int) -> None:
    notification = Notification.objects.get(pk=notification_id)
    for listener in _listeners:
        try:
            listener(notification)
        except Exception:
            logger.exception("delivery listener %s failed for %s", listener, notification_id)


def notification_enqueue(
    *,
    council: Council,
    kind: str,
    channel: Channel,
    recipient: str,
    context: dict[str, Any],
    subject_reference: str = "",
    language: str = "en-gb",
) -> Notification:
    return Notification.objects.create(
        council=council,
        kind=kind,
        channel=channel,
        recipient=recipient,
        context=context,
        subject_reference=subject_reference,
        language=language,
    )


def _claim(limit: int) -> tuple[uuid.UUID, list[Notification]]:
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        due = Notification.objects.filter(
            Q(status=Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Status.SENDING, locked_until__lt=now)
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        Notification.objects.filter(id__in=ids).update(
            status=Status.SENDING,
            claim=token,
            locked_until=now + dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    return token, list(Notification.objects.filter(claim=token).order_by("id"))


# Context keys that carry a secret link (a private page, a sign-in, an invitation, an
# unsubscribe link): kept only until the message is sent, never shown in the admin.
SECRET_KEYS = frozenset(
    {"link", "private_url", "unfollow_url", "confirm_url", "unsubscribe_url", "rating_url"}
)
REDACTED = "[hidden]"
# Messages to someone who has just been forgotten (the confirmation of their erasure):
# once sent, or given up, the outbox keeps neither their address nor what it said.
FORGOTTEN_ONCE_SENT = frozenset({"erasure_confirmation"})
FORGOTTEN = "[erased]"


def _kept(notification: Notification, **fields: Any) -> dict[str, Any]:
    """What the outbox keeps of a message that has been sent or given up."""
    if notification.kind in FORGOTTEN_ONCE_SENT:
        return {**fields, "recipient": FORGOTTEN, "context": {}}
    return {**fields, "context": redacted(notification.context)}


def redacted(context: dict[str, Any]) -> dict[str, Any]:
    """The context without its secret links (for the admin, and for keeping once sent)."""
    return {k: (REDACTED if k in SECRET_KEYS and v else v) for k, v in context.items()}


def outbox_process(*, limit: int = 50) -> int:
    """Send up to ``limit`` due notifications once each; returns how many were sent.

    Each is claimed just before it is sent, one at a time, so a worker killed mid-send
    holds only the message it was sending (until its lease ends), never a batch."""
    sent = 0
    for _n in range(limit):
        token, claimed = _claim(1)
        if not claimed:
            break
        sent += _send(token, claimed[0])
    return sent


def _send(token: uuid.UUID, notification: Notification) -> int:
    """Send one claimed notification; 1 if it went."""
    mine = Notification.objects.filter(pk=notification.pk, claim=token)
    try:
        provider_reference = backend_for(notification).send(notification)
    except TransientError as exc:
        give_up = notification.attempts >= settings.NOTIFY_MAX_ATTEMPTS
        retry = {
            "status": Status.FAILED if give_up else Status.PENDING,
            "next_attempt_at": timezone.now() + backoff(notification.attempts),
            "last_error": str(exc)[:2000],
            "claim": None,
            "locked_until": None,
        }
        mine.update(**(_kept(notification, **retry) if give_up else retry))
        logger.warning(
            "notification %s failed (attempt %s): %s",
            notification.pk,
            notification.attempts,
            exc,
        )
        if give_up:
            _tell_listeners(notification.pk)
        return 0
    except PermanentError as exc:
        mine.update(
            **_kept(
                notification,
                status=Status.FAILED,
                last_error=str(exc)[:2000],
                claim=None,
                locked_until=None,
            )
        )
        logger.error("notification %s cannot be sent: %s", notification.pk, exc)
        _tell_listeners(notification.pk)
        return 0
    mine.update(
        **_kept(
            notification,
            status=Status.SENT,
            sent_at=timezone.now(),
            provider_reference=provider_reference,
            last_error="",
            claim=None,
            locked_until=None,
        )
    )
    _tell_listeners(notification.pk)
    return 1


# --- Forgetting (registered with core.privacy) ------------------------------------------


def notifications_expire(council_id: int, references: Sequence[str]) -> int:
    """Messages about requests past their retention period."""
    deleted, _by_model = Notification.objects.filter(
        council_id=council_id, subject_reference__in=list(references)
    ).delete()
    return deleted


def notifications_erase_person(person: PersonKeys) -> int:
    """Every message to the person, sent or waiting: nothing more goes to them."""
    recipients = set(person.emails) | set(person.phones)
    if not recipients:
        return 0
    deleted, _by_model = Notification.objects.filter(
        council_id=person.council_id, recipient__in=recipients
    ).delete()
    return deleted
