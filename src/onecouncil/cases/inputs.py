"""What a new request says about where and who: validated the same way for every channel."""

from __future__ import annotations

import math
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from onecouncil.catalogue.models import Service
from onecouncil.residents.models import Address

UK_BOUNDS = {"lat": (49.8, 60.95), "lon": (-8.7, 1.8)}


@dataclass(frozen=True)
class Location:
    address: Address | None = None
    street: str = ""
    description: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @property
    def is_empty(self) -> bool:
        return (
            self.address is None
            and not self.street
            and not self.description
            and (self.latitude is None)
        )


@dataclass(frozen=True)
class Contact:
    name: str = ""
    email: str = ""
    phone: str = ""
    anonymous: bool = False


def parse_coordinate(value: str | float | None, axis: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(
            _("Enter the %(axis)s as a number, like 51.5034")
            % {"axis": _("latitude") if axis == "lat" else _("longitude")}
        ) from None
    low, high = UK_BOUNDS[axis]
    if math.isnan(number) or not low <= number <= high:
        raise ValidationError(_("The place must be in the United Kingdom"))
    return number


def validate_location(service: Service, location: Location) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if (location.latitude is None) != (location.longitude is None):
        errors["latitude"] = [_("Enter both the latitude and the longitude")]
    has_place = (
        location.address is not None
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
    return errors


def normalise_phone(phone: str) -> str:
    try:
        parsed = phonenumbers.parse(phone, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Enter a telephone number, like 01632 960 001 or 07700 900 982")
        ) from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(_("Enter a telephone number, like 01632 960 001 or 07700 900 982"))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_contact(service: Service, contact: Contact) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if contact.anonymous:
        if not service.anonymous_allowed:
            errors["anonymous"] = [_("This service needs your contact details")]
        return errors
    if not contact.name.strip():
        errors["name"] = [_("Enter your name")]
    elif len(contact.name) > 200:
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
    return errors
