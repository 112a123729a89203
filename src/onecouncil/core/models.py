"""The shared kernel: councils (tenancy), staff memberships and teams."""

from __future__ import annotations

import re
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # and six hex digits."))
PREFIX = RegexValidator(
    r"^[A-HJKMNP-TV-Z]{2,4}$",
    _("Use 2 to 4 capital letters, avoiding I, L, O and U which are easily misread."),
)


def _relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(hex_colour: str) -> float:
    return 1.05 / (_relative_luminance(hex_colour) + 0.05)


def validate_brand_colour(value: str) -> None:
    HEX_COLOUR(value)
    if contrast_with_white(value) < 4.5:
        raise ValidationError(
            _("White text on this colour is hard to read. Choose a darker colour.")
        )


def validate_public_base_url(value: str) -> None:
    """An absolute http(s) address with no query string or fragment."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter the full web address, like https://report.riverbend.gov.uk"))
    if parts.query or parts.fragment:
        raise ValidationError(_("The web address must not have a ? or # part"))


def validate_tiles_url(value: str) -> None:
    """A tile server's address: https, with the {z}, {x} and {y} placeholders."""
    parts = urlsplit(value.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError(
            _("Enter an https address, like https://tiles.example.org/{z}/{x}/{y}.png")
        )
    if not all(p in value for p in ("{z}", "{x}", "{y}")):
        raise ValidationError(_("The address must hold {z}, {x} and {y}"))


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("Enter a time zone such as Europe/London."))


