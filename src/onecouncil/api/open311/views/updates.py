"""Service request updates: the public feed, and what clients and the systems requests
were sent on to post back; photo links for those systems."""

from __future__ import annotations

import uuid

from django.core.exceptions import (
    ValidationError,
)
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.utils import timezone

from onecouncil.api.models import ApiKey
from onecouncil.api.open311.formats import respond
from onecouncil.api.open311.intake import (
    param,
    plain,
    posted,
    uploads,
)
from onecouncil.api.open311.representations import (
    UPDATE_KINDS,
    update_representation,
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
    closure_statuses,
    public_updates,
)
from onecouncil.cases.actions import case_client_update
from onecouncil.cases.models import Case, CaseEvent
from onecouncil.core.actors import Actor
from onecouncil.sendon.client import Update
from onecouncil.sendon.media import photo_from_link
from onecouncil.sendon.services import backend_update_apply, sending_for_update

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
        limit=common.MAX_RESULTS + 1,
        client_id=reader(request, council),
    )
    more = len(events) > common.MAX_RESULTS
    closure = closure_statuses(council)
    shown = [update_representation(e, e.case, closure) for e in events[: common.MAX_RESULTS]]
    return limited(respond(fmt, "service_request_updates", shown), more)


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
