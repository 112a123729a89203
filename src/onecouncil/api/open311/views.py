"""The Open311 GeoReport v2 server, with the update extension FixMyStreet uses.

Specification: GeoReport v2 (open311.org), summarised in docs/open311.md. Every council
of the deployment is a jurisdiction (``jurisdiction_id`` = its slug). Requests are created through
``case_create``, exactly as on the web, with the channel recorded as the client's name.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.db import OperationalError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.views.decorators.csrf import csrf_exempt

from onecouncil.api.keys import api_key_allow, api_key_check
from onecouncil.api.models import ApiKey, KeyKind, PendingRequest
from onecouncil.api.open311.formats import error, respond
from onecouncil.api.open311.intake import (
    create_from_payload,
    param,
    payload_from,
    plain,
    posted,
    uploads,
)
from onecouncil.api.open311.pending import pending_save
from onecouncil.api.open311.representations import (
    UPDATE_KINDS,
    request_representation,
    update_representation,
)
from onecouncil.cases.access import (
    CaseNotFound,
    access_case_public,
    closure_statuses,
    public_cases,
    public_updates,
)
from onecouncil.cases.actions import case_client_update
from onecouncil.cases.models import Case, CaseEvent
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.open311 import service_definition, service_summary
from onecouncil.catalogue.selectors import service_for_resident
from onecouncil.core.actors import Actor
from onecouncil.core.links import public_api_url
from onecouncil.core.models import Council
from onecouncil.core.selectors import active_councils, council_for_slug
from onecouncil.sendon.client import Update
from onecouncil.sendon.media import photo_from_link
from onecouncil.sendon.services import backend_update_apply, sending_for_update

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The API's own last change; discovery's changeset is the later of this and the
# catalogue's last change.
API_CHANGED = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
# Said on a list cut at MAX_RESULTS, so a client knows to narrow its dates (docs/open311.md).
TRUNCATED_HEADER = "X-Results-Truncated"


def _limited(response: HttpResponse, more: bool) -> HttpResponse:
    response["X-Results-Limit"] = str(MAX_RESULTS)
    if more:
        response[TRUNCATED_HEADER] = "true"
    return response


class Problem(Exception):
    def __init__(self, status: int, *descriptions: str, headers: dict[str, str] | None = None):
        super().__init__(descriptions)
        self.status = status
        self.descriptions = descriptions
        self.headers = headers or {}


def jurisdiction(request: HttpRequest, data: QueryDict) -> Council:
    slug = param(data, "jurisdiction_id")
    if slug:
        council = council_for_slug(slug)
        if council is None:
            raise Problem(404, f"jurisdiction_id {slug} was not found")
        return council
    host_council: Council | None = getattr(request, "council", None)
    if host_council is not None:
        return host_council
    councils = active_councils()
    if len(councils) == 1:
        return councils[0]
    raise Problem(400, "jurisdiction_id is required: one of " + ", ".join(c.slug for c in councils))


def authorised(request: HttpRequest, council: Council, data: QueryDict) -> ApiKey:
    key = api_key_check(key=param(data, "api_key"), council=council, kind=KeyKind.OPEN311)
    if key is None:
        raise Problem(403, "api_key is missing or not valid for this jurisdiction")
    wait = api_key_allow(key)
    if wait is not None:
        raise Problem(
            429,
            f"Too many requests for this api_key: try again in {wait} seconds",
            headers={"Retry-After": str(wait)},
        )
    return key


def reader(request: HttpRequest, council: Council) -> int | None:
    """The API client reading, when a GET carries an ``api_key`` (optional on reads): it
    also sees the private requests it sent. A key that is given must be good."""
    if not param(request.GET, "api_key"):
        return None
    return authorised(request, council, request.GET).pk


def handle(*allowed: str) -> Callable[[Any], Any]:
    """An Open311 view taking these methods (GET also answers HEAD). Every answer is in
    the specification's error format: our own problems, a method the path does not
    take, and anything unforeseen (logged, with its trace, as a 500). No view reads a
    cookie, so none needs a CSRF check (a POST is authorised by its ``api_key``)."""
    methods = (*allowed, "HEAD") if "GET" in allowed else allowed
    return lambda view: csrf_exempt(_handled(view, methods))


def _handled(view: Any, allowed: tuple[str, ...]) -> Any:
    def wrapper(request: HttpRequest, fmt: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in allowed:
            return error(
                fmt,
                405,
                f"{request.method} is not allowed here: use {' or '.join(allowed)}",
                headers={"Allow": ", ".join(allowed)},
            )
        try:
            return view(request, fmt, *args, **kwargs)
        except Problem as problem:
            return error(fmt, problem.status, *problem.descriptions, headers=problem.headers)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1_000_000
            return error(
                fmt,
                413,
                f"The request's parameters are too large: at most {limit} MB "
                "(photos go as files, which have their own limit)",
            )
        except (TooManyFieldsSent, TooManyFilesSent):
            return error(
                fmt,
                400,
                f"Too many parameters: at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} "
                f"fields and {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files",
            )
        except Exception:
            logger.exception("Open311 %s %s failed", request.method, request.path)
            return error(fmt, 500, "Something went wrong on our side: please try again later")

    return functools.wraps(view)(wrapper)


def parse_datetime(value: str, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Problem(
            400, f"{name} must be an ISO 8601 date and time, like 2026-01-31T09:00:00Z"
        ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    try:
        # Dates at the edges of the calendar cannot be moved to UTC, or 90 days back.
        return (moment.astimezone(dt.UTC) - WINDOW) + WINDOW
    except OverflowError:
        raise Problem(400, f"{name} is outside the dates this service can answer for") from None


def date_window(data: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    start_text, end_text = param(data, "start_date"), param(data, "end_date")
    end = parse_datetime(end_text, "end_date") if end_text else timezone.now()
    start = parse_datetime(start_text, "start_date") if start_text else end - WINDOW
    if start > end:
        raise Problem(400, "start_date must be before end_date")
    if end - start > WINDOW:
        raise Problem(400, "The date range may span at most 90 days")
    return start, end


# --- Discovery and services ----------------------------------------------------------


@handle("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Where the API lives, from each council's configured public address (never the
    request's Host header): one endpoint per distinct site on this deployment."""
    councils = active_councils()
    host_council: Council | None = getattr(request, "council", None)
    if host_council is not None:
        councils = [host_council]
    urls = sorted({public_api_url(c, "open311/v2/") for c in councils})
    changeset = max(
        [API_CHANGED, *(c.catalogue_changed_at for c in councils if c.catalogue_changed_at)]
    ).isoformat(timespec="seconds")
    return respond(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": "; ".join(f"{c.name}: {c.email}" for c in councils if c.email),
            "key_service": "Ask the council's digital team for an API key for your application.",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url,
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
                for url in urls
            ],
        },
    )


