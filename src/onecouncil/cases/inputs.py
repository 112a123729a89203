"""What a new request says about where and who: validated the same way for every channel."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from onecouncil.assets.models import Asset
from onecouncil.assets.selectors import asset_by_identifier, asset_type_for_service
from onecouncil.catalogue.models import Service
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.places.lookup import covers
from onecouncil.residents.models import Account, Address
from onecouncil.residents.selectors import address_by_uprn

UK_BOUNDS = {"lat": (49.8, 60.95), "lon": (-8.7, 1.8)}


@dataclass(frozen=True)
class Location:
    address: Address | None = None
    street: str = ""
    description: str = ""
    latitude: float | None = None
    longitude: float | None = None
    asset: Asset | None = None  # the council's thing it is about; the point is its place

    @property
    def is_empty(self) -> bool:
        return (
            self.address is None
            and self.asset is None
            and not self.street
            and not self.description
            and (self.latitude is None)
        )


@dataclass(frozen=True)
class Contact:
    """Who made a request. The one contact rule, for every channel (``validate_contact``):
    a name is never required; a service that does not allow anonymous reports needs an
    email address or a phone number; text message updates need a phone number. A
    request a device raised (``by_device``, channel "sensor" only) has no person to
    reach."""

    name: str = ""
    email: str = ""
    phone: str = ""
    anonymous: bool = False
    updates_by_sms: bool = False
    by_device: bool = False


def parse_coordinate(value: str | float | None, axis: str) -> float | None:
    """A latitude (``axis="lat"``) or longitude (``"lon"``) in the United Kingdom."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    example = "51.5034" if axis == "lat" else "-0.1276"
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(
            _("Enter the %(axis)s as a number, like %(example)s")
            % {"axis": _("latitude") if axis == "lat" else _("longitude"), "example": example}
        ) from None
    low, high = UK_BOUNDS[axis]
    if math.isnan(number) or not low <= number <= high:
        raise ValidationError(_("The place must be in the United Kingdom"))
    return number


UPRN_PATTERN = re.compile(r"[0-9]{1,12}")


