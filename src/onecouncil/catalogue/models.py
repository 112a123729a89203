"""Service definitions: the common service patterns as data a council edits."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import CouncilOwned, Team


class Pattern(models.TextChoices):
    REPORT = "report", _("Report a problem")
    REQUEST = "request", _("Request a service")
    CHANGE = "change", _("Tell us about a change")
    COMPLAINT = "complaint", _("Make a complaint")


class Phase(models.TextChoices):
    ALPHA = "alpha", _("Alpha")
    BETA = "beta", _("Beta")
    LIVE = "live", _("Live")


class Visibility(models.TextChoices):
    """Who may see a service's requests beyond the person who made them and staff.

    Street problems are public (a public tracking page, the Open311 GET feed, maps, open
    data). Household services anyone may know about show the place only as its ward.
    Anything about a person or a home is private: nothing public beyond "we have it".
    """

    PUBLIC = "public", _("Public: anyone may see the request and where it is")
    WARD = "ward", _("Public, with the place shown only as its ward")
    PRIVATE = "private", _("Private: only the person who made it, and staff")


PUBLIC_VISIBILITIES = frozenset({Visibility.PUBLIC, Visibility.WARD})


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6(1): why the council may use the details a service collects."""

    PUBLIC_TASK = "public_task", _("Public task: the council's functions set by law")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    CONTRACT = "contract", _("Contract (a service the resident pays for)")
    CONSENT = "consent", _("Consent")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (someone's safety)")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests")


class SlaUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    YES_NO = "yes_no", _("Yes or no")
    ONE_OF = "one_of", _("One of a list")
    SEVERAL_OF = "several_of", _("Several of a list")
    PHOTO = "photo", _("Photo")


LIST_KINDS = {QuestionKind.ONE_OF, QuestionKind.SEVERAL_OF}
DEFAULT_MAX_LENGTH = {QuestionKind.SHORT_TEXT: 200, QuestionKind.LONG_TEXT: 4000}


class ServiceGroup(CouncilOwned):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "slug"], name="group_slug_per_council")
        ]
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")

    def __str__(self) -> str:
        return self.name


def _comma_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class BackendFormat(models.TextChoices):
    XML = "xml", _("XML (every Open311 server answers it)")
    JSON = "json", _("JSON")


