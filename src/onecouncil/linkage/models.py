"""The council's source systems (council tax, electoral register, waste accounts…) and the
records their extracts hold, in linkage's one shape (``standardise.COLUMNS``).

A source says who owns it, the lawful basis on which the council holds its data, the
purposes it may be used for (a source whose basis restricts it, like the full electoral
register, is linked and shown only for those), how long its records are kept, and how its
extract's columns map to the person fields. Each import is recorded with what it changed.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import CouncilOwned
from onecouncil.linkage.standardise import PERSON_FIELDS
from onecouncil.residents.models import Person

PERSON_FIELD_LABELS = {
    "first_name": _("First name"),
    "surname": _("Surname"),
    "dob": _("Date of birth"),
    "house_number": _("House number or name"),
    "street": _("Street"),
    "town": _("Town"),
    "postcode": _("Postcode"),
    "uprn": _("UPRN"),
    "email": _("Email address"),
    "phone": _("Phone number"),
}


class LawfulBasis(models.TextChoices):
    PUBLIC_TASK = "public_task", _("Public task (UK GDPR article 6(1)(e))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (article 6(1)(c))")
    CONTRACT = "contract", _("Contract (article 6(1)(b))")
    CONSENT = "consent", _("Consent (article 6(1)(a))")


class Purpose(models.TextChoices):
    SINGLE_VIEW = "single_view", _("A single view of the resident for staff")
    TELL_US_ONCE = "tell_us_once", _("Telling other services of a change (tell us once)")
    ELECTORAL = "electoral", _("Electoral registration")
    REVENUES = "revenues", _("Council tax and benefits")


class SourceSystem(CouncilOwned):
    name = models.CharField(_("name"), max_length=120)
    owner = models.CharField(_("owner"), max_length=200, help_text=_("The team or officer."))
    lawful_basis = models.CharField(_("lawful basis"), max_length=20, choices=LawfulBasis.choices)
    purposes = models.JSONField(
        _("purposes"), default=list, help_text=_("What its data may be used for.")
    )
    restricted = models.BooleanField(
        _("restricted to its purposes"),
        default=False,
        help_text=_("Linked and shown only for its purposes (the full electoral register, say)."),
    )
    retention_days = models.PositiveIntegerField(
        _("keep records for (days)"),
        default=6 * 365,
        help_text=_("After an import no longer holds a record, it is kept this long."),
    )
    id_column = models.CharField(
        _("identifier column"), max_length=100, help_text=_("The extract's own record number.")
    )
    mapping = models.JSONField(
        _("column mapping"),
        default=dict,
        help_text=_('Person field to the extract\'s column, like {"surname": "LAST_NAME"}.'),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Tell us once across systems: a change of details for someone this system knows
    # becomes a task in this service's queue (the team that keeps the system up to date).
    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("changes of details go to"),
        help_text=_("The service whose team updates this system when a resident tells us."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("source system")
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="source_name_per_council")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems: dict[str, str] = {}
        unknown = sorted(set(self.mapping or {}) - set(PERSON_FIELDS))
        if unknown:
            problems["mapping"] = _("No person field %(fields)s") % {"fields": ", ".join(unknown)}
        purposes = sorted(set(self.purposes or []) - set(Purpose.values))
        if purposes:
            problems["purposes"] = _("No purpose %(names)s") % {"names": ", ".join(purposes)}
        if problems:
            raise ValidationError(problems)

    @property
    def purpose_labels(self) -> list[str]:
        return [str(Purpose(p).label) for p in self.purposes or [] if p in Purpose.values]

    @property
    def mapping_labels(self) -> list[tuple[str, str]]:
        """Each person field's label and the extract's column for it."""
        return [
            (str(PERSON_FIELD_LABELS[f]), c)
            for f, c in (self.mapping or {}).items()
            if c and f in PERSON_FIELD_LABELS
        ]

    @property
    def fields(self) -> list[str]:
        """The person fields it holds."""
        return [f for f in PERSON_FIELDS if (self.mapping or {}).get(f)]


# What a data officer sets when registering a source (``linkage.sources.source_save``).
SOURCE_SETTINGS = (
    "name",
    "owner",
    "lawful_basis",
    "purposes",
    "restricted",
    "retention_days",
    "service",
    "id_column",
    "mapping",
)


class SourceRecord(models.Model):
    """One record of a source, as its last import had it (in the standard forms)."""

    source = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="records")
    source_key = models.CharField(max_length=200)
    values = models.JSONField(default=dict)
    digest = models.CharField(max_length=64)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="source_records"
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    gone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_key"], name="source_record_once")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.source_key}"


class SourceImport(models.Model):
    """What one import of an extract did."""

    source = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(max_length=200)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.CharField(max_length=200, blank=True)
    rows = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    gone = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.source}: {self.file_name} at {self.imported_at:%Y-%m-%d %H:%M}"


class RecordKind(models.TextChoices):
    SOURCE = "source", _("Source system record")
    ACCOUNT = "account", _("Resident's account")
    REQUEST = "request", _("Reporter of a request")


def _value(length: int) -> models.CharField:
    """A compared value: missing is NULL, as SQL's equality needs (NULL equals nothing,
    where "" would equal every other missing value)."""
    return models.CharField(max_length=length, null=True, blank=True)


class LinkRecord(CouncilOwned):
    """One record in the person index: a source system's record, a resident's account or
    the reporter of a request, in the standard forms (``standardise.COLUMNS``), with the
    person linkage found it to be. Indexed on each blocking rule, so that the matcher at
    the moment of contact finds its candidates in a few index lookups."""

    key = models.CharField(max_length=60)  # "source:12", "account:5", "request:930"
    kind = models.CharField(max_length=10, choices=RecordKind.choices)
    source = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, null=True, blank=True)
    ref_id = models.BigIntegerField()  # the SourceRecord's, Account's or request's id
    first_name = _value(100)
    surname = _value(100)
    dob = _value(10)
    house_number = _value(60)
    street = _value(200)
    town = _value(100)
    postcode = _value(10)
    uprn = _value(20)
    email = _value(254)
    phone = _value(20)
    digest = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now)
    # The OneCouncil person the record already belonged to (a verified email address):
    # a hint linkage keeps when it chooses each cluster's person.
    known_person_id = models.BigIntegerField(null=True, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="link_records"
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    match_probability = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["council", "key"], name="link_record_once")]
        indexes = [
            models.Index(fields=["council", "surname", "dob"], name="link_surname_dob"),
            models.Index(fields=["council", "first_name", "dob"], name="link_first_dob"),
            models.Index(fields=["council", "postcode", "house_number"], name="link_postcode"),
            models.Index(fields=["council", "first_name", "surname"], name="link_names"),
            models.Index(fields=["council", "email"], name="link_email"),
            models.Index(fields=["council", "phone"], name="link_phone"),
            models.Index(fields=["council", "uprn"], name="link_uprn"),
            models.Index(fields=["council", "kind", "ref_id"], name="link_kind_ref"),
        ]

    def __str__(self) -> str:
        return self.key

    def values(self) -> dict[str, Any]:
        """The record in ``standardise.COLUMNS``."""
        return {
            "unique_id": self.key,
            **{f: getattr(self, f) for f in PERSON_FIELDS},
            "postcode_area": self.postcode.split(" ")[0]
            if self.postcode and " " in self.postcode
            else None,
        }


class LinkModel(CouncilOwned):
    """A trained linkage model, versioned with the date of the data it learnt from."""

    version = models.PositiveIntegerField()
    trained_at = models.DateTimeField(default=timezone.now)
    data_as_of = models.DateTimeField()
    records = models.PositiveIntegerField()
    settings = models.JSONField()
    # Values present in each term-frequency column when it was trained and last run: the
    # matcher's denominators, as Splink's own term-frequency tables have them.
    tf_totals = models.JSONField(default=dict)
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["council", "version"], name="link_model_version")
        ]

    def __str__(self) -> str:
        return f"Model {self.version} ({self.data_as_of:%Y-%m-%d})"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("To review")
    SAME = "same", _("The same person")
    DIFFERENT = "different", _("Different people")


class PairReview(CouncilOwned):
    """Two records linkage was unsure of, or a decision about two records. A decision
    binds every later run: "different" is never linked again, "same" always is."""

    left = models.ForeignKey(LinkRecord, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(LinkRecord, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField(null=True, blank=True)
    match_weight = models.FloatField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-match_probability", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="pair_review_once"),
            models.CheckConstraint(
                condition=models.Q(left__lt=models.F("right")), name="pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["council", "status"], name="pair_review_status")]

    def __str__(self) -> str:
        return f"{self.left} / {self.right}: {self.status}"


class IndexState(CouncilOwned):
    """How far the matcher at the moment of contact has read, and the last batch run."""

    last_account_id = models.BigIntegerField(default=0)
    last_request_id = models.BigIntegerField(default=0)
    changes_since = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run = models.JSONField(default=dict, blank=True)
    # A data officer asked for a run (and a new model) from the model page: the insight
    # worker runs it at its next round.
    run_requested = models.BooleanField(default=False)
    retrain_requested = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["council"], name="index_state_once")]

    def __str__(self) -> str:
        return f"Person index of {self.council_id}"