class Council(models.Model):
    """A council served by this deployment. Everything a council owns points here."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True, help_text=_("Used in web addresses."))
    reference_prefix = models.CharField(
        _("reference prefix"), max_length=4, unique=True, validators=[PREFIX]
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    bank_holiday_region = models.CharField(
        _("bank holiday calendar"),
        max_length=3,
        default="ENG",
        choices=[
            ("ENG", _("England and Wales")),
            ("SCT", _("Scotland")),
            ("NIR", _("Northern Ireland")),
        ],
    )
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    publish_descriptions_automatically = models.BooleanField(
        _("publish descriptions with nothing personal in them at once"),
        default=False,
        help_text=_(
            "A public request's description goes on its public page as soon as it is made "
            "when it names no email address, phone number, postcode or the person who made "
            "it. Otherwise, and for photos always, a member of staff decides."
        ),
    )
    opening_hours = models.CharField(
        _("phone opening hours"),
        max_length=200,
        blank=True,
        help_text=_(
            "When the phone is answered, as residents read it: Monday to Friday, 9am to 5pm"
        ),
    )
    website = models.URLField(_("website"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    logo_text = models.CharField(_("logo text"), max_length=80)
    brand_colour = models.CharField(
        _("brand colour"), max_length=7, default="#1d70b8", validators=[validate_brand_colour]
    )
    public_base_url = models.URLField(
        _("public web address"),
        validators=[validate_public_base_url],
        help_text=_(
            "Where residents reach this council's front door, for every link in emails, "
            "text messages and APIs, for example https://report.riverbend.gov.uk"
        ),
    )
    reopen_window_days = models.PositiveSmallIntegerField(
        _("days a resident may reopen a closed request"), default=28
    )
    due_soon_working_days = models.PositiveSmallIntegerField(
        _("working days ahead that count as due soon"),
        default=2,
        validators=[MaxValueValidator(30)],
    )
    audit_retention_days = models.PositiveIntegerField(
        _("how long the audit trail is kept (days)"),
        default=2 * 365,
        validators=[MinValueValidator(90)],
        help_text=_(
            "Audit entries (who saw or changed what) older than this are deleted by the "
            "nightly retention job. At least 90 days."
        ),
    )
    dpo_contact = models.CharField(
        _("data protection officer contact"),
        max_length=300,
        blank=True,
        help_text=_("Shown on the privacy notice, for example dpo@riverbend.gov.uk."),
    )
    map_tiles_url = models.CharField(
        _("map tiles address"),
        max_length=300,
        blank=True,
        validators=[validate_tiles_url],
        help_text=_(
            "Optional raster tiles under the council's own streets and wards, as "
            "https://host/path/{z}/{x}/{y}.png (OS Maps API, OpenStreetMap or your own "
            "server; docs/places.md). Empty: maps use only the council's own data."
        ),
    )
    map_tiles_attribution = models.CharField(
        _("map tiles attribution"),
        max_length=300,
        blank=True,
        help_text=_("Shown on every map with the tiles, as their licence requires."),
    )
    geography_attribution = models.CharField(
        _("boundaries and streets attribution"),
        max_length=300,
        blank=True,
        help_text=_(
            "Shown wherever the imported boundaries and streets are drawn, such as "
            "'Contains OS data © Crown copyright and database right 2026'."
        ),
    )
    open311_open_reopens = models.BooleanField(
        _("an Open311 client's OPEN reopens a closed request"),
        default=False,
        help_text=_(
            "Off (the default): only REOPEN reopens. A client that sends OPEN on a request "
            "staff have closed usually has a stale view, so it is recorded for staff and "
            "the request stays closed."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    catalogue_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("Goes up whenever the catalogue changes; cached pages of it follow."),
    )
    catalogue_changed_at = models.DateTimeField(
        null=True,
        editable=False,
        help_text=_("When the catalogue last changed: Open311 discovery's changeset."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("council")
        verbose_name_plural = _("councils")

    def __str__(self) -> str:
        return self.name


class CouncilHostname(models.Model):
    """A host name (the council's own domain) that serves one council."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="hostnames")
    hostname = models.CharField(_("host name"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("host name")
        verbose_name_plural = _("host names")

    def __str__(self) -> str:
        return self.hostname

    def clean(self) -> None:
        self.hostname = self.hostname.strip().lower()
        if not re.fullmatch(r"[a-z0-9.-]+(:\d+)?", self.hostname):
            raise ValidationError(
                {"hostname": _("Enter a host name such as report.example.gov.uk")}
            )


class CouncilOwned(models.Model):
    """Base for every row that belongs to one council."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Role(models.TextChoices):
    ADVISER = "adviser", _("Contact-centre adviser")
    CASE_OFFICER = "case_officer", _("Case officer")
    TEAM_LEADER = "team_leader", _("Team leader")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    ADMINISTRATOR = "administrator", _("Council administrator")
    COUNCILLOR = "councillor", _("Councillor")
    DATA_OFFICER = "data_officer", _("Data officer")


class Team(CouncilOwned):
    """A team of staff that owns services and works their requests."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"))
    email = models.EmailField(_("team email"), blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "slug"], name="team_slug_per_council")
        ]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Membership(CouncilOwned):
    """A member of staff's role in one council (a person may work for several)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    ward_codes = models.JSONField(
        _("wards"),
        default=list,
        blank=True,
        help_text=_("For councillors: the codes of the wards they represent."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "user"], name="one_membership_per_council")
        ]
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.council})"


class AuditAction(models.TextChoices):
    """What an audit entry records, in words an administrator reads."""

    VIEW_CASE = "view_case", _("Viewed a request")
    VIEW_PERSONAL_DATA = "view_personal_data", _("Viewed a request with the resident's details")
    VIEW_RESIDENT_PROFILE = "view_resident_profile", _("Viewed a resident's account")
    SEARCH = "search", _("Searched")
    EXPORT_CSV = "export_csv", _("Exported requests (CSV)")
    SIGN_IN = "sign_in", _("Signed in")
    INVITE_STAFF = "invite_staff", _("Invited a member of staff")
    RESET_TWO_FACTOR = "reset_two_factor", _("Reset a member of staff's two-factor sign-in")
    SUBJECT_ACCESS = "subject_access", _("Downloaded everything held about a person")
    ERASE_PERSON = "erase_person", _("Erased or restricted a person's details")
    RETENTION = "retention", _("Removed details past their retention period")
    LEGAL_HOLD = "legal_hold", _("Placed or lifted a legal hold")
    OPEN_DATA = "open_data", _("Changed open data settings or withdrew a release")
    API_KEY = "api_key", _("Issued or revoked an API key")
    LINKAGE_DECISION = "linkage_decision", _("Decided whether two records are one person")
    PERSON_SPLIT = "person_split", _("Split a person's records into two people")
    SOURCE_IMPORT = "source_import", _("Registered a source system or imported its extract")


class AuditEntry(models.Model):
    """Who saw or changed what, when and from where. Append-only; reviewed by administrators."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user_label = models.CharField(max_length=200)
    action = models.CharField(_("action"), max_length=60, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_ref = models.CharField(_("object"), max_length=100)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["council", "-created_at"], name="audit_council_idx")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.user_label} {self.action} {self.object_ref}"


class FailedLogin(models.Model):
    """A failed staff sign-in, counted to throttle guessing."""

    username = models.CharField(max_length=150, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.ip_address}"
