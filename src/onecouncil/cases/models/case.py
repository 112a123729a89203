"""Service requests (cases): their statuses and named queries, channels, closure reasons."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.assets.models import Asset
from onecouncil.catalogue.models import Service
from onecouncil.core.models import Council, CouncilOwned
from onecouncil.residents.models import Account, Address, Person, Ward


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    ACTION_SCHEDULED = "action_scheduled", _("Action scheduled")
    AWAITING_RESIDENT = "awaiting_resident", _("Waiting for your reply")
    FIXED = "fixed", _("Fixed or done")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# The one definition of "open" and "closed": everything else asks the queryset or the case.
CLOSED_STATUSES = frozenset({Status.FIXED, Status.CLOSED})
OPEN_STATUSES = frozenset(set(Status) - CLOSED_STATUSES)

# How far ahead "due soon" looks unless a council says otherwise (working days).
DEFAULT_DUE_SOON_WORKING_DAYS = 2


class CaseQuerySet(models.QuerySet["Case"]):
    """Named queries: the only place a status list or a due-date rule is written."""

    def open(self) -> CaseQuerySet:
        return self.exclude(status__in=CLOSED_STATUSES)

    def closed(self) -> CaseQuerySet:
        return self.filter(status__in=CLOSED_STATUSES)

    def with_open311_status(self, status: str) -> CaseQuerySet:
        return self.open() if status == "open" else self.closed()

    def overdue(self, now: dt.datetime) -> CaseQuerySet:
        """Open, past their due date, and not waiting for the resident (clock paused)."""
        return self.open().filter(overdue_q(now))

    def due_soon(self, now: dt.datetime, horizon: dt.datetime) -> CaseQuerySet:
        """Open, not paused, due between now and ``horizon`` (see ``due_soon_horizon``)."""
        return self.open().filter(due_soon_q(now, horizon))


def overdue_q(now: dt.datetime) -> models.Q:
    return models.Q(due_at__lt=now, paused_at__isnull=True, due_at__isnull=False)


def due_soon_q(now: dt.datetime, horizon: dt.datetime) -> models.Q:
    return models.Q(due_at__gte=now, due_at__lt=horizon, paused_at__isnull=True)


class Open311Closure(models.TextChoices):
    """The closed states FixMyStreet's GeoReport update extension understands."""

    DUPLICATE = "duplicate", _("Duplicate")
    NOT_RESPONSIBLE = "not_councils_responsibility", _("Not the council's responsibility")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    INTERNAL_REFERRAL = "internal_referral", _("Referred elsewhere")
    CLOSED = "closed", _("Closed")


class ClosureReason(CouncilOwned):
    """A reason a council's staff may give for closing a request (the council's own list)."""

    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("reason"), max_length=120)
    public_explanation = models.CharField(_("what residents are told"), max_length=300)
    open311_status = models.CharField(
        _("Open311 status"),
        max_length=40,
        choices=Open311Closure.choices,
        default=Open311Closure.CLOSED,
    )
    is_active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "label"]
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="closure_code_per_council")
        ]
        verbose_name = _("closure reason")
        verbose_name_plural = _("closure reasons")

    def __str__(self) -> str:
        return self.label


