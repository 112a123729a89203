"""The inbox as a registered privacy store: its messages are whole emails, so they go
with their request's retention, with the sender's erasure, and into subject access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from onecouncil.core.privacy import PersonalValues, PersonKeys
from onecouncil.inbox.models import InboundMessage, MessageStatus

UNLINKED_DAYS = 90


def inbox_expire(council_id: int, references: Sequence[str]) -> int:
    """Messages of requests past retention, and messages that made no request after
    ``UNLINKED_DAYS`` (quarantined, ignored, unreadable)."""
    old = timezone.now() - dt.timedelta(days=UNLINKED_DAYS)
    gone, _ = InboundMessage.objects.filter(
        Q(case__reference__in=list(references))
        | Q(
            case__isnull=True,
            received_at__lt=old,
            status__in=[MessageStatus.QUARANTINED, MessageStatus.IGNORED, MessageStatus.FAILED],
        ),
        council_id=council_id,
    ).delete()
    return gone


def _of(keys: PersonKeys) -> Any:
    return InboundMessage.objects.filter(council_id=keys.council_id).filter(
        Q(sender__in=[e.lower() for e in keys.emails]) | Q(case__reference__in=keys.references)
    )


def inbox_erase(keys: PersonKeys) -> int:
    gone, _ = _of(keys).delete()
    return gone


def inbox_export(keys: PersonKeys) -> tuple[str, list[dict[str, Any]]]:
    return (
        "emails",
        [
            {
                "received": m.received_at.isoformat(),
                "from": m.sender,
                "subject": m.subject,
                "what_happened": m.get_status_display(),
                "message": bytes(m.raw).decode("utf-8", "replace"),
            }
            for m in _of(keys).order_by("received_at")
        ],
    )


def inbox_held(council_id: int) -> Iterator[PersonalValues]:
    for sender, subject in InboundMessage.objects.filter(council_id=council_id).values_list(
        "sender", "subject"
    ):
        yield PersonalValues(emails=(sender,) if sender else (), texts=(subject,))


SET_ASIDE = [MessageStatus.QUARANTINED, MessageStatus.FAILED]


def messages_set_aside(*, council_id: int, limit: int = 100) -> list[InboundMessage]:
    """The council's newest messages that made no request: quarantined, or could not be
    processed (automatic mail, which is only ever ignored, is not listed)."""
    return list(
        InboundMessage.objects.filter(council_id=council_id, status__in=SET_ASIDE)
        .defer("raw")
        .order_by("-received_at", "-pk")[:limit]
    )


def message_set_aside(*, council_id: int, message_id: int) -> InboundMessage | None:
    """One of them, with its raw message, if it is this council's."""
    return InboundMessage.objects.filter(
        council_id=council_id, pk=message_id, status__in=SET_ASIDE
    ).first()
