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
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from onecouncil.api.models import ApiKey
from onecouncil.cases.actions import case_create, client_photos_draft
from onecouncil.cases.inputs import (
    Contact,
    Location,
    NewRequest,
    Submitter,
    parse_place,
    parse_uprn,
)
from onecouncil.cases.models import Case, Channel
from onecouncil.catalogue.answers import answerable_questions, code_of
from onecouncil.catalogue.models import QuestionKind, Service
from onecouncil.catalogue.selectors import service_for_resident
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.residents.selectors import address_by_uprn

# The description a request keeps (``Case.description``); more goes to staff as a note,
# never refused: a report a back end refuses is a report lost.
DESCRIPTION_LIMIT = 4000
# Sent by FixMyStreet whenever it knows the property: it names the place when our
# gazetteer knows it (unless the service asks a question of that code itself).
UPRN_ATTRIBUTE = "uprn"
DESCRIPTION_QUESTION = "description"


def param(data: QueryDict, name: str) -> str:
    """A parameter's value; an empty parameter is exactly like an absent one."""
    return plain(data.get(name) or "").strip()


def posted(request: HttpRequest) -> QueryDict:
    """A POST's parameters: the body's, and any the body lacks from the query string.
    Client libraries differ: some send ``jurisdiction_id`` and ``api_key`` in the query
    string, one sends every parameter there with an empty body."""
    data = request.POST.copy()
    for name in request.GET:
        if name not in data:
            data.setlist(name, request.GET.getlist(name))
    return data


def plain(text: str) -> str:
    """Text as received, except NUL, which no database stores: shown as U+FFFD."""
    return text.replace("\x00", "\ufffd")


def _attributes(data: QueryDict) -> dict[str, list[str]]:
    """Every ``attribute[CODE]`` value as sent, as a list: clients send several values of
    one attribute as repeated keys (``attribute[what]=bags&attribute[what]=tyres``) or
    with ``[]``. Which are allowed several is the question's to say (``_answers``)."""
    answers: dict[str, list[str]] = {}
    for key in data:
        match = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if not match:
            continue
        values = [plain(v) for v in data.getlist(key) if v.strip()]
        if values:
            answers.setdefault(match.group(1), []).extend(values)
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
        "description": plain(data.get("description") or "").strip(),
        "media_url": [url.strip() for url in data.getlist("media_url") if url.strip()],
        "device_id": param(data, "device_id") or param(data, "deviceid"),
        "account_id": param(data, "account_id"),
        "submission_key": idempotency,
    }


# Our field names, as Open311 clients know them. ``description`` and ``street`` are the
# place's (``parse_place``); a question's answers are ``answer-<code>`` and become
# ``attribute[code]``.
OPEN311_NAMES = {
    "name": "first_name",
    "street": "address_string",
    "description": "address_string",
    "location": "lat/long, address_string or address_id",
    "latitude": "lat",
    "longitude": "long",
    "uprn": "address_id",
    "email": "email or phone",
    "phone": "phone",
    "anonymous": "email or phone",
    "service": "service_code",
    "photos": "media_url",
}


def field_errors(exc: ValidationError, *, answered_by_description: bool = False) -> list[str]:
    """A domain error, keyed by our field names, as Open311 descriptions."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    out = []
    for field, messages in exc.message_dict.items():
        code = code_of(field)
        if code is None:
            label = OPEN311_NAMES.get(field, field)
        elif code == DESCRIPTION_QUESTION and answered_by_description:
            label = "description"
        else:
            label = f"attribute[{code}]"
        out += [f"{label}: {m}" for m in messages]
    return out


def _answers(service: Service, sent: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The attributes sent, split into answers to the service's questions (one value, or
    a list for a several-of question) and the rest, which staff are shown as sent. A
    question that takes one value given several is an error: which one was meant?"""
    questions = {q.code: q for q in answerable_questions(service)}
    answers: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for code, given in sent.items():
        values = given if isinstance(given, list) else [given]
        question = questions.get(code)
        if question is None:
            others[code] = values if len(values) > 1 else values[0]
        elif question.kind == QuestionKind.SEVERAL_OF:
            answers[code] = values
        elif len(values) > 1:
            raise ValidationError(
                f"attribute[{code}]: takes one value, and {len(values)} were sent"
            )
        else:
            answers[code] = values[0]
    return answers, others


# The attributes an Open311 client names an asset with (FixMyStreet's asset layers send
# the council's identifier under one of these).
ASSET_ATTRIBUTES = ("asset_id", "central_asset_id", "feature_id", "unit_number")


def _asset_given(others: dict[str, Any]) -> str:
    for name in ASSET_ATTRIBUTES:
        given = others.get(name)
        if isinstance(given, str) and given.strip():
            return given.strip()[:60]
    return ""


def _place(
    council: Council, service: Service, payload: dict[str, Any], others: dict[str, Any], asset: str
) -> Location:
    """The request's place from what the client sent. An asset the register does not
    know does not refuse the request (the client's layer may be older than ours): it is
    placed without it, and staff see the identifier among the attributes sent."""
    where = payload["address_string"]

    def parsed(asset: str) -> Location:
        return parse_place(
            council=council,
            service=service,
            uprn=_uprn_place(council, payload, others),
            street=where[:200],
            description=where[:500],
            latitude=payload["lat"],
            longitude=payload["long"],
            asset=asset,
        )

    try:
        return parsed(asset)
    except ValidationError as exc:
        if not asset or set(exc.message_dict) != {"asset"}:
            raise
    return parsed("")


