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
    # Record linkage (docs/linkage.md): the best value of each field among the records
    # linked to this person, with where it came from: {field: {"value", "from": [...]}}.
    golden = models.JSONField(default=dict, blank=True)
    linked_at = models.DateTimeField(null=True, blank=True)
    # Made by linkage for records no OneCouncil person held (removed when none is left).
    from_linkage = models.BooleanField(default=False)
    # Linkage found this person (say, a second verified email address) to be another:
    # their single view is the other's.
    same_as = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="also_known_as"
    )

    class Meta:
        indexes = [models.Index(fields=["council", "email"], name="person_email_idx")]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name or self.email or f"Person {self.pk}"


class ContactPreference(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    NONE = "none", _("Do not send me updates")


class Account(CouncilOwned):
    """A resident's optional account with one council: their profile, told once."""

    email = models.EmailField(_("email address"))
    password = models.CharField(max_length=128, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    address = models.ForeignKey(
        Address, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("address")
    )
    contact_preference = models.CharField(
        _("how we send updates"),
        max_length=10,
        choices=ContactPreference.choices,
        default=ContactPreference.EMAIL,
    )
    language = models.CharField(_("language"), max_length=10, default="en-gb")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True)
    session_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["council", "email"], name="one_account_per_email")
        ]
        verbose_name = _("resident account")
        verbose_name_plural = _("resident accounts")

    def __str__(self) -> str:
        return self.email

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None


class TokenPurpose(models.TextChoices):
    VERIFY = "verify", _("Confirm email address")
    SIGN_IN = "sign_in", _("Sign in")
    CHANGE_EMAIL = "change_email", _("Confirm new email address")


class AccountToken(CouncilOwned):
    """A one-time link sent by email. Only its hash is stored."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(max_length=20, choices=TokenPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    new_email = models.EmailField(blank=True)
    options = models.JSONField(
        default=dict, blank=True, help_text=_("What the resident chose when asking for it.")
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} for {self.account_id}"


class SavedDraft(CouncilOwned):
    """A long form saved to come back to, for a number of days."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="drafts")
    service_code = models.SlugField(max_length=60)
    service_name = models.CharField(max_length=120)
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "service_code"], name="one_draft_per_service"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service_name} ({self.account_id})"
