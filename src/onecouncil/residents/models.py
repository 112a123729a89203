"""The gazetteer of addresses (UPRN), wards, and person records behind requests."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import CouncilOwned


class Ward(CouncilOwned):
    code = models.CharField(_("code"), max_length=20, help_text=_("For example E05013806."))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="ward_code_per_council")
        ]
        verbose_name = _("ward")
        verbose_name_plural = _("wards")

    def __str__(self) -> str:
        return self.name


class Address(CouncilOwned):
    uprn = models.BigIntegerField(_("UPRN"))
    usrn = models.BigIntegerField(_("USRN"), null=True, blank=True)
    line1 = models.CharField(_("address line 1"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    town = models.CharField(_("town"), max_length=100)
    postcode = models.CharField(_("postcode"), max_length=8)
    postcode_key = models.CharField(max_length=7, editable=False)
    ward = models.ForeignKey(Ward, on_delete=models.SET_NULL, null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["postcode_key", "street", "line1"]
        constraints = [models.UniqueConstraint(fields=["council", "uprn"], name="uprn_per_council")]
        indexes = [models.Index(fields=["council", "postcode_key"], name="address_postcode_idx")]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return self.single_line

    @property
    def single_line(self) -> str:
        parts = [self.line1, self.line2, self.town, self.postcode]
        return ", ".join(p for p in parts if p)


class Person(CouncilOwned):
    """One resident, grouping their requests.

    Kept apart from accounts and from the contact details each request keeps exactly as
    given: a person record is a link that can be made (and unmade) later, by a verified
    email, an account, staff, or record linkage across the council's datasets.
    """

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["council", "email"], name="person_email_idx")]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name or self.email or f"Person {self.pk}"
