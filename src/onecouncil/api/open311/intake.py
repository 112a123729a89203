"""Open311 intake: a GeoReport v2 POST turned into a request by the one writer.

The adapter's only job is translation: Open311 parameter names to the cases front's
parsers (place, contact, answers) and back to Open311 error descriptions. The views and
the worker's queued-request job both call ``create_from_payload``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict

from onecouncil.api.models import ApiKey
from onecouncil.cases.inputs import Contact, parse_place
from onecouncil.cases.models import Case, Channel
from onecouncil.cases.services import case_create
from onecouncil.catalogue.selectors import service_for_resident
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council

HTML = re.compile(r"<[^>]+>")


def param(data: QueryDict, name: str) -> str:
    """A parameter's value; an empty parameter is exactly like an absent one."""
    return (data.get(name) or "").strip()


def _attributes(data: QueryDict) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for key in data:
        match = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if not match:
            continue
        code, multiple = match.group(1), match.group(2)
        values = [v for v in data.getlist(key) if v.strip()]
        if not values:
            continue
        answers[code] = values if multiple else values[-1]
    return answers


def payload_from(data: QueryDict, idempotency: str) -> dict[str, Any]:
    return {
        "service_code": param(data, "service_code"),
        "lat": param(data, "lat"),
        "long": param(data, "long"),
        "address_string": param(data, "address_string"),
        "address_id": param(data, "address_id"),
        "attributes": _attributes(data),
        "email": param(data, "email"),
        "phone": param(data, "phone"),
        "first_name": param(data, "first_name"),
        "last_name": param(data, "last_name"),
        "description": (data.get("description") or "").strip(),
        "media_url": param(data, "media_url"),
        "device_id": param(data, "device_id"),
        "account_id": param(data, "account_id"),
        "submission_key": idempotency,
    }


# Our field names, as Open311 clients know them.
OPEN311_NAMES = {
    "name": "first_name",
    "street": "address_string",
    "description": "address_string",
    "location": "lat/long, address_string or address_id",
    "latitude": "lat",
    "longitude": "long",
    "uprn": "address_id",
    "email": "email",
    "phone": "phone",
    "anonymous": "email",
    "service": "service_code",
    "photos": "media_url",
}


def field_errors(exc: ValidationError) -> list[str]:
    """A domain error, keyed by our field names, as Open311 descriptions."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    out = []
    for field, messages in exc.message_dict.items():
        label = OPEN311_NAMES.get(field, f"attribute[{field}]")
        out += [f"{label}: {m}" for m in messages]
    return out


def create_from_payload(
    *, council: Council, key: ApiKey | None, payload: dict[str, Any], token: str = ""
) -> Case:
    """Validate and create a request from Open311 parameters (raises ValidationError with
    Open311 descriptions)."""
    service = service_for_resident(council=council, code=payload["service_code"])
    if service is None:
        raise ValidationError(f"service_code {payload['service_code']} was not found")
    description = payload["description"]
    if len(description) > 4000:
        raise ValidationError("description: must be 4,000 characters or fewer")
    if HTML.search(description):
        raise ValidationError("description: must be plain text, without HTML")
    where = payload["address_string"]
    try:
        location = parse_place(
            council=council,
            service=service,
            uprn=payload["address_id"],
            street=where[:200],
            description=where[:500],
            latitude=payload["lat"],
            longitude=payload["long"],
        )
    except ValidationError as exc:
        if "uprn" in exc.message_dict:
            raise ValidationError(
                f"address_id {payload['address_id'][:40]} is not an address in this jurisdiction"
            ) from None
        raise ValidationError(field_errors(exc)) from None
    name = " ".join(p for p in (payload["first_name"], payload["last_name"]) if p)
    anonymous = service.anonymous_allowed and not (name or payload["email"] or payload["phone"])
    contact = Contact(
        name=name, email=payload["email"], phone=payload["phone"], anonymous=anonymous
    )
    key_name = key.name if key else "Open311"
    media_url = payload["media_url"]
    try:
        result = case_create(
            council=council,
            service=service,
            answers=payload["attributes"],
            location=location,
            contact=contact,
            channel=Channel.API,
            channel_detail=key_name[:120],
            submission_key=uuid.UUID(payload["submission_key"]),
            description=description,
            actor=Actor.system(key_name),
            internal_notes=[(media_url, {"media_url": media_url})] if media_url else [],
        )
    except ValidationError as exc:
        raise ValidationError(field_errors(exc)) from None
    return result.case
