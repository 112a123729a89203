"""An open data release's read shape: one row per request, as a release may read it.

Free text is read only once staff published it (as the Open311 feed does), and the street
only for public services; a private service's request gives only what its counts need.
Read through the cases door's bulk scope (``cases.access.requests_in_id_order``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from onecouncil.cases.access import requests_in_id_order
from onecouncil.catalogue.models import PUBLIC_VISIBILITIES
from onecouncil.core.models import Council

OPEN_DATA_FIELDS = (
    "id",
    "service_id",
    "reference",
    "status",
    "closure_reason__open311_status",
    "channel",
    "created_at",
    "updated_at",
    "closed_at",
    "due_at",
    "ward_id",
    "street",
    "public_description",
    "description_published_at",
    "service__visibility",
)


@dataclass(frozen=True)
class OpenDataRow:
    """One request as an open data release reads it."""

    case_id: int
    service_id: int
    reference: str
    status: str
    closure_category: str | None
    channel: str
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    due_at: dt.datetime | None
    ward_id: int | None
    street: str  # "" unless the service is public
    published_text: str  # "" unless the service is public and staff published the text
    public: bool


def requests_for_open_data(*, council: Council, chunk: int = 20000) -> Iterator[OpenDataRow]:
    """Every request of the council, in id order, read in chunks by id so that memory does
    not grow with the number of requests."""
    cases = requests_in_id_order(council=council)
    last = 0
    while True:
        rows = list(cases.filter(pk__gt=last).values_list(*OPEN_DATA_FIELDS)[:chunk])
        for (
            case_id,
            service_id,
            reference,
            status,
            closure,
            channel,
            created,
            updated,
            closed,
            due,
            ward_id,
            street,
            text,
            published,
            visibility,
        ) in rows:
            public = visibility in PUBLIC_VISIBILITIES
            yield OpenDataRow(
                case_id=case_id,
                service_id=service_id,
                reference=reference,
                status=status,
                closure_category=closure,
                channel=channel,
                created_at=created,
                updated_at=updated,
                closed_at=closed,
                due_at=due,
                ward_id=ward_id,
                street=street if public else "",
                published_text=text if public and published is not None else "",
                public=public,
            )
        if len(rows) < chunk:
            return
        last = rows[-1][0]
