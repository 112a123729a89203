"""People around a request: followers, and reports of a change of details."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from onecouncil.cases.models.case import Case
from onecouncil.core.models import CouncilOwned
from onecouncil.residents.models import Account, Person


def new_token() -> str:
    return secrets.token_urlsafe(24)


class FollowerQuerySet(models.QuerySet["Follower"]):
    def active(self) -> FollowerQuerySet:
        """Followers who confirmed their address and have not stopped: the only ones sent
        anything or shown anywhere."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)


class Follower(CouncilOwned):
    """Someone who gets a request's updates without having reported it. A stranger's
    address only starts getting them once its owner confirms from the email we send."""

    objects = FollowerQuerySet.as_manager()

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    by_email = models.BooleanField(default=True)
    by_sms = models.BooleanField(default=False)
    source_case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The duplicate report that made them follow."),
    )
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True)
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="following"
    )
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the address's owner confirmed (or was already known to us)."),
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")


class ChangeReport(CouncilOwned):
    """A change of details a resident told us once, and whom it was passed to."""

    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, related_name="change_reports"
    )
    changes = models.JSONField(default=dict, help_text=_("field: {old, new}"))
    passed_to_requests = models.JSONField(default=list, blank=True)
    passed_to_services = models.JSONField(default=list, blank=True)
    effective_date = models.DateField(_("takes effect"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("change of details")
        verbose_name_plural = _("changes of details")

    def __str__(self) -> str:
        return f"{', '.join(self.changes)} ({self.created_at:%d %b %Y})"
