"""The REST API for trusted systems at /api/v1/ (OpenAPI: /api/v1/openapi.json).

Each key belongs to one council and carries one staff role's permissions; every read
goes through ``cases.access`` and every change through ``cases.actions``, which check the
key's role themselves, so the API behaves exactly as the staff pages do.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer

from onecouncil.api.keys import api_key_allow, api_key_check
from onecouncil.api.models import ApiKey, KeyKind
from onecouncil.api.rest.schemas import (
    AssignIn,
    CreateIn,
    ErrorOut,
    EventOut,
    RequestDetail,
    RequestOut,
    RequestPage,
    StatusIn,
    StatusName,
    UpdateIn,
)
from onecouncil.cases.access import (
    case_events_for_staff,
    case_for_staff,
    case_search,
    cases_for_staff,
    cases_listed_for_staff,
    latest_event_for_staff,
)
from onecouncil.cases.actions import (
    case_add_note,
    case_add_update,
    case_assign,
    case_change_status,
    case_create,
)
from onecouncil.cases.inputs import Contact, NewRequest, Submitter, parse_place
from onecouncil.cases.models import Case, CaseEvent, Channel
from onecouncil.cases.models import Status as CaseStatus
from onecouncil.catalogue.answers import code_of, validate_answers
from onecouncil.catalogue.selectors import service_for_resident
from onecouncil.core.actors import Actor
from onecouncil.core.models import Membership
from onecouncil.core.permissions import Permission, role_has
from onecouncil.core.selectors import council_for_slug

PAGE_SIZE = 50


class Throttled(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class KeyAuth(HttpBearer):
    """``Authorization: Bearer <key>``: a REST key issued with
    ``onecouncil open311_key --council SLUG --name NAME --rest-role ROLE``."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        checked = api_key_check(key=token, council=None, kind=KeyKind.REST)
        if checked is None:
            return None
        wait = api_key_allow(checked)
        if wait is not None:
            raise Throttled(wait)
        return checked


class BodyRefused(ValueError):
    """A request body that is not a JSON object (answered 422 by ``body_refused``)."""


class _ObjectsOnly(Parser):
    """Every body is a JSON object: an array, a string, a number or null is refused
    rather than read as an empty object (which would, say, clear an assignee)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body)
        except ValueError:
            raise BodyRefused("The body is not valid JSON") from None
        if not isinstance(data, dict):
            raise BodyRefused('The body must be a JSON object, like {"assignee": null}')
        return data


api = NinjaAPI(
    parser=_ObjectsOnly(),
    title="OneCouncil REST API",
    version="1",
    description=__doc__ or "",
    urls_namespace="rest",
    auth=KeyAuth(),
    docs_url=None,
)
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


@api.exception_handler(NinjaValidationError)
def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        field = ".".join(str(p) for p in item.get("loc", [])[1:]) or "body"
        errors.setdefault(field, []).append(str(item.get("msg", "Invalid value")))
    return api.create_response(
        request, {"detail": "The input is not valid", "errors": errors}, status=422
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals; a body that is not a JSON object names ``body``."""
    if isinstance(exc.__cause__, BodyRefused):
        return api.create_response(
            request,
            {"detail": str(exc.__cause__), "errors": {"body": [str(exc.__cause__)]}},
            status=422,
        )
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = api.create_response(
        request, {"detail": f"Too many requests: try again in {exc.seconds} seconds"}, status=429
    )
    response["Retry-After"] = str(exc.seconds)
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": "This key's role may not do that"}, status=403)


def _membership(request: HttpRequest) -> Membership:
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
    # An unsaved membership: the key's council and role, for the staff access functions.
    return Membership(council=key.council, council_id=key.council_id, role=key.role, ward_codes=[])


def _actor(request: HttpRequest) -> Actor:
    """The client, acting with its key's role: each action checks that role itself."""
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
    return Actor.for_client(request, label=key.name, membership=_membership(request))


def _out(case: Case, membership: Membership) -> dict[str, Any]:
    personal = role_has(membership.role, Permission.VIEW_PERSONAL_DATA)
    return {
        "reference": case.reference,
        "service_code": case.service.code,
        "service_name": case.service.name,
        "status": case.status,
        "open": case.is_open,
        "closure_reason": case.closure_reason.code if case.closure_reason else None,
        "channel": case.channel,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "due_at": case.due_at,
        "team": case.team.name if case.team else None,
        "assignee": case.assignee.get_username() if case.assignee else None,
        "street": case.street,
        "ward": case.ward.code if case.ward else None,
        "postcode": case.postcode if personal else case.postcode.split(" ")[0],
        "uprn": case.uprn if personal else None,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "asset": case.asset.identifier if case.asset else None,
        "description": case.description,
        "answers": case.answers,
        "contact": {
            "name": case.contact_name,
            "email": case.contact_email,
            "phone": case.contact_phone,
            "anonymous": case.is_anonymous,
        }
        if personal
        else None,
    }


def _event(event: CaseEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "public": event.is_public,
        "status": event.status,
        "message": event.message,
        "actor": event.actor_label,
        "created_at": event.created_at,
    }


def _encode(case: Case) -> str:
    raw = f"{case.created_at.isoformat()}|{case.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        return dt.datetime.fromisoformat(moment), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError("cursor is not one this API gave out") from None


def _case(request: HttpRequest, reference: str) -> Case:
    case = case_for_staff(membership=_membership(request), reference=reference)
    if case is None:
        raise LookupError(reference)
    return case


@api.exception_handler(LookupError)
def not_found(request: HttpRequest, exc: LookupError) -> HttpResponse:
    return api.create_response(request, {"detail": f"No request {exc.args[0]} here"}, status=404)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"request": exc.messages}
    # A question's errors are named as the body names its answers.
    errors = {
        (f"answers.{code}" if (code := code_of(k)) is not None else k): v for k, v in errors.items()
    }
    return api.create_response(
        request,
        {"detail": "; ".join(m for ms in errors.values() for m in ms), "errors": errors},
        status=400,
    )