def _catalogue_etag(council: Council, *parts: str) -> str:
    """The catalogue's version names what the service list and definitions say: any
    change to a service, question or group bumps it (``catalogue.versions``)."""
    return quote_etag(
        "-".join(["catalogue", str(council.pk), str(council.catalogue_version), *parts])
    )


def _conditional(
    request: HttpRequest, etag: str, build: Callable[[], HttpResponse]
) -> HttpResponse:
    """304 when the client already has this version; otherwise the answer, with its ETag.
    Clients revalidate each time (no-cache), so a change shows at once."""
    response = get_conditional_response(request, etag=etag) or build()
    if response.status_code in (200, 304):
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
    return response


@handle("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    council = jurisdiction(request, request.GET)
    return _conditional(request, _catalogue_etag(council, fmt), lambda: _services(council, fmt))


def _services(council: Council, fmt: str) -> HttpResponse:
    found = (
        Service.objects.filter(council=council, is_active=True)
        .select_related("group")
        .prefetch_related("questions")
        .order_by("order", "name")
    )
    return respond(fmt, "services", [service_summary(s) for s in found])


@handle("GET")
def service_definition_view(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    council = jurisdiction(request, request.GET)
    return _conditional(
        request,
        _catalogue_etag(council, fmt, code.encode("unicode_escape").decode("ascii")),
        lambda: _service_definition(council, fmt, code),
    )


def _service_definition(council: Council, fmt: str, code: str) -> HttpResponse:
    service = (
        Service.objects.filter(council=council, is_active=True, code=code)
        .prefetch_related("questions")
        .first()
    )
    if service is None:
        raise Problem(404, f"service_code {code} was not found")
    return respond(fmt, "service_definition", service_definition(service))


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
    found = list(cases.order_by("-created_at")[: MAX_RESULTS + 1])
    more = len(found) > MAX_RESULTS
    return _limited(
        respond(fmt, "service_requests", [request_representation(c) for c in found[:MAX_RESULTS]]),
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


# --- Updates (the extension FixMyStreet uses) ----------------------------------------


@handle("GET", "POST")
def updates_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_update(request, fmt)
    council = jurisdiction(request, request.GET)
    start, end = date_window(request.GET)
    events = public_updates(
        council=council,
        kinds=set(UPDATE_KINDS),
        start=start,
        end=end,
        limit=MAX_RESULTS + 1,
        client_id=reader(request, council),
    )
    more = len(events) > MAX_RESULTS
    closure = closure_statuses(council)
    shown = [update_representation(e, e.case, closure) for e in events[:MAX_RESULTS]]
    return _limited(respond(fmt, "service_request_updates", shown), more)


# FixMyStreet's update extension: the statuses its sender posts, besides OPEN and CLOSED.
CLIENT_STATUSES = frozenset(
    {
        "OPEN",
        "CLOSED",
        "FIXED",
        "IN_PROGRESS",
        "ACTION_SCHEDULED",
        "INVESTIGATING",
        "DUPLICATE",
        "NOT_COUNCILS_RESPONSIBILITY",
        "NO_FURTHER_ACTION",
        "INTERNAL_REFERRAL",
        "FOR_TRIAGE",
        "CANCELLED",
        "REOPEN",
    }
)


def _post_update(request: HttpRequest, fmt: str) -> HttpResponse:
    """A client's update. Every status and comment is recorded on the request for staff;
    the client's word never closes it. REOPEN reopens a closed request; a plain OPEN on
    a closed one (usually the client's view from before staff closed it) reopens it only
    where the council has said so (``Council.open311_open_reopens``)."""
    data = posted(request)
    council = jurisdiction(request, data)
    key = authorised(request, council, data)
    reference = param(data, "service_request_id")
    description = plain(data.get("description") or "").strip()
    if not reference:
        raise Problem(400, "service_request_id is required")
    if not description:
        raise Problem(400, "description is required")
    status = param(data, "status").upper().replace(" ", "_")
    if status and status not in CLIENT_STATUSES:
        raise Problem(400, "status must be one of " + ", ".join(sorted(CLIENT_STATUSES)))
    if key.backend_id is not None:
        return _backend_update(fmt, key, reference, status, description, param(data, "update_id"))
    try:
        case = access_case_public(council=council, reference=reference, client_id=key.pk)
    except CaseNotFound:
        raise Problem(404, f"service_request_id {reference} was not found") from None
    name = " ".join(p for p in (param(data, "first_name"), param(data, "last_name")) if p)
    try:
        update = _client_update(request, data, case, key, status, description, name)
    except ValidationError as exc:
        raise Problem(
            400, *(f"{field}: {m}" for field, ms in exc.message_dict.items() for m in ms)
        ) from None
    return respond(fmt, "service_request_updates", [{"update_id": str(update.pk)}])


def _client_update(
    request: HttpRequest,
    data: QueryDict,
    case: Case,
    key: ApiKey,
    status: str,
    description: str,
    name: str,
) -> CaseEvent:
    return case_client_update(
        case=case,
        message=description,
        reopen=status == "REOPEN" or (status == "OPEN" and case.council.open311_open_reopens),
        actor=Actor.system(key.name),
        data={
            "client_update_id": param(data, "update_id"),
            "client_status": status,
            "name": name,
            "email": param(data, "email"),
            "media_url": [u.strip() for u in data.getlist("media_url") if u.strip()],
        },
        uploads=uploads(request),
    )


@handle("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
def unknown(request: HttpRequest, fmt: str, path: str) -> HttpResponse:
    """Any other path under the base: a 404 in the specification's format."""
    raise Problem(404, f"There is no {path[:100]} here: see discovery.xml for what there is")


def _backend_update(
    fmt: str, key: ApiKey, reference: str, status: str, description: str, update_id: str
) -> HttpResponse:
    """A system we send requests to, telling us of one of them: its word on the status,
    applied exactly as its polled updates are (``sendon.services.backend_update_apply``)."""
    assert key.backend is not None
    sending = sending_for_update(key.backend, reference)
    if sending is None:
        raise Problem(404, f"service_request_id {reference} was not sent to {key.backend.name}")
    backend_update_apply(
        sending,
        Update(
            update_id=update_id or uuid.uuid4().hex,
            external_id=sending.external_id,
            status=status.lower(),
            description=description,
            updated_at=timezone.now(),
        ),
    )
    return respond(fmt, "service_request_updates", [{"update_id": update_id or ""}])


def sent_photo(request: HttpRequest, token: str) -> HttpResponseBase:
    """A photo of a request sent on, for its system to fetch while the link is valid."""
    photo = photo_from_link(token)
    if photo is None:
        raise Http404("This link has expired or the photo has been removed")
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
