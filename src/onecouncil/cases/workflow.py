"""Which status may follow which, per service pattern."""

from __future__ import annotations

from onecouncil.cases.models import Status
from onecouncil.catalogue.models import Pattern

_WORKING = {
    Status.IN_PROGRESS,
    Status.ACTION_SCHEDULED,
    Status.AWAITING_RESIDENT,
    Status.FIXED,
    Status.CLOSED,
}

TRANSITIONS: dict[Status, set[Status]] = {
    Status.RECEIVED: _WORKING,
    Status.IN_PROGRESS: _WORKING - {Status.IN_PROGRESS},
    Status.ACTION_SCHEDULED: _WORKING - {Status.ACTION_SCHEDULED},
    Status.AWAITING_RESIDENT: _WORKING - {Status.AWAITING_RESIDENT},
    Status.REOPENED: _WORKING,
    Status.FIXED: {Status.REOPENED},
    Status.CLOSED: {Status.REOPENED},
}

# Statuses that do not fit a pattern: nothing is "scheduled" about a change of address
# or a complaint.
NOT_FOR_PATTERN: dict[str, set[Status]] = {
    Pattern.CHANGE: {Status.ACTION_SCHEDULED},
    Pattern.COMPLAINT: {Status.ACTION_SCHEDULED},
}


def allowed_next(status: str, pattern: str) -> list[Status]:
    """The statuses staff may move a request to next, in a stable order."""
    allowed = TRANSITIONS[Status(status)] - NOT_FOR_PATTERN.get(pattern, set())
    return [s for s in Status if s in allowed]
