"""Service requests (cases), their append-only events, and their photos."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onecouncil.catalogue.models import Service
from onecouncil.core.models import CouncilOwned
from onecouncil.residents.models import Address, Person, Ward


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    ACTION_SCHEDULED = "action_scheduled", _("Action scheduled")
    FIXED = "fixed", _("Fixed or done")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


OPEN_STATUSES = {Status.RECEIVED, Status.IN_PROGRESS, Status.ACTION_SCHEDULED, Status.REOPENED}


class CloseReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate of another report")
    REFERRED = "referred", _("Passed to another organisation")
    NO_ACTION = "no_action", _("No action needed")
    NOT_RESPONSIBLE = "not_responsible", _("Not the council's responsibility")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    PHONE = "phone", _("Phone")
    FACE_TO_FACE = "face_to_face", _("Face to face")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    SOCIAL = "social", _("Social media")
    API = "api", _("API")
    SENSOR = "sensor", _("Sensor")


class Case(CouncilOwned):
    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    close_reason = models.CharField(
        _("reason closed"), max_length=20, choices=CloseReason.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    channel_detail = models.CharField(
        _("channel detail"),
        max_length=120,
        blank=True,
        help_text=_("For example the client application's name."),
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)

    # Where: a gazetteer address, or a street and a description, or coordinates.
    address = models.ForeignKey(Address, on_delete=models.SET_NULL, null=True, blank=True)
    uprn = models.BigIntegerField(_("UPRN"), null=True, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    location_description = models.CharField(
        _("description of the place"), max_length=500, blank=True
    )
    postcode = models.CharField(_("postcode"), max_length=8, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    ward = models.ForeignKey(Ward, on_delete=models.SET_NULL, null=True, blank=True)

    # Who: the contact details exactly as given, and the person record they link to.
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_email_verified_at = models.DateTimeField(null=True, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    private_token_hash = models.CharField(max_length=64)

    team = models.ForeignKey(
        "core.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    submission_key = models.UUIDField(_("submission key"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "submission_key"], name="one_case_per_submission"
            ),
        ]
        indexes = [
            models.Index(fields=["council", "status", "created_at"], name="case_council_status_idx")
        ]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        return "open" if self.is_open else "closed"


class EventKind(models.TextChoices):
    CREATED = "created", _("Request received")
    ROUTED = "routed", _("Sent to a team")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PUBLIC_UPDATE = "public_update", _("Update")
    NOTE = "note", _("Internal note")
    NOTIFICATION = "notification", _("Notification")
    CONTACT_VERIFIED = "contact_verified", _("Email address confirmed")
    MERGED = "merged", _("Marked as duplicate")
    REOPENED = "reopened", _("Reopened")


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
    actor_label = models.CharField(
        max_length=200, blank=True, help_text=_("Who or what made the change, as shown.")
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

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


def photo_path(instance: Photo, filename: str) -> str:
    return f"photos/{instance.council_id}/{instance.draft_key}/{filename}"


class Photo(CouncilOwned):
    """A photo a resident uploaded, first to their draft, then to the case it joins."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    draft_key = models.UUIDField(db_index=True)
    image = models.ImageField(upload_to=photo_path)
    content_type = models.CharField(max_length=40)
    original_name = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")


# What each status means, in words a resident understands.
STATUS_EXPLANATION = {
    Status.RECEIVED: _("We have your request and will look at it soon."),
    Status.IN_PROGRESS: _("We are working on it."),
    Status.ACTION_SCHEDULED: _("We have planned the work and will do it soon."),
    Status.FIXED: _("We have dealt with it."),
    Status.CLOSED: _("This request is closed."),
    Status.REOPENED: _("This request was opened again and we are looking at it."),
}
CLOSE_REASON_EXPLANATION = {
    CloseReason.DUPLICATE: _(
        "Someone had already reported this. We are dealing with it under the earlier report."
    ),
    CloseReason.REFERRED: _("We have passed this to the organisation responsible."),
    CloseReason.NO_ACTION: _("We looked into it and no action is needed."),
    CloseReason.NOT_RESPONSIBLE: _("This is not something the council is responsible for."),
}
STATUS_TAG_COLOUR = {
    Status.RECEIVED: "govuk-tag--blue",
    Status.IN_PROGRESS: "govuk-tag--light-blue",
    Status.ACTION_SCHEDULED: "govuk-tag--purple",
    Status.FIXED: "govuk-tag--green",
    Status.CLOSED: "govuk-tag--grey",
    Status.REOPENED: "govuk-tag--orange",
}


def status_display(case: Case) -> dict[str, str]:
    explanation = str(STATUS_EXPLANATION[Status(case.status)])
    if case.status == Status.CLOSED and case.close_reason:
        explanation = str(CLOSE_REASON_EXPLANATION[CloseReason(case.close_reason)])
    return {
        "label": str(Status(case.status).label),
        "explanation": explanation,
        "tag_class": STATUS_TAG_COLOUR[Status(case.status)],
    }
