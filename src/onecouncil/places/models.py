"""A council's geography as data: its boundary, its wards' shapes, and its streets.

Geometry is stored as GeoJSON text in WGS84 (longitude, latitude) with a bounding box
for quick filtering; shapely does every geometric test (``places.lookup``). Imports
(``places.imports``) are the only writers.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import Council, CouncilOwned
from onecouncil.residents.models import Ward


class BBoxed(models.Model):
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    geometry = models.TextField(help_text=_("GeoJSON geometry, WGS84 (longitude, latitude)."))

    class Meta:
        abstract = True


class CouncilBoundary(BBoxed):
    """The area a council serves: given, or the union of its wards."""

    council = models.OneToOneField(Council, on_delete=models.CASCADE, related_name="boundary")
    from_wards = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("council boundary")
        verbose_name_plural = _("council boundaries")

    def __str__(self) -> str:
        return str(self.council)


class WardBoundary(BBoxed):
    ward = models.OneToOneField(Ward, on_delete=models.CASCADE, related_name="boundary")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("ward boundary")
        verbose_name_plural = _("ward boundaries")

    def __str__(self) -> str:
        return str(self.ward)


class StreetLine(CouncilOwned, BBoxed):
    """A street's line (OS Open Roads, or the council's USRN lines)."""

    name = models.CharField(_("name"), max_length=200)
    usrn = models.BigIntegerField(_("USRN"), null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["council", "min_lat", "min_lon"], name="street_bbox_idx"),
        ]
        verbose_name = _("street")
        verbose_name_plural = _("streets")

    def __str__(self) -> str:
        return self.name


class HelpOffered(models.TextChoices):
    DEVICES = "devices", _("Computers or tablets to use")
    WIFI = "wifi", _("Free wifi")
    ONE_TO_ONE = "one_to_one", _("One-to-one help")
    CLASSES = "classes", _("Classes for beginners")
    LOAN = "loan", _("Devices or data to borrow")


class HelpPlaceKind(models.TextChoices):
    LIBRARY = "library", _("Library")
    COMMUNITY_CENTRE = "community_centre", _("Community centre")
    DIGITAL_CHAMPION = "digital_champion", _("Digital champion")
    ONLINE_CENTRE = "online_centre", _("Online centre (national network)")
    COUNCIL_OFFICE = "council_office", _("Council office")


class DigitalHelpPlace(CouncilOwned):
    """Somewhere near residents that helps people get online: a library, a community
    centre, a digital champion, a centre of the national network of online centres. Its
    own record (not a staff team), kept by the council, shown at ``/help-online/``."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=HelpPlaceKind.choices)
    address = models.TextField(_("address"))
    postcode = models.CharField(_("postcode"), max_length=8)
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, help_text=_("Left blank: the postcode's.")
    )
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    opening_times = models.TextField(_("opening times"))
    help_offered = models.JSONField(
        _("help offered"),
        default=list,
        blank=True,
        help_text=_("Codes from: %(codes)s") % {"codes": ", ".join(HelpOffered.values)},
    )
    languages = models.CharField(
        _("languages spoken"),
        max_length=200,
        blank=True,
        help_text=_("For example: English, Welsh, Polish"),
    )
    accessibility = models.TextField(_("accessibility"), blank=True)
    how_to_book = models.TextField(_("how to book"), help_text=_("Or that no booking is needed."))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("shown to residents"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("digital help place")
        verbose_name_plural = _("digital help places")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        unknown = sorted(set(self.help_offered or []) - set(HelpOffered.values))
        if unknown:
            raise ValidationError(
                {"help_offered": _("No kind of help %(codes)s") % {"codes": ", ".join(unknown)}}
            )

    @property
    def help_labels(self) -> list[str]:
        return [
            str(HelpOffered(h).label) for h in self.help_offered or [] if h in HelpOffered.values
        ]
