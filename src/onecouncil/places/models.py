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