def _uprn_place(council: Council, payload: dict[str, Any], others: dict[str, Any]) -> str:
    """``attribute[uprn]``'s address, when no ``address_id`` was given and the gazetteer
    knows that UPRN inside the council; otherwise it stays with the others, for staff."""
    given = others.get(UPRN_ATTRIBUTE)
    if payload["address_id"] or not isinstance(given, str):
        return payload["address_id"]
    try:
        number = parse_uprn(given)
    except ValidationError:
        return ""
    if number is None or address_by_uprn(council=council, uprn=number) is None:
        return ""
    del others[UPRN_ATTRIBUTE]
    return str(number)


def _notes(
    *,
    key_name: str,
    description: str,
    others: dict[str, Any],
    media_url: str | list[str],
    account_id: str = "",
    device_id: str = "",
) -> list[tuple[str, dict[str, Any]]]:
    """What the client sent that the request has no place for, kept for staff."""
    notes: list[tuple[str, dict[str, Any]]] = []
    if account_id or device_id:
        sent = {k: v[:200] for k, v in (("account_id", account_id), ("device_id", device_id)) if v}
        notes.append(
            (
                _("%(client)s sent it for its user: %(ids)s")
                % {"client": key_name, "ids": ", ".join(f"{k} {v}" for k, v in sent.items())},
                {"client_ids": sent},
            )
        )
    if len(description) > DESCRIPTION_LIMIT:
        notes.append(
            (
                _("The description sent by %(client)s continues: %(rest)s")
                % {"client": key_name, "rest": description[DESCRIPTION_LIMIT:]},
                {"description_continued": True},
            )
        )
    if others:
        listed = "; ".join(
            f"{code}: {', '.join(value) if isinstance(value, list) else value}"
            for code, value in sorted(others.items())
        )
        notes.append(
            (
                _("%(client)s also sent details this service does not ask for: %(details)s")
                % {"client": key_name, "details": listed},
                {"attributes": others},
            )
        )
    # One link (queued before clients' several were kept) or several (FixMyStreet's
    # multi_photos sends media_url once per photo).
    for url in [media_url] if isinstance(media_url, str) else media_url:
        if url:
            notes.append((url, {"media_url": url}))
    return notes


def uploads(request: HttpRequest) -> list[tuple[str, UploadedFile]]:
    """Every file a client sent, with the field it came in: FixMyStreet sends its photos
    as multipart ``photo1``, ``photo2``…"""
    return [(name, f) for name in sorted(request.FILES) for f in request.FILES.getlist(name)]


def create_from_payload(
    *,
    council: Council,
    key: ApiKey | None,
    payload: dict[str, Any],
    token: str = "",
    files: list[tuple[str, UploadedFile]] | None = None,
) -> Case:
    """Validate and create a request from Open311 parameters (raises ValidationError with
    Open311 descriptions). Photos sent as files are checked and kept by the one photo
    writer; a bad one refuses the request, naming its field."""
    service = service_for_resident(council=council, code=payload["service_code"])
    if service is None:
        raise ValidationError(f"service_code {payload['service_code']} was not found")
    try:
        draft = client_photos_draft(council=council, uploads=files or [])
    except ValidationError as exc:
        raise ValidationError(
            [f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms]
        ) from None
    answers, others = _answers(service, payload["attributes"])
    # A question coded like Open311's own ``description`` (a noise service's "Describe
    # the noise") is answered by it when the client sends no ``attribute[description]``:
    # clients put the resident's words there. Its errors then name ``description``.
    from_description = DESCRIPTION_QUESTION not in answers and any(
        q.code == DESCRIPTION_QUESTION for q in answerable_questions(service)
    )
    if from_description and payload["description"]:
        answers[DESCRIPTION_QUESTION] = payload["description"][:DESCRIPTION_LIMIT]
    asset = _asset_given(others)
    try:
        location = _place(council, service, payload, others, asset)
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
    description = payload["description"]
    try:
        result = case_create(
            council=council,
            request=NewRequest(
                service=service,
                answers=answers,
                location=location,
                contact=contact,
                channel=Channel.API,
                channel_detail=key_name[:120],
                submission_key=uuid.UUID(payload["submission_key"]),
                photo_draft_key=draft,
                description=description[:DESCRIPTION_LIMIT],
                internal_notes=tuple(
                    _notes(
                        key_name=key_name,
                        description=description,
                        others=others,
                        media_url=payload["media_url"],
                        account_id=payload.get("account_id", ""),
                        device_id=payload.get("device_id", ""),
                    )
                ),
                submitter=Submitter(
                    client_id=key.pk if key else None, actor=Actor.system(key_name)
                ),
            ),
        )
    except ValidationError as exc:
        raise ValidationError(field_errors(exc, answered_by_description=from_description)) from None
    return result.case
