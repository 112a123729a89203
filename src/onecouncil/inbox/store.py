"""The inbox as a registered privacy store: its messages are whole emails, so they go
with their request's retention, with the sender's erasure, and into subject access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from onecouncil.cases.access import case_for_staff, may_see_personal_data
from onecouncil.core.models import Membership
from onecouncil.core.permissions import Permission, role_has
from onecouncil.core.privacy import PersonalValues, PersonKeys
from onecouncil.inbox.models import InboundMessage, MessageStatus
from onecouncil.inbox.parse import Attachment, UnreadableMail, read_mail

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


def message_for_staff(*, membership: Membership, message_id: int) -> InboundMessage | None:
    """One of the council's emails, whole, if this member of staff may read it: one set
    aside, for staff who may move requests between services; one that made or joined a
    request, for staff who may see that request's personal data."""
    message = (
        InboundMessage.objects.filter(council_id=membership.council_id, pk=message_id)
        .select_related("case")
        .first()
    )
    if message is None:
        return None
    if message.status in SET_ASIDE:
        return message if role_has(membership.role, Permission.CHANGE_SERVICE) else None
    if message.case is None:
        return None
    case = case_for_staff(membership=membership, reference=message.case.reference)
    return message if case is not None and may_see_personal_data(membership, case) else None


@dataclass(frozen=True)
class EmailOfCase:
    """An email that made or joined a request, as its case page lists it."""

    pk: int
    received_at: dt.datetime
    sender: str
    subject: str
    attachments: list[tuple[int, Attachment]]  # numbered from 1, as the download names


def emails_of_case(*, case_id: int) -> list[EmailOfCase]:
    shown = []
    for message in InboundMessage.objects.filter(case_id=case_id).order_by("received_at"):
        try:
            attachments = list(enumerate(read_mail(bytes(message.raw)).attachments, start=1))
        except UnreadableMail:
            attachments = []
        shown.append(
            EmailOfCase(
                message.pk, message.received_at, message.sender, message.subject, attachments
            )
        )
    return shown


def attachment_of(message: InboundMessage, number: int) -> Attachment | None:
    try:
        attachments = read_mail(bytes(message.raw)).attachments
    except UnreadableMail:
        return None
    return attachments[number - 1] if 1 <= number <= len(attachments) else None
