"""What the free-text model keeps: each council's settings, its trained models (versioned,
with their figures on held-out data) and which suggestions residents and staff took."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import Council, CouncilOwned

_PROBABILITY = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]


class TriageSettings(models.Model):
    council = models.OneToOneField(Council, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(
        _("suggest services from residents' own words"),
        default=True,
        help_text=_("Off: no suggestions anywhere, and no model is trained."),
    )
    threshold_web = models.DecimalField(
        _("confidence to pre-select on the web and for advisers"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=_PROBABILITY,
        help_text=_(
            "From 0 to 1: 0.5 means the model is half sure. Below it the suggestions are "
            "listed without one chosen."
        ),
    )
    threshold_email = models.DecimalField(
        _("confidence to route an email by itself"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.70"),
        validators=_PROBABILITY,
        help_text=_("From 0 to 1. Below it the email waits in the triage queue."),
    )
    threshold_api = models.DecimalField(
        _("confidence to route an API request by itself"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.70"),
        validators=_PROBABILITY,
        help_text=_("From 0 to 1. Below it the request waits in the triage queue."),
    )
    retrain_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("free-text triage settings")
        verbose_name_plural = _("free-text triage settings")

    def __str__(self) -> str:
        return str(_("Free-text triage settings"))


class TrainedModel(CouncilOwned):
    """One training of a council's model. The newest is the one in use."""

    version = models.PositiveIntegerField()
    trained_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)
    history_examples = models.PositiveIntegerField(default=0)
    corrections = models.PositiveIntegerField(default=0)
    services = models.PositiveIntegerField(default=0)
    catalogue_version = models.CharField(max_length=64, blank=True)
    blob = models.BinaryField()
    holdout = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["council", "version"], name="one_triage_version")
        ]

    def __str__(self) -> str:
        return f"{self.council_id} v{self.version}"

    @property
    def from_history(self) -> bool:
        return bool(self.holdout)


class SuggestionTaken(CouncilOwned):
    """Which service a person chose after seeing suggestions: the suggestions' codes and
    the choice, never the words (they stay with the request)."""

    model_version = models.PositiveIntegerField()
    channel = models.CharField(max_length=20)
    suggested = models.JSONField(default=list)
    chosen = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.chosen or '-'} of {', '.join(self.suggested)}"

    @property
    def accepted(self) -> bool:
        return self.chosen in self.suggested


class TriageLook(CouncilOwned):
    """What the model said about a request waiting for triage, once: which version, its
    suggestions (codes and probabilities) and where it routed it, if it did."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    model_version = models.PositiveIntegerField()
    suggested = models.JSONField(default=list)
    routed_to = models.CharField(max_length=60, blank=True)
    looked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.case_id}: {self.routed_to or 'waiting'}"
