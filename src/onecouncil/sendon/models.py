"""A request sent on to the system that handles its service: sendon's own table.

The writer makes one in the request's transaction through the registry
``cases.actions.on_case_created`` (``sendon.apps``), so cases never imports upwards."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import CouncilOwned


class SendingStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    AWAITING_ID = "awaiting_id", _("Sent; waiting for its reference")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be sent")
    TAKEN_BACK = "taken_back", _("Taken back in house")


class Sending(CouncilOwned):
    """A request sent on to the system that handles its service (``Service.sent_to``).
    Made with the request, in the same transaction, so an acknowledged request is never
    left unsent; the worker sends it (``onecouncil.sendon``), retrying with backoff and
    the same idempotency key every time. The resident keeps our reference throughout."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="sendings")
    backend = models.ForeignKey(
        "catalogue.Backend", on_delete=models.PROTECT, related_name="sendings"
    )
    status = models.CharField(
        max_length=20, choices=SendingStatus.choices, default=SendingStatus.QUEUED
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    external_id = models.CharField(_("its reference"), max_length=100, blank=True)
    # Every reference the system gave for this request: more than one is a duplicate it
    # made despite the idempotency key, shown to staff and administrators.
    external_ids = models.JSONField(default=list, blank=True)
    token = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # The update ids already applied, so a poll that reads one twice applies it once.
    applied_updates = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Erasure reaches requests sent on: asked in the erasure's transaction, told by the
    # worker (a slow system must not hold the erasure open).
    erasure_asked_at = models.DateTimeField(null=True, blank=True)
    erasure_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="sending_due_idx"),
            models.Index(fields=["backend", "external_id"], name="sending_external_idx"),
        ]
        verbose_name = _("request sent on")
        verbose_name_plural = _("requests sent on")
        # The table keeps the name it had when the model lived in cases (ADR 0007).
        db_table = "cases_sending"

    def __str__(self) -> str:
        return f"{self.case.reference} to {self.backend.name}"

    @property
    def is_duplicated(self) -> bool:
        return len(self.external_ids) > 1