def parse_uprn(value: str | int | None) -> int | None:
    """A UPRN as typed: up to 12 digits 0-9 (not any Unicode digit), or None when empty."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not UPRN_PATTERN.fullmatch(text):
        raise ValidationError(_("A UPRN is a number of up to 12 digits, like 100023336956"))
    return int(text)


def parse_place(
    *,
    council: Council,
    service: Service,
    uprn: str | int | None = None,
    street: str = "",
    description: str = "",
    latitude: str | float | None = None,
    longitude: str | float | None = None,
    asset: str = "",
) -> Location:
    """The one parser of a place, for every channel: an address from the council's
    gazetteer (by UPRN), a street and a description, coordinates, or an asset (by the
    identifier the council gives it) of the council that handles the service, whose
    point becomes the place's when no other is given.

    Raises ``ValidationError`` keyed by field (uprn, street, description, latitude,
    longitude, location); channels rename the keys to their own field names.
    """
    errors: dict[str, list[str]] = {}
    address = None
    try:
        number = parse_uprn(uprn)
    except ValidationError as exc:
        errors["uprn"] = list(exc.messages)
    else:
        if number is not None:
            address = address_by_uprn(council=council, uprn=number)
            if address is None:
                errors["uprn"] = [
                    _("Select an address from the list: that one is not in %(council)s's area")
                    % {"council": council.name}
                ]
    coordinates: dict[str, float | None] = {}
    for axis, name, value in (("lat", "latitude", latitude), ("lon", "longitude", longitude)):
        try:
            coordinates[name] = parse_coordinate(value, axis)
        except ValidationError as exc:
            errors[name] = list(exc.messages)
    chosen = None
    if asset and asset.strip():
        handling = service.handled_by or service
        asked = asset_type_for_service(service)
        chosen = asset_by_identifier(council=handling.council, identifier=asset, asset_type=asked)
        if chosen is None:
            errors["asset"] = [
                _("There is no %(type)s numbered %(number)s: check the number on it")
                % {
                    "type": asked.name.lower() if asked else _("asset"),
                    "number": asset.strip()[:60],
                }
            ]
    if errors:
        raise ValidationError(errors)
    if chosen is not None and coordinates["latitude"] is None and address is None:
        coordinates = {"latitude": chosen.latitude, "longitude": chosen.longitude}
    location = Location(
        address=address,
        street=(street or "").strip(),
        description=(description or "").strip(),
        latitude=coordinates["latitude"],
        longitude=coordinates["longitude"],
        asset=chosen,
    )
    errors = validate_location(service, location)
    if errors:
        raise ValidationError(errors)
    return location


def validate_location(service: Service, location: Location) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if (location.latitude is None) != (location.longitude is None):
        errors["latitude"] = [_("Enter both the latitude and the longitude")]
    has_place = (
        location.address is not None
        or location.asset is not None
        or (location.latitude is not None and location.longitude is not None)
        or bool(location.street.strip() and location.description.strip())
    )
    if location.street.strip() and not location.description.strip() and location.address is None:
        errors["description"] = [_("Describe where on the street, like 'outside number 12'")]
    elif (
        location.description.strip()
        and not location.street.strip()
        and not (location.address or location.latitude is not None)
    ):
        errors["street"] = [_("Enter the name of the street")]
    if service.location_required and not has_place and not errors:
        errors["location"] = [
            _("Tell us where: choose an address, describe the place, or give coordinates")
        ]
    if len(location.description) > 500:
        errors["description"] = [_("The description must be 500 characters or fewer")]
    # The one boundary rule, for every channel (web, phone, Open311, REST).
    if (
        location.latitude is not None
        and location.longitude is not None
        and not errors
        and covers(service.council_id, location.latitude, location.longitude) is False
    ):
        errors["location"] = [
            _(
                "That place is outside %(council)s's area: choose a place inside it, or "
                "report it to the council that looks after that area"
            )
            % {"council": service.council.name}
        ]
    return errors


def phone_key(phone: str) -> str:
    """The search key of a phone number as given: its normal form, or "" when it is not
    a number we could call (so it matches nothing)."""
    if not phone.strip():
        return ""
    try:
        return normalise_phone(phone)
    except ValidationError:
        return ""


def normalise_phone(phone: str) -> str:
    try:
        parsed = phonenumbers.parse(phone, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Enter a telephone number, like 01632 960 001 or 07700 900 982")
        ) from None
    # "Possible" alone lets through "12345" (a short-code length): a number residents can
    # be called or texted on is possible as a mobile or a fixed line. (Validity would
    # refuse Ofcom's numbers for drama and examples, such as 07700 900 982.)
    types = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
    possible = phonenumbers.ValidationResult.IS_POSSIBLE
    if not any(
        phonenumbers.is_possible_number_for_type_with_reason(parsed, t) == possible for t in types
    ):
        raise ValidationError(_("Enter a telephone number, like 01632 960 001 or 07700 900 982"))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_contact(service: Service, contact: Contact) -> dict[str, list[str]]:
    """The one contact rule (see ``Contact``), as errors keyed by field."""
    errors: dict[str, list[str]] = {}
    if contact.by_device:
        if contact.name or contact.email or contact.phone or contact.updates_by_sms:
            errors["anonymous"] = [_("A request a device raised has no contact details")]
        return errors
    if contact.anonymous:
        if not service.anonymous_allowed:
            errors["anonymous"] = [_("This service needs your contact details")]
        return errors
    if len(contact.name) > 200:
        errors["name"] = [_("Your name must be 200 characters or fewer")]
    if not contact.email.strip() and not contact.phone.strip():
        errors["email"] = [_("Enter an email address or a phone number so we can update you")]
    if contact.email.strip():
        try:
            validate_email(contact.email.strip())
        except ValidationError:
            errors["email"] = [
                _("Enter an email address in the correct format, like name@example.com")
            ]
    if contact.phone.strip():
        try:
            normalise_phone(contact.phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    elif contact.updates_by_sms:
        errors["phone"] = [_("Enter a mobile number to get text messages")]
    return errors


@dataclass(frozen=True)
class Preferences:
    """What the reporter chose about being told and shared: text message updates, and
    (where their councillor asks) consent to share their details with them."""

    updates_by_sms: bool = False
    councillor_consent: bool = False


@dataclass(frozen=True)
class Submitter:
    """Who submits a request, when it is not simply the channel: a member of staff on a
    resident's behalf (``actor`` with a membership), a signed-in resident (``account``),
    or an API client (``client_id``, its key: that client may read it back even when the
    service is private)."""

    actor: Actor | None = None
    account: Account | None = None
    client_id: int | None = None


@dataclass(frozen=True)
class NewRequest:
    """Everything a new request says, from any channel: the one input of
    ``cases.actions.case_create``. ``submission_key`` makes it idempotent: the same key
    twice returns the request the first made. ``photo_draft_key`` names photos the
    resident added before sending. ``internal_notes`` are staff-only words made with it
    (an adviser's note, the words a channel could not place)."""

    service: Service
    answers: Mapping[str, Any]
    location: Location
    contact: Contact
    channel: str  # cases.models.Channel
    submission_key: uuid.UUID
    description: str = ""
    channel_detail: str = ""
    language: str = "en-gb"
    photo_draft_key: uuid.UUID | None = None
    preferences: Preferences = field(default_factory=Preferences)
    submitter: Submitter = field(default_factory=Submitter)
    internal_notes: tuple[tuple[str, dict[str, Any]], ...] = ()
