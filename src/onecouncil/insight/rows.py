"""The analytics store's read shape: one row per request, with how often it was reopened.

What the store may hold of a request is the field list below: no names, contact details,
free text, addresses or points; the ward is the finest place. Read through the cases
door's bulk scope (``cases.access.requests_in_id_order``), in chunks by id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from onecouncil.cases.access import reopen_counts, requests_in_id_order

INSIGHT_FIELDS = (
    "id",
    "council_id",
    "service_id",
    "team_id",
    "ward__code",
    "channel",
    "status",
    "closure_reason__code",
    "created_at",
    "closed_at",
    "due_at",
    "paused_at",
    "duplicate_of_id",
)


@dataclass(frozen=True)
class InsightRow:
    """One request as the analytics store holds it, with how often it was reopened."""

    fields: tuple[Any, ...]  # in the order of INSIGHT_FIELDS
    reopened: int


def requests_for_insight(
    *,
    after_id: int = 0,
    changed_since: dt.datetime | None = None,
    chunk: int = 5000,
) -> Iterator[InsightRow]:
    """Every request the analytics store needs, in id order: all of them, or (for an
    incremental refresh) those made after ``after_id`` or changed since ``changed_since``.
    Read in chunks by id, with each chunk's reopen count from its events."""
    cases = requests_in_id_order(after_id=after_id, changed_since=changed_since)
    last = 0
    while True:
        rows = list(cases.filter(pk__gt=last).values_list(*INSIGHT_FIELDS)[:chunk])
        if not rows:
            return
        ids = [row[0] for row in rows]
        reopened = reopen_counts(ids)
        for row in rows:
            yield InsightRow(fields=row, reopened=reopened.get(row[0], 0))
        if len(rows) < chunk:
            return
        last = ids[-1]
