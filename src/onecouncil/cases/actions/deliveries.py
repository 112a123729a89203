"""Delivery results on the case timeline, so staff see what each resident was sent."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onecouncil.cases.events import event_append
from onecouncil.cases.models import Case, EventKind
from onecouncil.core.actors import Actor
from onecouncil.notify.models import Notification, Status


def record_delivery(notification: Notification) -> None:
    if not notification.subject_reference:
        return
    case = Case.objects.filter(
        council_id=notification.council_id, reference=notification.subject_reference
    ).first()
    if case is None:
        return
    sent = notification.status == Status.SENT
    event_append(
        case=case,
        kind=EventKind.NOTIFICATION,
        is_public=False,
        actor=Actor.system(_("Notifications")),
        message=(
            _("%(kind)s sent by %(channel)s to %(recipient)s")
            if sent
            else _("%(kind)s by %(channel)s to %(recipient)s could not be sent")
        )
        % {
            "kind": notification.kind.replace("_", " ").capitalize(),
            "channel": notification.get_channel_display().lower(),
            "recipient": notification.recipient,
        },
        data={
            "notification_id": notification.pk,
            "outcome": notification.status,
            "error": notification.last_error,
            "attempts": notification.attempts,
        },
    )
