"""A council's settings for its insight: what each channel costs, the baseline and target
for savings, and the smallest count it publishes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.cases.models import Channel
from onecouncil.core.models import Council

if TYPE_CHECKING:  # a type from the stubs, which production installs do not have
    from django_stubs_ext import StrOrPromise

# Published UK figures (Socitm Insight's channel value benchmarking): the cost to a council
# of one transaction by each channel. A council replaces them with its own.
SOCITM_COSTS = {
    "face_to_face": Decimal("8.62"),
    "phone": Decimal("2.83"),
    "web": Decimal("0.15"),
}
SOCITM_SOURCE = _(
    "Socitm Insight, channel value benchmarking: face to face £8.62, telephone £2.83 and "
    "web £0.15 per transaction"
)
# Never publish or show a count below this, whatever a council sets.
SMALLEST_THRESHOLD = 5


def _cost(label: StrOrPromise) -> models.DecimalField[Decimal | None, Decimal | None]:
    return models.DecimalField(
        label,
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )


class InsightSettings(models.Model):
    council = models.OneToOneField(
        Council, on_delete=models.CASCADE, related_name="insight_settings"
    )
    cost_web = _cost(_("cost of a web transaction (£)"))
    cost_phone = _cost(_("cost of a phone transaction (£)"))
    cost_face_to_face = _cost(_("cost of a face-to-face transaction (£)"))
    cost_email = _cost(_("cost of an email transaction (£)"))
    cost_letter = _cost(_("cost of a letter (£)"))
    cost_social = _cost(_("cost of a social media transaction (£)"))
    cost_api = _cost(_("cost of a request from an app (API) (£)"))
    cost_sensor = _cost(_("cost of a request from a sensor (£)"))
    cost_source = models.CharField(
        _("where the costs come from"),
        max_length=300,
        blank=True,
        help_text=_("Shown beside every cost figure."),
    )
    baseline_start = models.DateField(
        _("baseline from"),
        null=True,
        blank=True,
        help_text=_("The period savings are measured against: its cost per transaction."),
    )
    baseline_end = models.DateField(_("baseline to"), null=True, blank=True)
    savings_target = models.DecimalField(
        _("savings target for the year (£)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        _("smallest count shown"),
        default=10,
        validators=[MinValueValidator(SMALLEST_THRESHOLD), MaxValueValidator(1000)],
        help_text=_(
            "Counts below this are withheld on the public performance page and from "
            "councillors for private services, and so are rates and medians of groups "
            "this small. At least 5."
        ),
    )

    class Meta:
        verbose_name = _("insight settings")
        verbose_name_plural = _("insight settings")

    def __str__(self) -> str:
        return str(_("Insight settings"))

    def clean(self) -> None:
        super().clean()
        if (self.baseline_start is None) != (self.baseline_end is None):
            raise ValidationError(
                {"baseline_end": _("Give both dates of the baseline, or neither")}
            )
        if self.baseline_start and self.baseline_end and self.baseline_end < self.baseline_start:
            raise ValidationError({"baseline_end": _("The baseline must end after it starts")})

    def unit_costs(self) -> dict[str, Decimal]:
        """The cost of one transaction by each channel that has one."""
        return {
            channel: cost
            for channel in CHANNELS
            if (cost := getattr(self, f"cost_{channel}")) is not None
        }


# Each channel has its cost field above (tests/insight checks none is missing).
CHANNELS = tuple(Channel.values)


def settings_for(council: Council) -> InsightSettings:
    """The council's insight settings, made with the published defaults the first time."""
    found, _created = InsightSettings.objects.get_or_create(
        council=council,
        defaults={
            **{f"cost_{channel}": cost for channel, cost in SOCITM_COSTS.items()},
            "cost_source": str(SOCITM_SOURCE),
        },
    )
    return found


# --- What residents tell us -----------------------------------------------------------------

SCORES = (
    (5, _("Very satisfied")),
    (4, _("Satisfied")),
    (3, _("Neither satisfied nor dissatisfied")),
    (2, _("Dissatisfied")),
    (1, _("Very dissatisfied")),
)


class Rating(models.Model):
    """How the person who made a request rated the way we dealt with it, once it closed:
    one per request (a second rating replaces the first). The comment is stored with
    emails, phone numbers and postcodes masked; staff read it only through
    ``insight.feedback``."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("rating"), choices=SCORES, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)  # rated again: replaced

    class Meta:
        verbose_name = _("rating")
        indexes = [models.Index(fields=["updated_at"], name="rating_updated_idx")]

    def __str__(self) -> str:
        return f"{self.score}/5"


class PageFeedback(models.Model):
    """An answer to "Is this page useful?": which page (its route, never its address,
    which may hold a reference or a token), yes or no, and a masked comment."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(_("page"), max_length=100)
    useful = models.BooleanField(_("useful"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("page feedback")
        verbose_name_plural = _("page feedback")

    def __str__(self) -> str:
        return self.page


class JourneyEvent(models.TextChoices):
    STARTED = "started", _("Started")
    REACHED = "reached", _("Reached")
    SUBMITTED = "submitted", _("Submitted")
    COMPLETED = "completed", _("Completed")


class JourneyCount(models.Model):
    """How many online journeys started, reached and submitted each step, and finished,
    per service, channel and day: counts only, nothing about who."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    day = models.DateField()
    step = models.CharField(max_length=20)
    event = models.CharField(max_length=10, choices=JourneyEvent.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["council", "service", "channel", "day", "step", "event"],
                name="journey_count_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} {self.event}: {self.count}"
