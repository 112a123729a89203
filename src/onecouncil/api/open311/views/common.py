"""What every Open311 endpoint shares: the jurisdiction, the key and its limit, the
format dispatch (``handle``), errors in Open311's words (``Problem``) and date windows."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from onecouncil.api.keys import api_key_allow, api_key_check
from onecouncil.api.models import ApiKey, KeyKind
from onecouncil.api.open311.formats import error
from onecouncil.api.open311.intake import (
    param,
)
from onecouncil.core.models import Council
from onecouncil.core.selectors import active_councils, council_for_slug

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# The API's own last change; discovery's changeset is the later of this and the
# catalogue's last change.
API_CHANGED = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
# Said on a list cut at MAX_RESULTS, so a client knows to narrow its dates (docs/open311.md).
TRUNCATED_HEADER = "X-Results-Truncated"


def limited(response: HttpResponse, more: bool) -> HttpResponse:
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
