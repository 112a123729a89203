from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from onecouncil.catalogue.answers import GovukDateField
from onecouncil.residents.models import ContactPreference


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
        },
    )
    password = forms.CharField(
        label=_("Create a password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_(
            "At least 12 characters. Leave blank to sign in with a link by email each time."
        ),
    )


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
        },
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Or leave blank and we will email you a link."),
    )


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    postcode = forms.CharField(label=_("Postcode of your address"), max_length=16, required=False)
    uprn = forms.CharField(required=False, label=_("Your address"))
    contact_preference = forms.ChoiceField(
        label=_("How should we send you updates?"),
        choices=ContactPreference.choices,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput,
        help_text=_("At least 12 characters; avoid common passwords."),
        error_messages={"required": _("Enter a new password")},
    )


class ChangeForm(forms.Form):
    name = forms.CharField(label=_("New full name"), max_length=200, required=False)
    phone = forms.CharField(label=_("New phone number"), max_length=40, required=False)
    email = forms.CharField(
        label=_("New email address"),
        max_length=254,
        required=False,
        help_text=_("We will send a link to it: the change happens when you open the link."),
    )
    postcode = forms.CharField(
        label=_("Postcode of your new address"), max_length=16, required=False
    )
    uprn = forms.CharField(required=False, label=_("Your new address"))
    effective = GovukDateField(
        allow_future=True,
        label=_("When does the change take effect?"),
        help_text=_("For example, the day you move. For example, 27 3 2026"),
        required=False,
    )
    to_requests = forms.BooleanField(
        label=_("Update the contact details on my open requests"), required=False
    )
    to_services = forms.BooleanField(
        label=_("Tell every council service that needs to know"), required=False
    )
    # The council's own systems that hold the resident: a namespace of its own, apart
    # from the form's fields.
    tell_systems = forms.MultipleChoiceField(
        label=_("Also tell these council systems, which hold your details"),
        help_text=_("Each one you choose gets a task to update its record of you."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, systems: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tell_systems"].choices = systems or []  # type: ignore[attr-defined]  # a ChoiceField's


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
        },
    )
