"""Webhook subscriptions and their deliveries (an outbox, like notifications)."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.core.egress import EgressRefused, destination_check
from onecouncil.core.models import CouncilOwned


class EventType(models.TextChoices):
    CREATED = "created", _("Request created")
    STATUS_CHANGED = "status_changed", _("Status changed")
    UPDATED = "updated", _("Public update")
    CLOSED = "closed", _("Request closed")


def _secret() -> str:
    return secrets.token_urlsafe(32)


class Subscription(CouncilOwned):
    """A URL that receives a council's case events, signed with its own secret."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("receiver URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=_secret,
        help_text=_("Deliveries carry X-OneCouncil-Signature: sha256=HMAC(secret, body)."),
    )
    event_types = models.JSONField(
        _("events"), default=list, help_text=_('For example ["created", "closed"].')
    )
    service_codes = models.JSONField(
        _("only these services"),
        default=list,
        blank=True,
        help_text=_("Service codes; empty for every service."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    def clean(self) -> None:
        super().clean()
        if self.url:
            try:
                destination_check(self.url)
            except EgressRefused as exc:
                raise ValidationError({"url": str(exc)}) from None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    # The status only: a receiver's response body is never kept (core.egress).
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx")]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} ({self.status})"