DEFAULT_CLOSURE_REASONS = [
    (
        "duplicate",
        _("Duplicate of another report"),
        _("Someone had already reported this. We are dealing with it under the earlier report."),
        Open311Closure.DUPLICATE,
    ),
    (
        "referred",
        _("Passed to another organisation"),
        _("We have passed this to the organisation responsible."),
        Open311Closure.INTERNAL_REFERRAL,
    ),
    (
        "no_action",
        _("No action needed"),
        _("We looked into it and no action is needed."),
        Open311Closure.NO_FURTHER_ACTION,
    ),
    (
        "not_responsible",
        _("Not the council's responsibility"),
        _("This is not something the council is responsible for."),
        Open311Closure.NOT_RESPONSIBLE,
    ),
]


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
    objects = CaseQuerySet.as_manager()

    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    closure_reason = models.ForeignKey(
        ClosureReason,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("reason closed"),
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
    # The API key that sent it (``api.ApiKey``, kept without a foreign key: cases do not
    # depend on the API): that client reads it back even when its service is private.
    client_id = models.PositiveIntegerField(_("API client"), null=True, blank=True, editable=False)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=4000,
        help_text=_("Free text sent by an API client (Open311 description)."),
    )
    description_published_at = models.DateTimeField(
        _("description published"),
        null=True,
        blank=True,
        help_text=_(
            "Free text from an API client or a phone call may hold the caller's details: "
            "it is public only once a member of staff has read and published it."
        ),
    )
    # The words the public reads: the description as staff published it (redacted where
    # they took something out), or as published automatically when nothing personal was
    # found; empty while unpublished or hidden again.
    public_description = models.TextField(_("published description"), blank=True)
    photos_published_at = models.DateTimeField(
        _("photos published"),
        null=True,
        blank=True,
        help_text=_("A member of staff looked at the photos and showed them on the public page."),
    )

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
    asset = models.ForeignKey(
        Asset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("asset"),
        help_text=_(
            "The council's thing it is about (this street light); its place is the asset's."
        ),
    )
    nearest_address = models.CharField(
        _("nearest address"),
        max_length=300,
        blank=True,
        help_text=_(
            "For a place given as a point: the gazetteer address nearest it, to help find "
            "the spot. It is not the request's address, and public pages never show it."
        ),
    )

    # Two-tier areas: the council whose front door took the request, when another one
    # handles the service (``Service.handled_by``); its staff may read it, never change it.
    received_by = models.ForeignKey(
        Council,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service as reported"),
        help_text=_("The receiving council's service, whose questions the resident answered."),
    )

    # Who: the contact details exactly as given, and the person record they link to.
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    email_key = models.CharField(
        max_length=254,
        blank=True,
        editable=False,
        help_text=_("The email address in one form (lower case), for search."),
    )
    phone_key = models.CharField(
        max_length=20,
        blank=True,
        editable=False,
        help_text=_("The phone number in one form, for search."),
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_email_verified_at = models.DateTimeField(null=True, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    account = models.ForeignKey(
        Account,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        help_text=_("The resident's account, when they were signed in or claimed it."),
    )
    change_details = models.JSONField(
        _("change of details"),
        default=dict,
        blank=True,
        help_text=_("For tasks made when a resident told us about a change: old and new."),
    )
    private_token_hash = models.CharField(max_length=64)
    # The browser that first exchanged the private link for a session (a hash of a random
    # value kept in that browser's session) and when: after a short grace period the link
    # works in that browser alone (``cases.services.case_private_link_claim``).
    private_link_browser = models.CharField(max_length=64, blank=True)
    private_link_claimed_at = models.DateTimeField(null=True, blank=True)
    legal_hold_reason = models.CharField(
        _("legal hold"),
        max_length=300,
        blank=True,
        help_text=_("While set, the retention job and erasure leave this request alone."),
    )
    restricted_reason = models.CharField(
        _("restricted"),
        max_length=300,
        blank=True,
        help_text=_("Kept although its resident asked to be erased, because the law requires."),
    )
    anonymised_at = models.DateTimeField(
        _("personal details removed"),
        null=True,
        blank=True,
        help_text=_("When the retention job or an erasure removed the resident's details."),
    )

    team = models.ForeignKey(
        "core.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned to"),
    )
    updates_by_sms = models.BooleanField(_("updates by text message"), default=False)
    councillor_consent = models.BooleanField(
        _("reporter agreed to share details with ward councillors"), default=False
    )
    submission_key = models.UUIDField(_("submission key"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    paused_at = models.DateTimeField(
        _("target clock paused"),
        null=True,
        blank=True,
        help_text=_("Set while the request waits for the resident."),
    )
    # A default, not auto_now_add, so earlier records keep when they were reported.
    created_at = models.DateTimeField(
        _("reported"), default=timezone.now, editable=False, db_index=True
    )
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
            models.Index(
                fields=["council", "status", "created_at"], name="case_council_status_idx"
            ),
            models.Index(fields=["council", "team", "status", "due_at"], name="case_queue_idx"),
            models.Index(fields=["council", "email_key"], name="case_email_key_idx"),
            models.Index(fields=["council", "postcode"], name="case_postcode_idx"),
            models.Index(fields=["council", "phone_key"], name="case_phone_idx"),
            # Report once, likely duplicates, reports near me and area alerts: requests of
            # a service in a box around a point, read from the index alone
            # (cases.selectors._in_box).
            models.Index(
                fields=["council", "service", "latitude", "longitude", "created_at", "status"],
                name="case_nearby_idx",
            ),
            # The analytics store's incremental refresh: what changed since the last one.
            models.Index(fields=["updated_at"], name="case_updated_idx"),
        ]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")

    def __str__(self) -> str:
        return self.reference

    @property
    def form_service(self) -> Service:
        """The service whose questions the resident answered: the receiving council's,
        for a request handled by another council; otherwise the request's own."""
        return self.received_service or self.service

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        return "open" if self.is_open else "closed"

    def is_overdue(self, now: dt.datetime) -> bool:
        return bool(
            self.is_open
            and self.due_at is not None
            and self.paused_at is None
            and self.due_at < now
        )

    def is_due_soon(self, now: dt.datetime, horizon: dt.datetime) -> bool:
        return bool(
            self.is_open
            and self.due_at is not None
            and self.paused_at is None
            and now <= self.due_at < horizon
        )


# What each status means, in words a resident understands.
STATUS_EXPLANATION = {
    Status.RECEIVED: _("We have your request and will look at it soon."),
    Status.IN_PROGRESS: _("We are working on it."),
    Status.ACTION_SCHEDULED: _("We have planned the work and will do it soon."),
    Status.AWAITING_RESIDENT: _("We need more information from you before we can go on."),
    Status.FIXED: _("We have dealt with it."),
    Status.CLOSED: _("This request is closed."),
    Status.REOPENED: _("This request was opened again and we are looking at it."),
}


def status_display(case: Case) -> dict[str, str]:
    """A status in words a resident understands (presentation lives in ``web``)."""
    explanation = str(STATUS_EXPLANATION[Status(case.status)])
    if case.status == Status.CLOSED and case.closure_reason is not None:
        explanation = case.closure_reason.public_explanation
    return {"label": str(Status(case.status).label), "explanation": explanation}
