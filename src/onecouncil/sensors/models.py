"""Devices that report by themselves, what they said, and the rules that turn what they
say into requests.

Written by ``sensors.ingest`` (readings, rejections), ``sensors.rules`` (rule states)
and the admin (devices, rules); requests are made only through the one writer."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.assets.models import Asset
from onecouncil.catalogue.models import Service
from onecouncil.core.models import CouncilOwned
from onecouncil.sensors.kinds import DeviceKind


class Device(CouncilOwned):
    identifier = models.SlugField(
        _("identifier"), max_length=60, help_text=_("As the device names itself in its topic.")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DeviceKind.choices)
    asset = models.ForeignKey(
        Asset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("fitted to"),
    )
    # The device's secret, issued once (``device_credentials_issue``): its SHA-256 for the
    # HTTPS endpoint's bearer token, and Mosquitto's own hash of it for the broker's
    # password file. Neither can be turned back into the secret.
    token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    broker_hash = models.CharField(max_length=200, blank=True, editable=False)
    expected_interval_minutes = models.PositiveIntegerField(
        _("expected reporting interval (minutes)"),
        default=60,
        help_text=_("A device silent for twice this long is reported as silent."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_values = models.JSONField(default=dict, blank=True)
    battery_level = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("device")
        constraints = [
            models.UniqueConstraint(
                fields=["council", "identifier"], name="device_identifier_per_council"
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier} ({self.kind})"

    def is_silent(self, now: dt.datetime) -> bool:
        """Nothing for twice its expected interval (or never anything at all)."""
        if self.last_seen_at is None:
            return True
        return now - self.last_seen_at >= dt.timedelta(minutes=2 * self.expected_interval_minutes)


class Reading(models.Model):
    """One reading, kept as a time series: raw for ``SENSOR_RAW_DAYS``, then one an hour
    (``hourly``: the hour's mean of each number, the last word)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="readings")
    observed_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    values = models.JSONField(default=dict)
    hourly = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "observed_at"], name="one_reading_per_moment")
        ]
        indexes = [models.Index(fields=["hourly", "observed_at"], name="reading_age_idx")]

    def __str__(self) -> str:
        return f"{self.device_id} at {self.observed_at:%Y-%m-%d %H:%M:%S}"


class Rejection(CouncilOwned):
    """Readings refused, counted per device (or per unknown identifier) and reason, for
    administrators: never a crash, never a request."""

    identifier = models.CharField(max_length=60)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, null=True, blank=True)
    reason = models.CharField(max_length=30)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField(default=timezone.now)
    last_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["council", "identifier", "reason"], name="one_count_per_reason"
            )
        ]


class Condition(models.TextChoices):
    ABOVE = "above", _("At or above a threshold")
    BELOW = "below", _("At or below a threshold")
    ONE_OF = "one_of", _("Reports one of these words (a fault status)")
    SILENT = "silent", _("Silent for twice its expected interval")


class Rule(CouncilOwned):
    """When a kind of device's readings should become a request."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("device kind"), max_length=30, choices=DeviceKind.choices)
    condition = models.CharField(_("condition"), max_length=10, choices=Condition.choices)
    property = models.CharField(
        _("property"), max_length=40, blank=True, help_text=_("fillingLevel, status...")
    )
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    clear_at = models.FloatField(
        _("clears at"),
        null=True,
        blank=True,
        help_text=_("Hysteresis: above 0.8 fires, below 0.5 clears. Blank: the threshold."),
    )
    words = models.CharField(
        _("words"), max_length=200, blank=True, help_text=_("Comma-separated, for a status.")
    )
    hold_minutes = models.PositiveIntegerField(
        _("held for (minutes)"), default=0, help_text=_("How long it must hold before it fires.")
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Blank: the service that asks for the device's asset's type."),
    )
    answers = models.JSONField(
        _("answers"), default=dict, blank=True, help_text=_("To the service's questions.")
    )
    close_when_clear = models.BooleanField(_("close the request when it clears"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sensor rule")

    def __str__(self) -> str:
        return str(self.name)


class RuleState(models.Model):
    """Where a rule stands for one device: since when its condition has held, whether it
    has fired, and the request it raised (or joined)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="rule_states")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="states")
    held_since = models.DateTimeField(null=True, blank=True)
    firing = models.BooleanField(default=False)
    case_reference = models.CharField(max_length=20, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "rule"], name="one_state_per_rule")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.device_id}: {'firing' if self.firing else 'quiet'}"
