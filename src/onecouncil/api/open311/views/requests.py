"""Service requests: posting one (through ``intake``), reading them, and tokens."""

from __future__ import annotations

import uuid

from django.core.exceptions import (
    ValidationError,
)
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

from onecouncil.api.models import ApiKey, PendingRequest
from onecouncil.api.open311.formats import respond
from onecouncil.api.open311.intake import (
    create_from_payload,
    param,
    payload_from,
    posted,
    uploads,
)
from onecouncil.api.open311.pending import pending_save
from onecouncil.api.open311.representations import (
    request_representation,
)

# The limit read from its module at each call, so it can be set in one place.
from onecouncil.api.open311.views import common
from onecouncil.api.open311.views.common import (
    Problem,
    authorised,
    date_window,
    handle,
    jurisdiction,
    limited,
    reader,
)
from onecouncil.cases.access import (
    CaseNotFound,
    access_case_public,
    public_cases,
)
from onecouncil.catalogue.selectors import service_for_resident

# --- Requests ------------------------------------------------------------------------


def _submission_key(request: HttpRequest, key: ApiKey) -> str:
    given = request.headers.get("Idempotency-Key", "").strip()
    if given:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"onecouncil:{key.pk}:{given}"))
    return str(uuid.uuid4())


@handle("GET", "POST")
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    council = jurisdiction(request, request.GET)
    cases = public_cases(council=council, client_id=reader(request, council))
    ids = [i.strip() for i in param(request.GET, "service_request_id").split(",") if i.strip()]
    if ids:
        cases = cases.filter(reference__in=ids)
    else:
        codes = [c.strip() for c in param(request.GET, "service_code").split(",") if c.strip()]
        if codes:
            cases = cases.filter(service__code__in=codes)
        start, end = date_window(request.GET)
        cases = cases.filter(created_at__gte=start, created_at__lte=end)
        statuses = {s.strip().lower() for s in param(request.GET, "status").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Problem(400, "status must be open, closed, or both separated by a comma")
        if len(statuses) == 1:
            cases = cases.with_open311_status(statuses.pop())
    found = list(cases.order_by("-created_at")[: common.MAX_RESULTS + 1])
    more = len(found) > common.MAX_RESULTS
    return limited(
        respond(
            fmt,
            "service_requests",
            [request_representation(c) for c in found[: common.MAX_RESULTS]],
        ),
        more,
    )


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = posted(request)
    council = jurisdiction(request, data)
    key = authorised(request, council, data)
    payload = payload_from(data, _submission_key(request, key))
    if not payload["service_code"]:
        raise Problem(400, "service_code is required")
    if service_for_resident(council=council, code=payload["service_code"]) is None:
        raise Problem(404, f"service_code {payload['service_code']} was not found")
    try:
        case = create_from_payload(
            council=council, key=key, payload=payload, files=uploads(request)
        )
    except ValidationError as exc:
        raise Problem(400, *exc.messages) from None
    except OperationalError:
        pending = pending_save(council=council, key=key, payload=payload)
        return respond(
            fmt,
            "service_requests",
            [
                {
                    "token": pending.token,
                    "service_notice": "Your request will be created shortly: follow the token.",
                    "account_id": None,
                }
            ],
            status=201,
        )
    return respond(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": case.reference,
                "service_notice": None,
                "account_id": None,
            }
        ],
        status=201,
    )


@handle("GET")
def request_view(request: HttpRequest, fmt: str, reference: str) -> HttpResponse:
    council = jurisdiction(request, request.GET)
    try:
        case = access_case_public(
            council=council, reference=reference, client_id=reader(request, council)
        )
    except CaseNotFound:
        raise Problem(404, f"service_request_id {reference} was not found") from None
    return respond(fmt, "service_requests", [request_representation(case)])


@handle("GET")
def token_view(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    council = jurisdiction(request, request.GET)
    pending = PendingRequest.objects.filter(council=council, token=token).first()
    if pending is None:
        raise Problem(404, f"token {token} was not found")
    if pending.error:
        raise Problem(400, f"The request could not be created: {pending.error}")
    return respond(
        fmt,
        "service_requests",
        [{"service_request_id": pending.service_request_id or None, "token": token}],
    )
