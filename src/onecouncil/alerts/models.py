"""Area alerts: an email when new reports are made near a place or in a ward."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import CouncilOwned, Membership
from onecouncil.residents.models import Ward


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class AlertQuerySet(models.QuerySet["AreaAlert"]):
    def active(self) -> AlertQuerySet:
        """Confirmed by the address's owner and not stopped: the only ones sent."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class AreaAlert(CouncilOwned):
    """One subscription: within ``radius_metres`` of a point, or in a ward, or (for a
    councillor, ``membership`` set) in the wards they represent, read when sending."""

    objects = AlertQuerySet.as_manager()

    email = models.EmailField(_("email"), blank=True)
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_metres = models.PositiveIntegerField(null=True, blank=True)
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, null=True, blank=True)
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="ward_alert"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Reports made up to this moment have been told (or there were none).
    sent_up_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("area alert")
        verbose_name_plural = _("area alerts")
        constraints = [
            models.CheckConstraint(
                name="alert_has_one_area",
                condition=(
                    Q(
                        latitude__isnull=False,
                        longitude__isnull=False,
                        radius_metres__isnull=False,
                        ward__isnull=True,
                        membership__isnull=True,
                    )
                    | Q(latitude__isnull=True, ward__isnull=False, membership__isnull=True)
                    | Q(latitude__isnull=True, ward__isnull=True, membership__isnull=False)
                ),
            )
        ]
        indexes = [models.Index(fields=["council", "email"], name="alert_email_idx")]

    def __str__(self) -> str:
        return self.place_name
