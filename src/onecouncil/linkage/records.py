"""The person index's records (``LinkRecord``): every record linkage may use for a single
view of the resident, in the standard forms, kept in step with where it came from.

- Source systems' live records, except a restricted source's unless a single view is one
  of its purposes (the full electoral register is for electoral purposes alone).
- Residents' accounts: the name, contact details and address they gave.
- Reporters of requests: the name, email and phone given with each request. A request's
  place is where the problem is, not where its reporter lives, so it is not compared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from onecouncil.cases.access import reporters_of_requests
from onecouncil.core.models import Council
from onecouncil.linkage.models import (
    LinkRecord,
    Purpose,
    RecordKind,
    SourceRecord,
    SourceSystem,
)
from onecouncil.linkage.standardise import PERSON_FIELDS, standard
from onecouncil.residents.selectors import accounts_for_linkage

_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame", "lady", "lord"}


@dataclass(frozen=True)
class Gathered:
    key: str
    kind: str
    ref_id: int
    values: dict[str, Any]
    source_id: int | None = None
    known_person_id: int | None = None
    seen_at: dt.datetime | None = None

    @property
    def digest(self) -> str:
        facts = [self.values, self.known_person_id, self.source_id]
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def split_name(full: str) -> tuple[str | None, str | None]:
    """A name as one field ("Mrs Jane van Dijk") as first name and surname ("jane",
    "van dijk"): titles dropped, the first word the first name, the rest the surname."""
    words = [w for w in (full or "").replace(",", " ").split() if w]
    while words and words[0].lower().rstrip(".") in _TITLES:
        words = words[1:]
    if not words:
        return None, None
    if len(words) == 1:
        return None, words[0]
    return words[0], " ".join(words[1:])


def sources_for_single_view(council: Council) -> list[SourceSystem]:
    """The sources whose records may be linked for a single view of the resident."""
    return [
        source
        for source in SourceSystem.objects.filter(council=council, is_active=True)
        if not source.restricted or Purpose.SINGLE_VIEW in (source.purposes or [])
    ]


def _from_sources(council: Council, record_ids: Iterable[int] | None = None) -> list[Gathered]:
    records = SourceRecord.objects.filter(
        source__in=sources_for_single_view(council), gone_at__isnull=True
    )
    if record_ids is not None:
        records = records.filter(pk__in=list(record_ids))
    return [
        Gathered(
            key=f"source:{pk}",
            kind=RecordKind.SOURCE,
            ref_id=pk,
            values={f: values.get(f) for f in PERSON_FIELDS},
            source_id=source_id,
            seen_at=changed_at,
        )
        for pk, source_id, values, changed_at in records.order_by("pk").values_list(
            "pk", "source_id", "values", "changed_at"
        )
    ]


def _standard(unique_id: str, name: str, **given: Any) -> dict[str, Any]:
    first, last = split_name(name)
    values = standard({"unique_id": unique_id, "first_name": first, "surname": last, **given})
    return {f: values[f] for f in PERSON_FIELDS}


def _from_accounts(council: Council, ids: list[int] | None = None) -> list[Gathered]:
    gathered = []
    for row in accounts_for_linkage(council=council, ids=ids):
        key = f"account:{row['pk']}"
        values = _standard(
            key,
            row["name"],
            email=row["email"],
            phone=row["phone"],
            uprn=row["address__uprn"],
            house_number=row["address__line1"],
            street=row["address__street"],
            town=row["address__town"],
            postcode=row["address__postcode"],
        )
        gathered.append(
            Gathered(
                key=key,
                kind=RecordKind.ACCOUNT,
                ref_id=row["pk"],
                values=values,
                known_person_id=row["person_id"],
                seen_at=row["created_at"],
            )
        )
    return gathered


def _from_requests(council: Council, ids: list[int] | None = None) -> list[Gathered]:
    gathered = []
    for row in reporters_of_requests(council=council, ids=ids).iterator(chunk_size=5000):
        key = f"request:{row['pk']}"
        values = _standard(
            key, row["contact_name"], email=row["contact_email"], phone=row["contact_phone"]
        )
        gathered.append(
            Gathered(
                key=key,
                kind=RecordKind.REQUEST,
                ref_id=row["pk"],
                values=values,
                known_person_id=row["person_id"],
                seen_at=row["created_at"],
            )
        )
    return gathered


def _enough(values: dict[str, Any]) -> bool:
    """A record linkage can say something about: a name and one other fact about them."""
    named = bool(values.get("surname"))
    facts = ("first_name", "dob", "postcode", "uprn", "email", "phone")
    return (named and any(values.get(f) for f in facts)) or bool(values.get("email"))


def gathered_all(council: Council) -> list[Gathered]:
    return [
        g
        for g in (*_from_sources(council), *_from_accounts(council), *_from_requests(council))
        if _enough(g.values)
    ]


def gathered_of(council: Council, kind: str, ids: list[int]) -> list[Gathered]:
    read = {
        RecordKind.SOURCE: _from_sources,
        RecordKind.ACCOUNT: _from_accounts,
        RecordKind.REQUEST: _from_requests,
    }[RecordKind(kind)]
    return [g for g in read(council, ids) if _enough(g.values)]


def _fill(record: LinkRecord, item: Gathered) -> LinkRecord:
    for field in PERSON_FIELDS:
        value = item.values.get(field)
        setattr(record, field, str(value) if value is not None else None)
    record.kind, record.ref_id, record.source_id = item.kind, item.ref_id, item.source_id
    record.known_person_id = item.known_person_id
    record.digest = item.digest
    record.seen_at = item.seen_at or timezone.now()
    return record


UPDATED = [*PERSON_FIELDS, "kind", "ref_id", "source", "known_person_id", "digest", "seen_at"]


@dataclass
class Synced:
    new: list[LinkRecord]
    changed: list[LinkRecord]
    removed: int


@transaction.atomic
def records_sync(
    council: Council, items: list[Gathered], *, remove_missing_of: list[str] | None = None
) -> Synced:
    """Bring the index's records into line with ``items``; those of the kinds in
    ``remove_missing_of`` that ``items`` no longer holds are removed (a record erased, an
    account closed, a source record gone)."""
    mine = LinkRecord.objects.filter(council=council)
    if not remove_missing_of:
        mine = mine.filter(key__in=[i.key for i in items])
    held = {r.key: r for r in mine.iterator(chunk_size=5000)}
    new, changed = [], []
    for item in items:
        record = held.get(item.key)
        if record is None:
            new.append(_fill(LinkRecord(council=council, key=item.key), item))
        elif record.digest != item.digest:
            changed.append(_fill(record, item))
    LinkRecord.objects.bulk_create(new, batch_size=2000)
    LinkRecord.objects.bulk_update(changed, UPDATED, batch_size=2000)
    removed = 0
    if remove_missing_of:
        keys = {i.key for i in items}
        stale = [r.pk for k, r in held.items() if k not in keys and r.kind in remove_missing_of]
        for start in range(0, len(stale), 2000):
            count, _kinds = LinkRecord.objects.filter(pk__in=stale[start : start + 2000]).delete()
            removed += count
    if new:  # bulk_create sets no primary key on every database: read them back
        by_key = dict(
            LinkRecord.objects.filter(council=council, key__in=[r.key for r in new]).values_list(
                "key", "pk"
            )
        )
        for record in new:
            record.pk = by_key[record.key]
    return Synced(new=new, changed=changed, removed=removed)


def records_refresh(council: Council) -> Synced:
    """Every record of the council, afresh (the batch run)."""
    return records_sync(council, gathered_all(council), remove_missing_of=list(RecordKind))
