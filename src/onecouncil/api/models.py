"""API keys for client applications, their rate-limit windows, and Open311 requests
queued because they could not be created at once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import CouncilOwned, Role


class KeyKind(models.TextChoices):
    OPEN311 = "open311", _("Open311 client")
    REST = "rest", _("REST API integration")


class ApiKey(CouncilOwned):
    """One client application's key for one council. The key itself is shown once."""

    name = models.CharField(_("client application"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=10, choices=KeyKind.choices, default=KeyKind.OPEN311
    )
    role = models.CharField(
        _("acts with the permissions of"),
        max_length=32,
        choices=Role.choices,
        blank=True,
        help_text=_("REST API keys only: the staff role whose permissions the key has."),
    )
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    rate_limit_per_minute = models.PositiveIntegerField(_("requests a minute"), default=120)
    backend = models.ForeignKey(
        "catalogue.Backend",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("the system it speaks for"),
        help_text=_(
            "Open311 keys of a system requests are sent on to: its POSTed updates about "
            "those requests are its word on their status, applied like its polled updates."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ApiKeyWindow(models.Model):
    """How many requests a key made in one minute."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="one_window")]

    def __str__(self) -> str:
        return f"{self.key_id} {self.window:%H:%M} {self.count}"


class PendingRequest(CouncilOwned):
    """An Open311 POST that could not be saved at once; the worker creates it later and
    the client follows it with ``tokens/{token}``."""

    token = models.CharField(max_length=64, unique=True)
    key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True)
    payload = models.JSONField()
    service_request_id = models.CharField(max_length=20, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.token
