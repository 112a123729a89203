"""The council's source systems (council tax, electoral register, waste accounts…) and the
records their extracts hold, in linkage's one shape (``standardise.COLUMNS``).

A source says who owns it, the lawful basis on which the council holds its data, the
purposes it may be used for (a source whose basis restricts it, like the full electoral
register, is linked and shown only for those), how long its records are kept, and how its
extract's columns map to the person fields. Each import is recorded with what it changed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import CouncilOwned
from onecouncil.linkage.standardise import PERSON_FIELDS
from onecouncil.residents.models import Person


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
    def fields(self) -> list[str]:
        """The person fields it holds."""
        return [f for f in PERSON_FIELDS if (self.mapping or {}).get(f)]


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
