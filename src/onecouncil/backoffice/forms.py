from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from onecouncil.cases.inputs import normalise_phone
from onecouncil.cases.models import Channel, Status
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import services_to_route_to
from onecouncil.core.models import Council, Role, Team
from onecouncil.linkage.models import (
    PERSON_FIELD_LABELS,
    SOURCE_SETTINGS,
    LawfulBasis,
    Purpose,
)
from onecouncil.opendata.models import Licence, Precision
from onecouncil.residents.models import Ward


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Email address or username"),
        max_length=150,
        error_messages={"required": _("Enter your email address")},
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        error_messages={"required": _("Enter your password")},
    )


DUE_CHOICES = [("", _("Any time")), ("overdue", _("Overdue")), ("soon", _("Due soon"))]
ASSIGNED_CHOICES = [
    ("", _("Anyone")),
    ("me", _("Assigned to me")),
    ("unassigned", _("Not assigned")),
]
STATUS_FILTERS = [("open", _("All open")), ("", _("All")), *list(Status.choices)]


class QueueFilterForm(forms.Form):
    team = forms.ChoiceField(label=_("Team"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTERS)
    service = forms.ChoiceField(label=_("Service"), required=False)
    ward = forms.ChoiceField(label=_("Ward"), required=False)
    due = forms.ChoiceField(label=_("Due"), required=False, choices=DUE_CHOICES)
    assigned = forms.ChoiceField(label=_("Assigned"), required=False, choices=ASSIGNED_CHOICES)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("", _("Soonest due")), ("followers", _("Most followed"))],
    )

    def __init__(self, *args: Any, council: Council, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = [(str(t.pk), t.name) for t in Team.objects.filter(council=council)]
        services = [
            (str(s.pk), s.name) for s in Service.objects.filter(council=council).order_by("name")
        ]
        wards = [(str(w.pk), w.name) for w in Ward.objects.filter(council=council)]
        self.fields["team"].choices = [("", _("All teams")), *teams]  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
        self.fields["service"].choices = [("", _("All services")), *services]  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
        self.fields["ward"].choices = [("", _("All wards")), *wards]  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField


class PersonForm(forms.Form):
    """Who a subject access or erasure request is about: any of the four."""

    email = forms.EmailField(label=_("Email address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=40)
    name = forms.CharField(
        label=_("Full name, as given on requests"), required=False, max_length=200
    )
    uprn = forms.IntegerField(
        label=_("UPRN of their home"),
        required=False,
        min_value=1,
        max_value=999_999_999_999,
        help_text=_("Finds requests others made about the home, with the reporter redacted."),
    )

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"]
        if phone.strip():
            normalise_phone(phone)  # the one phone rule: its error names the form wanted
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for name in ("email", "phone", "name", "uprn")):
            raise forms.ValidationError(_("Enter an email address, phone number, name or UPRN"))
        return data


class AuditFilterForm(forms.Form):
    """The audit page's filters. Django's CharField refuses the NUL character, which no
    database column can hold, with a message rather than a server error."""

    who = forms.CharField(label=_("Who"), required=False, max_length=150)
    what = forms.CharField(label=_("Reference or object"), required=False, max_length=200)


class BulkForm(forms.Form):
    references = forms.MultipleChoiceField(
        required=True, error_messages={"required": _("Select at least one request")}
    )
    assign_to = forms.ChoiceField(label=_("Assign to"), required=False)
    status = forms.ChoiceField(label=_("Change status to"), required=False)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"), error_messages={"required": _("Choose the new status")}
    )
    closure_reason = forms.ChoiceField(label=_("Reason for closing"), required=False)
    message = forms.CharField(
        label=_("Message to the resident"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave blank to send the standard wording."),
    )


class UpdateForm(forms.Form):
    template = forms.ChoiceField(label=_("Start from a template"), required=False)
    message = forms.CharField(
        label=_("Public update"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The resident and followers are sent this, and it appears on the public tracking page."
        ),
    )


class NoteForm(forms.Form):
    message = forms.CharField(
        label=_("Internal note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only staff see notes."),
        error_messages={"required": _("Enter the note")},
    )


class DuplicateForm(forms.Form):
    original = forms.CharField(
        label=_("Reference of the original request"),
        max_length=40,
        error_messages={"required": _("Enter the original's reference")},
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search requests"),
        max_length=200,
        required=False,
        help_text=_("Reference, name, email, phone, postcode or UPRN"),
    )


class CallerForm(forms.Form):
    """The assisted channel's who and how: the same contact rules as the front door."""

    one_of_required = ("email", "phone")

    channel = forms.ChoiceField(
        label=_("How did they contact us?"),
        choices=[
            (c, label)
            for c, label in Channel.choices
            if c not in (Channel.WEB, Channel.API, Channel.SENSOR)
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how they contacted us")},
    )
    name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    email = forms.CharField(
        label=_("Email address"),
        max_length=254,
        required=False,
        help_text=_("An email address or a phone number, or both."),
    )
    phone = forms.CharField(label=_("Phone number"), max_length=40, required=False)
    updates_by_sms = forms.BooleanField(label=_("Send text message updates"), required=False)
    anonymous = forms.BooleanField(
        label=_("They do not want to give their details"), required=False
    )
    street = forms.CharField(label=_("Street name"), max_length=200, required=False)
    description = forms.CharField(label=_("Describe the place"), max_length=500, required=False)
    words = forms.CharField(
        label=_("In the caller's own words (optional)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    uprn = forms.CharField(label=_("Address"), required=False)
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=16)
    # Filled by the map's pin (as on the residents' place step), or typed.
    latitude = forms.CharField(label=_("Latitude"), required=False, max_length=20)
    longitude = forms.CharField(label=_("Longitude"), required=False, max_length=20)


class InviteForm(forms.Form):
    name = forms.CharField(
        label=_("Full name"),
        max_length=300,
        error_messages={"required": _("Enter their full name")},
    )
    email = forms.EmailField(
        label=_("Work email address"),
        max_length=254,
        help_text=_("We will email a link to choose a password. It works once, for 3 days."),
        error_messages={
            "required": _("Enter their work email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
        },
    )
    role = forms.ChoiceField(
        label=_("Role"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role")},
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(),
        label=_("Teams"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    wards = forms.MultipleChoiceField(
        label=_("Wards they represent"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for councillors."),
    )

    def __init__(self, *args: Any, council: Council, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["teams"].queryset = Team.objects.filter(council=council).order_by("name")  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
        self.fields["wards"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            (w.code, w.name) for w in Ward.objects.filter(council=council).order_by("name")
        ]


class WelcomePasswordForm(forms.Form):
    """Choosing a password from an invitation; Django's password validators apply."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput,
        strip=False,
        max_length=128,
        help_text=_("At least 12 characters. A few unrelated words make a strong password."),
        error_messages={"required": _("Choose a password")},
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        widget=forms.PasswordInput,
        strip=False,
        max_length=128,
        error_messages={"required": _("Type the password again")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are different"))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class InsightFilterForm(forms.Form):
    """A dashboard's filters, all in the URL so a view can be bookmarked and shared. The
    choices are only what the reader's scope holds."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))
    service = forms.TypedChoiceField(
        label=_("Service"), required=False, coerce=int, empty_value=None
    )
    ward = forms.ChoiceField(label=_("Ward"), required=False)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(
        self,
        *args: Any,
        council: Council,
        service_ids: frozenset[int] | None,
        team_ids: frozenset[int] | None,
        ward_codes: frozenset[str] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        services = [
            (s.pk, s.name)
            for s in Service.objects.filter(council=council).order_by("name")
            if service_ids is None or s.pk in service_ids
        ]
        teams = [
            (t.pk, t.name)
            for t in Team.objects.filter(council=council)
            if team_ids is None or t.pk in team_ids
        ]
        wards = [
            (w.code, w.name)
            for w in Ward.objects.filter(council=council).order_by("name")
            if ward_codes is None or w.code in ward_codes
        ]
        self.fields["service"].choices = [("", _("All services")), *services]  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
        self.fields["team"].choices = [("", _("All teams")), *teams]  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
        self.fields["ward"].choices = [("", _("All wards")), *wards]  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
        self.fields["channel"].choices = [("", _("All channels")), *Channel.choices]  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date must be on or after the start date"))
        if start and end and (end - start).days > 366 * 5:
            self.add_error("end", _("Choose a period of five years or less"))
        return cleaned


class OpenDataSettingsForm(forms.Form):
    """What the council publishes as open data (``opendata.services.settings_update``)."""

    paused = forms.BooleanField(
        label=_("Pause daily releases"),
        required=False,
        help_text=_("While paused, no new release is built or published."),
    )
    request_level = forms.MultipleChoiceField(
        label=_("Public services that publish each request"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Unticked services publish counts only. Private services never publish "
            "their requests one by one."
        ),
    )
    threshold = forms.IntegerField(
        label=_("Smallest count shown"),
        min_value=5,
        max_value=1000,
        help_text=_(
            "Counts below this are withheld in open data and on the performance page. "
            "It can never be below 5."
        ),
    )
    location_precision = forms.ChoiceField(
        label=_("Where requests are placed"), choices=(), widget=forms.RadioSelect
    )
    licence = forms.ChoiceField(label=_("Licence"), choices=(), widget=forms.RadioSelect)
    keep_releases = forms.IntegerField(
        label=_("Releases kept available"),
        min_value=1,
        max_value=90,
        help_text=_("The newest included. Older ones answer 410 Gone."),
    )
    hold_hours = forms.IntegerField(
        label=_("Hours a release waits before it goes out"), min_value=0, max_value=72
    )

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["request_level"].choices = services  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["location_precision"].choices = Precision.choices  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["licence"].choices = Licence.choices  # type: ignore[attr-defined]  # a ChoiceField


class WithdrawForm(forms.Form):
    version = forms.DateField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why it is withdrawn"),
        max_length=300,
        help_text=_("Shown to anyone who asks for the release."),
        error_messages={"required": _("Say why the release is withdrawn")},
    )


class CallerWordsForm(forms.Form):
    """What the caller says, for the free-text model to suggest the service."""

    words = forms.CharField(
        label=_("Or type what the caller says in their own words"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Type what the caller says")},
    )


class MoveServiceForm(forms.Form):
    """Moving a request to another of the council's services: any the request can be
    routed to (never a triage service), by code, with the officer's reason."""

    service = forms.CharField(
        max_length=100, error_messages={"required": _("Choose the service to move it to")}
    )
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, council: Council, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.council = council

    def clean_service(self) -> Service:
        code = self.cleaned_data["service"]
        service = services_to_route_to(council=self.council).filter(code=code).first()
        if service is None:
            raise forms.ValidationError(_("Choose the service to move it to"))
        return service


# --- Record linkage (docs/linkage.md) ------------------------------------------------------

MAPPING_PREFIX = "column_for_"  # the mapping's fields, apart from the form's own names


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name of the system"), max_length=120)
    owner = forms.CharField(
        label=_("Owner"), max_length=200, help_text=_("The team or officer responsible for it.")
    )
    lawful_basis = forms.ChoiceField(label=_("Lawful basis"), choices=LawfulBasis.choices)
    purposes = forms.MultipleChoiceField(
        label=_("What its data may be used for"),
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    restricted = forms.BooleanField(
        label=_("Restricted to these purposes (like the full electoral register)"),
        required=False,
    )
    retention_days = forms.IntegerField(
        label=_("Keep a record for this many days after the system stops holding it"),
        min_value=1,
        max_value=36500,
        initial=6 * 365,
    )
    id_column = forms.CharField(
        label=_("The extract's column holding the system's own record number"), max_length=100
    )

    service = forms.ModelChoiceField(
        label=_("Changes of details for people it holds go to"),
        help_text=_("The service whose team keeps this system up to date (tell us once)."),
        queryset=Service.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, council: Council, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(  # type: ignore[attr-defined]  # ModelChoiceField's
            council=council, is_active=True
        ).order_by("name")
        for field, label in PERSON_FIELD_LABELS.items():
            self.fields[f"{MAPPING_PREFIX}{field}"] = forms.CharField(
                label=_("Column for: %(field)s") % {"field": label},
                max_length=100,
                required=False,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mapping = {
            f: data[f"{MAPPING_PREFIX}{f}"].strip()
            for f in PERSON_FIELD_LABELS
            if (data.get(f"{MAPPING_PREFIX}{f}") or "").strip()
        }
        if not mapping.get("surname") and not mapping.get("email"):
            self.add_error(
                f"{MAPPING_PREFIX}surname",
                _("Give the column for the surname (or, at least, the email address)"),
            )
        data["mapping"] = mapping
        return data

    def values(self) -> dict[str, Any]:
        return {
            **{k: self.cleaned_data[k] for k in SOURCE_SETTINGS if k in self.fields},
            "id_column": self.cleaned_data["id_column"].strip(),
            "mapping": self.cleaned_data["mapping"],
        }


class ExtractForm(forms.Form):
    extract = forms.FileField(
        label=_("The extract"), help_text=_("A CSV or Parquet file with a header row.")
    )


class PairDecisionForm(forms.Form):
    pair = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Are these the same person?"),
        choices=[("same", _("Yes, the same person")), ("different", _("No, different people"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Why (optional)"), max_length=500, required=False)


class SplitForm(forms.Form):
    records = forms.MultipleChoiceField(
        label=_("Records that are someone else"), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Why they are someone else"), max_length=500)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField's


class RunLinkageForm(forms.Form):
    retrain = forms.BooleanField(
        label=_("Train a new model on today's records first"), required=False
    )