@api.get(
    "/requests",
    response={200: RequestPage, **ERRORS},
    summary="List or search requests",
    description="Newest first. `q` searches by reference, name, email, phone, postcode or "
    "UPRN. Pages are stable: pass `next_cursor` back as `cursor`.",
)
def list_requests(
    request: HttpRequest,
    status: StatusName | None = None,
    service_code: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = Query(PAGE_SIZE, ge=1, le=200),
) -> Any:
    membership = _membership(request)
    if q:
        found = case_search(membership=membership, text=q, limit=limit)
        return {"items": [_out(c, membership) for c in found], "next_cursor": None}
    cases = cases_for_staff(membership=membership).select_related(
        "service", "team", "ward", "assignee", "closure_reason", "asset"
    )
    if status:
        cases = cases.filter(status=status)
    if service_code:
        # No service code holds NUL, and PostgreSQL refuses it in a query: the same rule
        # as staff search and place names (found by the REST fuzzer on PostgreSQL).
        nul = "\x00" in service_code
        cases = cases.none() if nul else cases.filter(service__code=service_code)
    if cursor:
        moment, pk = _decode(cursor)
        cases = cases.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    page = list(cases.order_by("-created_at", "-pk")[: limit + 1])
    more = len(page) > limit
    page = cases_listed_for_staff(membership=membership, cases=page[:limit])
    return {
        "items": [_out(c, membership) for c in page],
        "next_cursor": _encode(page[-1]) if more and page else None,
    }


@api.get(
    "/requests/{reference}",
    response={200: RequestDetail, **ERRORS},
    summary="Read one request with its events",
)
def read_request(request: HttpRequest, reference: str) -> Any:
    membership = _membership(request)
    case = _case(request, reference)
    events = case_events_for_staff(membership=membership, case=case)
    return {**_out(case, membership), "events": [_event(e) for e in events]}


@api.post(
    "/requests",
    response={201: RequestOut, **ERRORS},
    summary="Create a request",
    description="Validated exactly as the web form is. Send an `Idempotency-Key` header "
    "to make retries safe.",
)
def create_request(request: HttpRequest, body: CreateIn) -> Any:
    membership = _membership(request)
    council = membership.council
    service = service_for_resident(council=council, code=body.service_code)
    if service is None:
        raise ValidationError({"service_code": [f"No service {body.service_code} here"]})
    try:
        location = parse_place(
            council=council,
            service=service,
            uprn=body.location.uprn,
            street=body.location.street,
            description=body.location.description,
            latitude=body.location.latitude,
            longitude=body.location.longitude,
            asset=body.location.asset,
        )
    except ValidationError as exc:
        errors = {k if k == "location" else f"location.{k}": v for k, v in exc.message_dict.items()}
        try:  # report every problem at once, as the web form does
            validate_answers(service, body.answers)
        except ValidationError as answers_exc:
            errors.update(answers_exc.message_dict)
        raise ValidationError(errors) from None
    key: ApiKey = request.auth  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
    given = request.headers.get("Idempotency-Key", "").strip()
    submission = (
        uuid.uuid5(uuid.NAMESPACE_URL, f"onecouncil-rest:{key.pk}:{given}")
        if given
        else uuid.uuid4()
    )
    result = case_create(
        council=council,
        request=NewRequest(
            service=service,
            answers=body.answers,
            location=location,
            contact=Contact(
                name=body.contact.name,
                email=body.contact.email,
                phone=body.contact.phone,
                anonymous=body.contact.anonymous,
                updates_by_sms=body.contact.updates_by_sms,
            ),
            channel=Channel.API,
            channel_detail=key.name[:120],
            submission_key=submission,
            description=body.description,
            submitter=Submitter(actor=_actor(request)),
        ),
    )
    return Status(201, _out(result.case, membership))


@api.post(
    "/requests/{reference}/status",
    response={200: RequestOut, **ERRORS},
    summary="Change a request's status (closing needs a reason)",
)
def change_status(request: HttpRequest, reference: str, body: StatusIn) -> Any:
    membership = _membership(request)
    case = case_change_status(
        case=_case(request, reference),
        status=CaseStatus(body.status),
        closure_reason=body.closure_reason,
        message=body.message,
        actor=_actor(request),
    )
    return _out(case, membership)


@api.post(
    "/requests/{reference}/updates",
    response={201: EventOut, **ERRORS},
    summary="Add a public update (sent to the resident) or an internal note",
)
def add_update(request: HttpRequest, reference: str, body: UpdateIn) -> Any:
    membership = _membership(request)
    case = _case(request, reference)
    if body.public:
        case_add_update(case=case, message=body.message, actor=_actor(request))
    else:
        case_add_note(case=case, message=body.message, actor=_actor(request))
    latest = latest_event_for_staff(membership=membership, case=case)
    assert latest is not None
    return Status(201, _event(latest))


@api.post(
    "/requests/{reference}/assign",
    response={200: RequestOut, **ERRORS},
    summary="Assign a request to a member of staff, or to nobody",
)
def assign(request: HttpRequest, reference: str, body: AssignIn) -> Any:
    membership = _membership(request)
    case = _case(request, reference)
    assignee = None
    if body.assignee:
        assignee = get_user_model().objects.filter(username=body.assignee).first()
        if assignee is None:
            raise ValidationError({"assignee": ["No member of staff with that username"]})
    case = case_assign(case=case, assignee=assignee, actor=_actor(request))
    return _out(case, membership)


__all__ = ["api", "council_for_slug"]