class Backend(CouncilOwned):
    """A council's existing system that handles some services' requests, reached by
    Open311 GeoReport v2 (an asset system for highways, a waste system for bins).
    Requests of a service sent here are created in OneCouncil as usual, then sent on by
    the worker (``onecouncil.sendon``); status changes come back by polling its
    ``servicerequestupdates`` or by its posting them to ours."""

    name = models.CharField(_("name"), max_length=120)
    base_url = models.URLField(
        _("Open311 base address"),
        max_length=300,
        help_text=_(
            "Where its GeoReport v2 lives, such as https://highways.example.gov.uk/open311/v2/"
        ),
    )
    jurisdiction_id = models.CharField(_("jurisdiction_id"), max_length=100, blank=True)
    api_key = models.CharField(
        _("API key"),
        max_length=200,
        blank=True,
        help_text=_("The key it gave us for posting requests and reading updates."),
    )
    format = models.CharField(
        _("format"), max_length=4, choices=BackendFormat.choices, default=BackendFormat.XML
    )
    poll_minutes = models.PositiveSmallIntegerField(
        _("check for updates every (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text=_("How often the worker reads its servicerequestupdates."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    # Polling state: updates are read from where the last successful read ended.
    polled_up_to = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_poll_error = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="backend_name_per_council")
        ]
        verbose_name = _("system requests are sent to")
        verbose_name_plural = _("systems requests are sent to")

    def __str__(self) -> str:
        return self.name

    def endpoint(self, path: str) -> str:
        """The address of one of its paths (``requests.xml``), after the one slash."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


class Service(CouncilOwned):
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    lgsl_code = models.PositiveIntegerField(
        _("LGSL code"), null=True, blank=True, help_text=_("Local Government Service List code.")
    )
    group = models.ForeignKey(
        ServiceGroup, on_delete=models.PROTECT, related_name="services", verbose_name=_("group")
    )
    pattern = models.CharField(_("pattern"), max_length=20, choices=Pattern.choices)
    description = models.CharField(_("short description"), max_length=400)
    keywords = models.CharField(
        _("keywords"), max_length=400, blank=True, help_text=_("Comma-separated, for search.")
    )
    location_required = models.BooleanField(_("location required"), default=True)
    about_the_home = models.BooleanField(
        _("usually at the resident's home"),
        default=False,
        help_text=_(
            "A missed bin or a repair, say: a signed-in resident's home address is offered "
            "as the place. Leave it off for things in the street (a pothole), whose place "
            "is rarely the reporter's home."
        ),
    )
    anonymous_allowed = models.BooleanField(_("anonymous reports allowed"), default=False)
    urgent_notice = models.TextField(
        _("urgent safety notice"),
        blank=True,
        help_text=_("Shown before the form, for example: If you smell gas, call 0800 111 999."),
    )
    sla_amount = models.PositiveIntegerField(
        _("target"),
        default=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_(
            "Leave empty for a service with no target (compliments, say): its requests "
            "have no due date and are never overdue."
        ),
    )
    sla_unit = models.CharField(
        _("target unit"), max_length=20, choices=SlaUnit.choices, default=SlaUnit.WORKING_DAYS
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("team it routes to"),
    )
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, default=Phase.LIVE)
    visibility = models.CharField(
        _("who may see its requests"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PRIVATE,
        help_text=_(
            "Private unless you choose otherwise. Public requests appear on a public "
            "tracking page, in the Open311 feed and in open data, and others may follow "
            "them; choose public only for problems in a public place."
        ),
    )
    retention_days = models.PositiveIntegerField(
        _("retention period (days)"),
        default=6 * 365,
        help_text=_(
            "How long a closed request keeps the resident's details. After it, the nightly "
            "retention job removes them and keeps only what statistics need."
        ),
    )
    purpose = models.CharField(
        _("why we collect the details"),
        max_length=400,
        blank=True,
        help_text=_("For the privacy notice, for example: to collect the missed bin."),
    )
    lawful_basis = models.CharField(
        _("lawful basis"),
        max_length=30,
        choices=LawfulBasis.choices,
        default=LawfulBasis.PUBLIC_TASK,
    )
    keep_reason = models.CharField(
        _("why the law requires us to keep requests"),
        max_length=300,
        blank=True,
        help_text=_(
            "Fill in only if the law requires these records to be kept (council tax, say): "
            "a request to erase them then restricts them instead, and shows this reason."
        ),
    )
    nearby_radius_metres = models.PositiveIntegerField(
        _("report once: how near (metres)"),
        default=50,
        validators=[MinValueValidator(5), MaxValueValidator(2000)],
        help_text=_(
            "Before a resident gives their details, open requests of this service (and of "
            "related services) this near and this recent are shown, to follow instead."
        ),
    )
    nearby_days = models.PositiveIntegerField(
        _("report once: how recent (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    related_services = models.ManyToManyField(
        "self",
        blank=True,
        verbose_name=_("related services"),
        help_text=_("Reports of these count as the same problem (a blocked drain and flooding)."),
    )
    handled_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_for",
        verbose_name=_("handled by another council"),
        help_text=_(
            "Two-tier areas: residents report here, and the request is made in this other "
            "council's service (highways by the county, say), with its reference number. "
            "Our staff can read it; that council works it."
        ),
    )
    sent_to = models.ForeignKey(
        Backend,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("sent on to"),
        help_text=_(
            "Empty: handled here. Otherwise each request, once made here with our "
            "reference, is sent to this system by Open311 and its status changes are "
            "brought back to the resident."
        ),
    )
    sent_to_code = models.CharField(
        _("its service code"),
        max_length=100,
        blank=True,
        help_text=_("The service_code that system uses for this service; empty: ours."),
    )
    sent_to_attributes = models.JSONField(
        _("its attribute codes"),
        default=dict,
        blank=True,
        help_text=_(
            'Our question codes and the attribute codes it uses for them, such as {"size": '
            '"pothole_size"}; questions not listed are sent with our codes.'
        ),
    )
    other_codes = models.CharField(
        _("the same service at neighbouring councils"),
        max_length=400,
        blank=True,
        help_text=_(
            "Codes of other councils' services that mean this one, comma separated, for "
            "when their residents' place turns out to be ours. Services with the same LGSL "
            "code match without this."
        ),
    )
    is_active = models.BooleanField(_("available to residents"), default=True)
    receives_changes = models.BooleanField(
        _("needs to know when residents change their details"),
        default=False,
        help_text=_(
            "When a resident tells us about a change of name, address, phone or email, this "
            "service's team gets a task with the old and new details."
        ),
    )
    needs_triage = models.BooleanField(
        _("holds requests until they are triaged"),
        default=False,
        help_text=_(
            'For a catch-all service ("Something else", an email inbox, an API client\'s '
            "vague category): its requests wait in the triage queue until the free-text "
            "model (when confident enough) or staff move them to the right service, and "
            "stay out of figures and open data until then. Make it private."
        ),
    )
    asset_type = models.SlugField(
        _("asks which one (asset type)"),
        max_length=50,
        blank=True,
        help_text=_(
            "The code of one of the council's asset types (street-light, say): the place "
            "step asks the resident which one, on the map or from a list of the nearest, "
            "and the request records it. For a two-tier service, the handling council's "
            "asset type of that code."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="service_code_per_council")
        ]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        """Whether its requests are seen by the public at all (see ``Visibility``)."""
        return self.visibility in PUBLIC_VISIBILITIES

    @property
    def shows_exact_place(self) -> bool:
        """Whether the public may see the street and rough coordinates, not just the ward."""
        return self.visibility == Visibility.PUBLIC

    def clean(self) -> None:
        if self.group_id and self.council_id and self.group.council_id != self.council_id:
            raise ValidationError({"group": _("Choose a group of the same council.")})
        if (
            self.team_id
            and self.council_id
            and self.team
            and self.team.council_id != self.council_id
        ):
            raise ValidationError({"team": _("Choose a team of the same council.")})
        if self.sent_to_id is not None and self.sent_to is not None:
            if self.sent_to.council_id != self.council_id:
                raise ValidationError({"sent_to": _("Choose a system of the same council.")})
            if self.handled_by_id is not None:
                raise ValidationError(
                    {"sent_to": _("A service handled by another council is sent on by it.")}
                )
        if not isinstance(self.sent_to_attributes, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip()
            for k, v in self.sent_to_attributes.items()
        ):
            raise ValidationError(
                {"sent_to_attributes": _('Give pairs of codes, like {"size": "pothole_size"}.')}
            )
        if self.handled_by_id is not None and self.handled_by is not None:
            if self.handled_by.council_id == self.council_id:
                raise ValidationError(
                    {"handled_by": _("Choose another council's service, or leave it empty.")}
                )
            if self.handled_by.handled_by_id is not None:
                raise ValidationError(
                    {
                        "handled_by": _(
                            "That service is itself handled elsewhere: "
                            "choose the one that handles it."
                        )
                    }
                )

    @property
    def other_code_list(self) -> list[str]:
        return _comma_list(self.other_codes)

    @property
    def keyword_list(self) -> list[str]:
        return _comma_list(self.keywords)


class Question(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("question"), max_length=300)
    hint = models.CharField(_("hint"), max_length=400, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    options = models.JSONField(
        _("options"),
        default=list,
        blank=True,
        help_text=_('For list questions: [{"value": "general", "label": "General waste"}, ...]'),
    )
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    min_value = models.DecimalField(
        _("minimum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    allow_future_dates = models.BooleanField(_("allow dates in the future"), default=False)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="question_code_per_service")
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.kind in LIST_KINDS:
            if not isinstance(self.options, list) or not self.options:
                raise ValidationError({"options": _("List questions need at least one option.")})
            for option in self.options:
                if not (
                    isinstance(option, dict)
                    and str(option.get("value", "")).strip()
                    and str(option.get("label", "")).strip()
                ):
                    raise ValidationError({"options": _("Each option needs a value and a label.")})
            values = [str(o["value"]) for o in self.options]
            if len(set(values)) != len(values):
                raise ValidationError({"options": _("Option values must be different.")})
        elif self.options:
            raise ValidationError({"options": _("Only list questions have options.")})
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValidationError({"max_value": _("The maximum is below the minimum.")})

    @property
    def effective_max_length(self) -> int | None:
        return self.max_length or DEFAULT_MAX_LENGTH.get(QuestionKind(self.kind))

    def option_label(self, value: str) -> str:
        for option in self.options:
            if str(option["value"]) == value:
                return str(option["label"])
        return value


class SearchSynonym(CouncilOwned):
    """A word or short phrase residents use, and the concept words the catalogue uses for it.

    "lamp post" means "street light"; "noisy" means "noise". A synonym maps words to
    words, never a whole phrasing to a service: the search still ranks every service.
    """

    MAX_TERM_WORDS = 3
    MAX_MEANING_WORDS = 4

    term = models.CharField(
        _("what residents type"),
        max_length=60,
        help_text=_("A word or a phrase of up to 3 words, for example: lamp post."),
    )
    means = models.CharField(
        _("what it means"),
        max_length=80,
        help_text=_("Up to 4 words the services use, for example: street light."),
    )

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["council", "term"], name="synonym_term_per_council")
        ]
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self) -> str:
        return f"{self.term} → {self.means}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        term_words = self.term.split()
        if not term_words:
            errors["term"] = _("Enter a word or a short phrase.")
        elif len(term_words) > self.MAX_TERM_WORDS:
            errors["term"] = _("Use a word or a phrase of up to 3 words, not a whole sentence.")
        meaning_words = self.means.split()
        if not meaning_words:
            errors["means"] = _("Enter the words the services use.")
        elif len(meaning_words) > self.MAX_MEANING_WORDS:
            errors["means"] = _("Use up to 4 words.")
        if errors:
            raise ValidationError(errors)
        self.term = " ".join(term_words).lower()
        self.means = " ".join(meaning_words).lower()
