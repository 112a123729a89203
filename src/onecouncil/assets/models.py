"""The council's things: street lights, litter bins, gullies, trees... each with the
identifier the council's own systems use, a type (with its attribute schema), a place,
its ward and the team that looks after it.

Written only by the import (``assets.imports``) and the admin; read through
``assets.selectors``. A request records the asset it is about (``Case.asset``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import CouncilOwned, Team
from onecouncil.residents.models import Ward


class Geometry(models.TextChoices):
    POINT = "point", _("Point")
    LINE = "line", _("Line")
    AREA = "area", _("Area")


class AssetType(CouncilOwned):
    """A kind of thing, and what the council records about each one: ``attributes`` is
    a list of ``{"code", "label", "kind": "text" | "number" | "choice", "choices",
    "required"}``."""

    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100, help_text=_("Singular: 'Street light'."))
    geometry = models.CharField(
        _("shape"), max_length=10, choices=Geometry.choices, default=Geometry.POINT
    )
    attributes = models.JSONField(_("attribute schema"), default=list, blank=True)
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("team"),
        help_text=_("Looks after assets of this type unless an asset names its own."),
    )

    class Meta:
        verbose_name = _("asset type")
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="asset_type_code_per_council")
        ]

    def __str__(self) -> str:
        return str(self.name)


class AssetStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")
    RETIRED = "retired", _("Retired")


class Asset(CouncilOwned):
    identifier = models.CharField(
        _("identifier"),
        max_length=60,
        help_text=_("As the council's own systems name it, and as written on its post or lid."),
    )
    asset_type = models.ForeignKey(
        AssetType, on_delete=models.PROTECT, related_name="assets", verbose_name=_("type")
    )
    # Where: a point (a line's or an area's middle, for those), with the shape itself
    # as GeoJSON (WGS84) when the type is a line or an area.
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    shape = models.TextField(_("shape (GeoJSON)"), blank=True)
    place_name = models.CharField(
        _("where"), max_length=200, blank=True, help_text=_("Like 'outside 14 Mill Lane'.")
    )
    ward = models.ForeignKey(Ward, on_delete=models.SET_NULL, null=True, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.IN_SERVICE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("asset")
        constraints = [
            models.UniqueConstraint(
                fields=["council", "identifier"], name="asset_identifier_per_council"
            )
        ]
        indexes = [
            models.Index(
                fields=["council", "asset_type", "latitude", "longitude"], name="asset_place_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_type.name} {self.identifier}"

    @property
    def label(self) -> str:
        """How the asset is named to people: 'Street light RB-SL-0042, near 14 Mill Lane'."""
        if self.place_name:
            return gettext("%(type)s %(identifier)s, near %(place)s") % {
                "type": self.asset_type.name,
                "identifier": self.identifier,
                "place": self.place_name,
            }
        return gettext("%(type)s %(identifier)s") % {
            "type": self.asset_type.name,
            "identifier": self.identifier,
        }
