"""Forms for the steps of the journey that are not the service's own questions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from onecouncil.alerts.services import RADII
from onecouncil.insight.models import SCORES
from onecouncil.residents.postcodes import normalise_postcode


class PostcodeForm(forms.Form):
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=16,
        required=True,
        error_messages={"required": _("Enter a postcode")},
    )

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data["postcode"])


class PlaceForm(forms.Form):
    """Where the problem is: an address from the list, a street and description, or
    coordinates (which the map pin or 'use my location' fill in when JavaScript is on)."""

    uprn = forms.CharField(required=False, label=_("Address"))
    street = forms.CharField(required=False, max_length=200, label=_("Street name"))
    description = forms.CharField(
        required=False,
        max_length=500,
        label=_("Describe the place"),
        help_text=_("For example: by the bus stop opposite number 12"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("The description must be 500 characters or fewer")},
    )
    latitude = forms.CharField(required=False, max_length=20, label=_("Latitude"))
    longitude = forms.CharField(required=False, max_length=20, label=_("Longitude"))
    # Which one, for a service that asks (an asset type's): chosen from the list of the
    # nearest or on the map (asset_choice), or by the number on it (asset_number).
    asset_choice = forms.CharField(required=False, max_length=60)
    asset_number = forms.CharField(
        required=False,
        max_length=60,
        label=_("Or type the number on it"),
        help_text=_("Written on its post, door or lid, like RB-SL-0042"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        number = cleaned.pop("asset_number", "") or ""
        choice = cleaned.pop("asset_choice", "") or ""
        cleaned["asset"] = number.strip() or choice.strip()
        return cleaned


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Upload a photo"),
        required=True,
        error_messages={
            "required": _("Select a photo to upload"),
            "empty": _("The selected file is empty"),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/heic,.heic"}),
    )


class PhotoPlaceForm(PhotoForm):
    """On the place step: a photo whose location, if it has one, places the pin."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photo"].label = _("A photo you took where the problem is")
        self.fields["photo"].help_text = _(
            "We read where it was taken to put the pin, then keep the photo with your report "
            "without that information."
        )


class ContactForm(forms.Form):
    # The one contact rule: an email address or a phone number (or both); a name is optional.
    one_of_required = ("email", "phone")

    anonymous = forms.BooleanField(required=False, label=_("Report without giving my details"))
    name = forms.CharField(required=False, max_length=200, label=_("Full name"))
    email = forms.CharField(
        required=False,
        max_length=254,
        label=_("Email address"),
        help_text=_(
            "Give an email address or a phone number, or both. We'll send your reference "
            "number and updates here."
        ),
    )
    councillor_consent = forms.BooleanField(
        required=False,
        label=_("Let my ward councillors see my name and contact details for this request"),
        help_text=_(
            "Councillors can see the reports made in their ward, but not who made them "
            "unless you agree."
        ),
    )
    updates_by_sms = forms.BooleanField(
        required=False, label=_("Send me updates by text message as well")
    )
    phone = forms.CharField(
        required=False,
        max_length=40,
        label=_("Phone number"),
        help_text=_("For example 07700 900 982. We only call if we need to."),
    )

    def values(self) -> dict[str, Any]:
        return {
            "anonymous": bool(self.cleaned_data.get("anonymous")),
            "name": self.cleaned_data.get("name", "").strip(),
            "email": self.cleaned_data.get("email", "").strip(),
            "phone": self.cleaned_data.get("phone", "").strip(),
            "updates_by_sms": bool(self.cleaned_data.get("updates_by_sms")),
            "councillor_consent": bool(self.cleaned_data.get("councillor_consent")),
        }


class TrackForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference number"),
        max_length=40,
        help_text=_("You'll find it in your confirmation email, for example RVB-7K3Q-9XM4"),
        error_messages={"required": _("Enter your reference number")},
    )


class NewLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("The address you gave when you made the request"),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


# Lazy with its number, so it is translated for each request, not once at import.
metres_label = ngettext_lazy("%(n)s metre", "%(n)s metres", "n")
# The distances offered are those an area alert may be for (``alerts.services.RADII``).
DISTANCES = [
    (metres, _("1 kilometre") if metres == 1000 else metres_label % {"n": metres})
    for metres in RADII
]
PERIODS = [(7, _("the last week")), (30, _("the last 30 days")), (90, _("the last 90 days"))]


class NearForm(forms.Form):
    """Reports near me: a postcode or street, or the device's location (lat and lon,
    filled by 'use my location' or by choosing one of several streets)."""

    # A place (or the device's location) is needed; the others have defaults.
    one_of_required = ("place", "distance", "days")

    place = forms.CharField(
        required=False,
        max_length=100,
        label=_("Postcode or street"),
        help_text=_("For example RB1 1AA, or Mill Lane"),
    )
    lat = forms.CharField(required=False, max_length=20)
    lon = forms.CharField(required=False, max_length=20)
    distance = forms.TypedChoiceField(
        choices=DISTANCES,
        coerce=int,
        required=False,
        empty_value=None,
        initial=500,
        label=_("Within"),
    )
    days = forms.TypedChoiceField(
        choices=PERIODS,
        coerce=int,
        required=False,
        empty_value=None,
        initial=30,
        label=_("Reported in"),
    )


class AlertForm(forms.Form):
    email = forms.CharField(
        max_length=254,
        error_messages={"required": _("Enter your email address")},
        label=_("Email address"),
        help_text=_("We'll email you once to confirm. You can stop the alerts from any email."),
    )
    area = forms.ChoiceField(
        choices=[("near", "near"), ("ward", "ward")],
        required=False,
        error_messages={"invalid_choice": _("Choose where to be told about")},
    )
    lat = forms.CharField(max_length=20)
    lon = forms.CharField(max_length=20)
    distance = forms.TypedChoiceField(
        choices=DISTANCES, coerce=int, empty_value=None, required=False
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how we dealt with your request?"),
        choices=[(str(n), label) for n, label in SCORES],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how satisfied you are")},
    )
    comment = forms.CharField(
        label=_("Tell us more"),
        required=False,
        max_length=2000,
        help_text=_(
            "What went well, or what we could do better. Do not include personal details "
            "such as your name, email address or phone number."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Your comment must be 2,000 characters or fewer")},
    )


class PageFeedbackForm(forms.Form):
    useful = forms.TypedChoiceField(
        label=_("Is this page useful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no")},
    )
    comment = forms.CharField(
        label=_("What were you trying to do, and what could be better?"),
        required=False,
        max_length=2000,
        help_text=_(
            "We cannot reply to you here. Do not include personal details such as your "
            "name, email address or phone number."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Your comment must be 2,000 characters or fewer")},
    )
