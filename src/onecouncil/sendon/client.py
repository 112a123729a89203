"""An Open311 GeoReport v2 client for the council's other systems (``catalogue.Backend``).

Every call leaves through the one egress door (``core.egress.egress_request``): the
administrator typed the address, so it must not reach into the council's own network
unless the operator allows it. Answers are read as FixMyStreet's sender reads them: the
list of items under the root (``request``, ``request_update``, ``error``) in XML, the
list in JSON. Anything else (a timeout, a 5xx, an answer that does not parse) is a
``BackendError`` worth retrying; a 4xx is one that is not.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from defusedxml import ElementTree as SafeXML
from defusedxml.common import DefusedXmlException

from onecouncil.catalogue.models import Backend
from onecouncil.core.egress import EgressRefused, egress_request

TIMEOUT_SECONDS = 10
USER_AGENT = "OneCouncil-Open311/1"

Params = dict[str, str | list[str]]


class BackendError(Exception):
    """The system did not do what was asked; ``retry`` says whether trying again may help,
    ``status`` what it answered (0 when it gave no HTTP answer)."""

    def __init__(self, message: str, *, retry: bool = True, status: int = 0) -> None:
        super().__init__(message)
        self.retry = retry
        self.status = status


class TokenLost(BackendError):
    """It no longer knows a token it gave: the request is to be sent again."""


@dataclass(frozen=True)
class Created:
    external_id: str
    token: str


@dataclass(frozen=True)
class Update:
    update_id: str
    external_id: str
    status: str
    description: str
    updated_at: dt.datetime | None


def _items(body: bytes, fmt: str) -> list[dict[str, Any]]:
    """The items of an Open311 answer, each a flat mapping of field to text."""
    if fmt == "json":
        try:
            content = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BackendError(f"Its answer was not JSON: {exc}") from None
        items = content if isinstance(content, list) else [content]
        if not all(isinstance(item, dict) for item in items):
            raise BackendError("Its answer was not a list of Open311 items")
        return items
    try:
        # Its answers are not ours to trust: no entities, no DTDs (defusedxml).
        root = SafeXML.fromstring(body)
    except (SafeXML.ParseError, DefusedXmlException) as exc:
        raise BackendError(f"Its answer was not XML we can read: {exc}") from None
    return [{field.tag: (field.text or "").strip() for field in item} for item in root]


def _call(
    backend: Backend,
    method: str,
    path: str,
    params: Params,
    *,
    idempotency_key: str = "",
) -> list[dict[str, Any]]:
    query: Params = {}
    if backend.jurisdiction_id:
        query["jurisdiction_id"] = backend.jurisdiction_id
    if backend.api_key:
        query["api_key"] = backend.api_key
    url = backend.endpoint(f"{path}.{backend.format}")
    headers = {"User-Agent": USER_AGENT, "Accept": f"application/{backend.format}"}
    body = None
    if method == "POST":
        body = urlencode({**query, **params}, doseq=True).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
    else:
        url += "?" + urlencode({**query, **params}, doseq=True)
    try:
        response = egress_request(method, url, body=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except EgressRefused as exc:
        raise BackendError(str(exc), retry=False) from None
    except OSError as exc:
        raise BackendError(f"It could not be reached: {exc or type(exc).__name__}") from None
    if response.status >= 500 or response.status == 429:
        raise BackendError(f"It answered {response.status}", status=response.status)
    if response.status >= 400:
        try:
            described = "; ".join(
                str(i.get("description", "")) for i in _items(response.body, backend.format)
            )
        except BackendError:
            described = ""
        raise BackendError(
            f"It refused the request ({response.status}){': ' + described if described else ''}",
            retry=response.status in (408, 409),
            status=response.status,
        )
    return _items(response.body, backend.format)


def request_post(backend: Backend, params: Params, *, idempotency_key: str) -> Created:
    """POST requests: its reference for the new request, or a token to ask for it later."""
    items = _call(backend, "POST", "requests", params, idempotency_key=idempotency_key)
    first = items[0] if items else {}
    external_id = str(first.get("service_request_id") or "").strip()
    token = str(first.get("token") or "").strip()
    if not external_id and not token:
        raise BackendError("Its answer held neither a service_request_id nor a token")
    return Created(external_id[:100], token[:200])


def token_lookup(backend: Backend, token: str) -> str:
    """The reference a token became; "" while it has none yet. Raises ``TokenLost`` when
    the system no longer knows it."""
    try:
        items = _call(backend, "GET", f"tokens/{token}", {})
    except BackendError as exc:
        if exc.status == 404:
            raise TokenLost(f"It has lost the token {token}: {exc}", status=404) from None
        raise
    first = items[0] if items else {}
    return str(first.get("service_request_id") or "").strip()[:100]


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def updates_get(backend: Backend, start: dt.datetime, end: dt.datetime) -> list[Update]:
    """Its updates made in the window, oldest first. The window is sent in whole seconds
    (what every server parses), the end rounded up so nothing of its last second is
    missed."""
    items = _call(
        backend,
        "GET",
        "servicerequestupdates",
        {
            "start_date": start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end_date": (end.astimezone(dt.UTC) + dt.timedelta(seconds=1)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
        },
    )
    updates = [
        Update(
            update_id=str(item.get("update_id") or ""),
            external_id=str(item.get("service_request_id") or ""),
            status=str(item.get("status") or "").strip().lower(),
            description=str(item.get("description") or ""),
            updated_at=_moment(str(item.get("updated_datetime") or "")),
        )
        for item in items
        if item.get("service_request_id")
    ]
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(updates, key=lambda u: u.updated_at or oldest)


def update_post(backend: Backend, *, external_id: str, description: str, status: str) -> str:
    """Tell the system something about one of its requests (FixMyStreet's extension)."""
    items = _call(
        backend,
        "POST",
        "servicerequestupdates",
        {
            "service_request_id": external_id,
            "description": description,
            "status": status,
            "updated_datetime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    first = items[0] if items else {}
    return str(first.get("update_id") or "")
