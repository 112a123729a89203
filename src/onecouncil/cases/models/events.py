"""A case's append-only events."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.cases.models.case import Case, Status


class EventKind(models.TextChoices):
    CREATED = "created", _("Request received")
    ROUTED = "routed", _("Sent to a team")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PUBLIC_UPDATE = "public_update", _("Update")
    MESSAGE = "message", _("Message to the resident")
    DESCRIPTION_PUBLISHED = "description_published", _("Description published")
    NOTE = "note", _("Internal note")
    NOTIFICATION = "notification", _("Notification")
    CONTACT_VERIFIED = "contact_verified", _("Email address confirmed")
    MERGED = "merged", _("Marked as duplicate")
    REOPENED = "reopened", _("Reopened")
    SENT_ON = "sent_on", _("Sent on to another system")
    TAKEN_BACK = "taken_back", _("Taken back in house")
    SERVICE_CHANGED = "service_changed", _("Moved to another service")


class CaseEvent(models.Model):
    """One change to a case. Events are only ever appended, never changed or deleted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    is_public = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        blank=True,
        help_text=_("The case's status after this event."),
    )
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    actor_label = models.CharField(
        max_length=200, blank=True, help_text=_("Who or what made the change, as shown.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Case events are append-only.")
        super().save(*args, **kwargs)
