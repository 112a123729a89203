"""Cases and their events as GeoReport v2 requests and FixMyStreet-style updates.

GET endpoints are public, so a request shows only what the public tracking page shows:
no reporter, and the place to about 100 metres (street, outward postcode, rounded
coordinates), never the exact address or UPRN of someone's home. Household services
(``Visibility.WARD``) show the ward alone; private services are never here at all
(``cases.access.public_cases``). Free text from an API client or a phone call is shown
only once staff have published it (``case.description_published_at``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from onecouncil.cases.models import Case, CaseEvent, EventKind, Status, status_display
from onecouncil.core.geo import approximate

OPEN311_STATUS = {
    Status.RECEIVED: "open",
    Status.REOPENED: "open",
    Status.IN_PROGRESS: "in_progress",
    Status.ACTION_SCHEDULED: "action_scheduled",
    Status.AWAITING_RESIDENT: "investigating",
    Status.FIXED: "fixed",
}
UPDATE_KINDS = (EventKind.STATUS_CHANGED, EventKind.PUBLIC_UPDATE, EventKind.REOPENED)


def iso(moment: dt.datetime | None, tz: str) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


def request_representation(case: Case) -> dict[str, Any]:
    tz = case.council.time_zone
    exact = case.service.shows_exact_place
    street = case.street if exact else ""
    address = ", ".join(part for part in (street, case.ward.name if case.ward else "") if part)
    return {
        "service_request_id": case.reference,
        "status": case.open311_status,
        "status_notes": status_display(case)["explanation"],
        "service_name": case.service.name,
        "service_code": case.service.code,
        "description": (case.public_description if case.description_published_at else "") or None,
        "agency_responsible": case.team.name if case.team else case.council.name,
        "service_notice": None,
        "requested_datetime": iso(case.created_at, tz),
        "updated_datetime": iso(case.updated_at, tz),
        "expected_datetime": iso(case.due_at, tz) if case.is_open else None,
        "address": address or None,
        "address_id": None,
        "zipcode": case.postcode.split(" ")[0] if case.postcode and exact else None,
        "lat": approximate(case.latitude) if exact else None,
        "long": approximate(case.longitude) if exact else None,
        "media_url": None,
        # Not in GeoReport v2: the council's identifier of the asset it is about, as
        # FixMyStreet sends one (attribute[asset_id]).
        "asset_id": case.asset.identifier if case.asset and exact else None,
    }


def update_status(event: CaseEvent, closure_statuses: dict[str, str]) -> str:
    """The FixMyStreet status for the state a case was in after this event. Closed states
    come from the council's own closure reasons (their Open311 status)."""
    if event.status == Status.CLOSED:
        reason = (event.data or {}).get("closure_reason", "")
        return closure_statuses.get(reason, "closed")
    return OPEN311_STATUS.get(Status(event.status), "open") if event.status else "open"


def update_representation(
    event: CaseEvent, case: Case, closure_statuses: dict[str, str]
) -> dict[str, Any]:
    return {
        "update_id": str(event.pk),
        "service_request_id": case.reference,
        "status": update_status(event, closure_statuses),
        "updated_datetime": iso(event.created_at, case.council.time_zone),
        "description": event.message,
        "media_url": None,
    }
