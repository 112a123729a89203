"""Open data: each council's settings for publishing, and its releases.

A release is one day's set of files (``opendata.datasets``), built by ``opendata.build``,
checked by ``opendata.check`` and published, or refused, by ``opendata.services``.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.catalogue.models import Service
from onecouncil.core.models import Council


class Licence(models.TextChoices):
    OGL_3 = "ogl-3", _("Open Government Licence v3.0")
    CC_BY_4 = "cc-by-4", _("Creative Commons Attribution 4.0")
    CC0 = "cc0", _("Creative Commons Zero (public domain)")


LICENCE_URLS = {
    Licence.OGL_3: "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    Licence.CC_BY_4: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
}


class Precision(models.TextChoices):
    STREET = "street", _("The street (or the ward, where a street has few homes)")
    WARD = "ward", _("The ward only")


class OpenDataSettings(models.Model):
    """What a council publishes. The smallest count shown is the council's one threshold
    (``InsightSettings.suppression_threshold``), shared with the performance page so that
    one publication can never reveal what another withholds."""

    council = models.OneToOneField(Council, on_delete=models.CASCADE, related_name="+")
    paused = models.BooleanField(
        _("pause daily releases"),
        default=False,
        help_text=_("While paused, no new release is built or published."),
    )
    licence = models.CharField(
        _("licence"), max_length=20, choices=Licence.choices, default=Licence.OGL_3
    )
    location_precision = models.CharField(
        _("where requests are placed"),
        max_length=10,
        choices=Precision.choices,
        default=Precision.STREET,
    )
    keep_releases = models.PositiveSmallIntegerField(
        _("earlier releases kept"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("How many releases stay available for download, the newest included."),
    )
    hold_hours = models.PositiveSmallIntegerField(
        _("hours a release waits before it goes out"),
        default=4,
        validators=[MaxValueValidator(72)],
        help_text=_("Time for an administrator to look at the pending release."),
    )
    build_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The worker's last failure for this council (shown on the Open data page), cleared
    # by its next success.
    last_failure = models.TextField(blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)
    withheld_services = models.ManyToManyField(
        Service,
        blank=True,
        related_name="+",
        verbose_name=_("public services that publish counts only"),
    )

    class Meta:
        verbose_name = _("open data settings")
        verbose_name_plural = _("open data settings")

    def __str__(self) -> str:
        return str(_("Open data settings"))


class ReleaseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to go out")
    REFUSED = "refused", _("Refused by the publication check")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Replaced by newer releases")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Release(models.Model):
    """One day's files. Only ``PUBLISHED`` releases are public; a withdrawn or retired
    release's files are deleted and its addresses answer 410 Gone."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    version = models.DateField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReleaseStatus.choices, default=ReleaseStatus.PENDING
    )
    built_at = models.DateTimeField(default=timezone.now)
    publish_after = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=300, blank=True)
    threshold = models.PositiveSmallIntegerField()
    # The publication check's findings (empty when it passed), as plain sentences.
    problems = models.JSONField(default=list, blank=True)
    # Services whose requests are in the request-level files, by code.
    request_services = models.JSONField(default=list, blank=True)
    # Every file: name -> {"bytes", "sha256", "rows"}.
    files = models.JSONField(default=dict, blank=True)
    build_seconds = models.FloatField(default=0)
    # The day of the oldest request counted: with ``version``, the period it covers.
    covers_from = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("open data release")
        verbose_name_plural = _("open data releases")
        ordering = ("-version",)
        constraints = [
            models.UniqueConstraint(fields=("council", "version"), name="one_release_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.council} {self.version}"

    def file(self, name: str) -> dict[str, Any] | None:
        found = self.files.get(name)
        return found if isinstance(found, dict) else None
