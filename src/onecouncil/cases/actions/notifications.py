"""What the writer tells people and systems after a change: the reporter's and followers'
messages, webhooks, and the case's version for cached pages."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from onecouncil.cases.links import rating_url, tracking_url, unfollow_url
from onecouncil.cases.models import (
    Case,
    Follower,
    status_display,
)
from onecouncil.notify.models import Channel as NotifyChannel
from onecouncil.notify.services import notification_enqueue
from onecouncil.webhooks.services import webhooks_enqueue


def publish(case: Case, event_type: str, message: str = "") -> None:
    """Queue webhook deliveries for this change, in its transaction (docs/webhooks.md)."""
    webhooks_enqueue(
        council_id=case.council_id,
        service_code=case.service.code,
        event_type=event_type,
        payload={
            "event": event_type,
            "occurred_at": timezone.now().isoformat(timespec="seconds"),
            "council": case.council.slug,
            "message": message,
            "request": {
                "reference": case.reference,
                "service_code": case.service.code,
                "service_name": case.service.name,
                "status": case.status,
                "open": case.is_open,
                "closure_reason": case.closure_reason.code if case.closure_reason else "",
                "channel": case.channel,
                "team": case.team.name if case.team else "",
                "street": case.street,
                "ward": case.ward.code if case.ward else "",
                "created_at": case.created_at.isoformat(timespec="seconds"),
                "due_at": case.due_at.isoformat(timespec="seconds") if case.due_at else None,
            },
        },
    )


def due_date_text(case: Case) -> str:
    if not case.due_at:
        return ""
    local = timezone.localtime(case.due_at, ZoneInfo(case.council.time_zone))
    return f"{local.day} {local:%B %Y}"


def message_context(case: Case) -> dict[str, Any]:
    return {
        "council_name": case.council.name,
        "council_phone": case.council.phone,
        "reference": case.reference,
        "service_name": case.service.name,
        "name": case.contact_name,
        "tracking_url": tracking_url(case),
    }


def reporter_channels(case: Case) -> list[tuple[NotifyChannel, str]]:
    channels: list[tuple[NotifyChannel, str]] = []
    if case.contact_email:
        channels.append((NotifyChannel.EMAIL, case.contact_email))
    if case.updates_by_sms and case.contact_phone:
        channels.append((NotifyChannel.SMS, case.contact_phone))
    return channels


def notify_update(
    case: Case, *, message: str, followers: bool = True, ask_rating: bool = False
) -> int:
    """Queue an update for the reporter and (unless ``followers`` is False, for a private
    message) every follower, each as they chose."""
    status = status_display(case)
    context = {
        **message_context(case),
        "status": status["label"],
        "status_explanation": status["explanation"],
        "message": message,
        "rating_url": "",
    }
    # Once it is closed, the person who made the request (and nobody else) is asked to
    # rate how we dealt with it.
    reporter = {**context, "rating_url": rating_url(case)} if ask_rating else context
    recipients: dict[tuple[NotifyChannel, str], dict[str, Any]] = {
        key: reporter for key in reporter_channels(case)
    }
    for follower in Follower.objects.active().filter(case=case) if followers else []:
        follower.case = case
        own = {
            **context,
            "name": follower.name,
            "unfollow_url": unfollow_url(follower),
        }
        if follower.by_email and follower.email:
            recipients.setdefault((NotifyChannel.EMAIL, follower.email), own)
        if follower.by_sms and follower.phone:
            recipients.setdefault((NotifyChannel.SMS, follower.phone), own)
    for (notify_channel, recipient), their_context in sorted(recipients.items()):
        notification_enqueue(
            council=case.council,
            kind="case_update",
            channel=notify_channel,
            recipient=recipient,
            subject_reference=case.reference,
            context=their_context,
        )
    return len(recipients)
