"""Every email that reached a council's inbound address, kept whole before anything is
done with it (so a message is never lost, and never processed twice)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import CouncilOwned


class MessageStatus(models.TextChoices):
    REQUEST = "request", _("Became a request")
    REPLY = "reply", _("Added to a request")
    QUARANTINED = "quarantined", _("Quarantined")
    IGNORED = "ignored", _("Ignored (automatic mail)")
    FAILED = "failed", _("Could not be processed")


class InboundMessage(CouncilOwned):
    # The Message-ID header, or "sha256:<hex>" of the whole message when it has none.
    message_id = models.CharField(max_length=255)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    raw = models.BinaryField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=20, choices=MessageStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "message_id"], name="one_message_once")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"
