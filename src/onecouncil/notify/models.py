"""The transactional outbox: a notification is written in the same transaction as the
change it reports, then sent by the background worker."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.core.egress import EgressRefused, destination_check
from onecouncil.core.models import CouncilOwned


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(CouncilOwned):
    kind = models.CharField(_("message type"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    context = models.JSONField(_("content"), default=dict)
    subject_reference = models.CharField(
        _("about"),
        max_length=40,
        blank=True,
        db_index=True,
        help_text=_("The reference number of the request this is about."),
    )
    language = models.CharField(max_length=10, default="en-gb")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"


class GovukNotifySettings(CouncilOwned):
    """A council's GOV.UK Notify account. When enabled, email and SMS go through Notify."""

    enabled = models.BooleanField(_("send through GOV.UK Notify"), default=False)
    api_key = models.CharField(
        _("API key"),
        max_length=200,
        help_text=_("A live or team key from your Notify service's API integration page."),
    )
    base_url = models.URLField(_("API address"), default="https://api.notifications.service.gov.uk")
    template_ids = models.JSONField(
        _("template ids"),
        default=dict,
        blank=True,
        help_text=_(
            "One Notify template per message type and channel, for example "
            '{"case_confirmation_email": "…", "case_update_sms": "…"}. Each template uses '
            "((reference)), ((service_name)), ((tracking_url)) and the other fields of the message."
        ),
    )

    def clean(self) -> None:
        super().clean()
        if self.base_url:
            try:
                destination_check(self.base_url)
            except EgressRefused as exc:
                raise ValidationError({"base_url": str(exc)}) from None

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council"], name="one_notify_account_per_council")
        ]
        verbose_name = _("GOV.UK Notify settings")
        verbose_name_plural = _("GOV.UK Notify settings")

    def __str__(self) -> str:
        return f"GOV.UK Notify ({'on' if self.enabled else 'off'})"
