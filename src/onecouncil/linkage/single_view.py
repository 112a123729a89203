"""The single view of a resident: linkage's read shapes for staff pages.

Only staff with the ``single_view`` permission read them (councillors do not have it),
and each read is recorded as a read of personal data. A restricted source's records are
never in the index unless a single view is one of its purposes (``linkage.records``), so
they cannot appear here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onecouncil.cases.access import require
from onecouncil.cases.actions import SystemToTell
from onecouncil.core.audit import personal_data_read
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission, role_has
from onecouncil.linkage.index import GOLDEN_FIELDS
from onecouncil.linkage.models import (
    PERSON_FIELD_LABELS,
    LinkRecord,
    PairReview,
    Purpose,
    RecordKind,
    ReviewStatus,
)
from onecouncil.residents.models import Account, Person

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "dob": gettext_lazy("Date of birth"),
    "address": gettext_lazy("Address"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
}


@dataclass
class GoldenRow:
    field: str
    label: str
    value: str
    came_from: list[str]


@dataclass
class Holding:
    """A source system that knows the person: what it holds and when it was last seen."""

    system: str
    owner: str
    lawful_basis: str
    reference: str
    fields: list[str]
    seen_at: Any


@dataclass
class SingleView:
    person: Person
    golden: list[GoldenRow]
    records: list[LinkRecord]
    holdings: list[Holding]
    account_ids: list[int]
    request_ids: list[int]
    person_ids: list[int]  # the person and those found to be the same
    to_review: int = 0
    notes: list[str] = field(default_factory=list)


def _label(record: LinkRecord) -> str:
    if record.kind == RecordKind.SOURCE and record.source is not None:
        return record.source.name
    if record.kind == RecordKind.ACCOUNT:
        return _("Their OneCouncil account")
    return _("A request they made")


def value_text(name: str, value: dict[str, Any]) -> str:
    if name == "name":
        return " ".join(
            str(v).title() for v in (value.get("first_name"), value.get("surname")) if v
        )
    if name == "address":
        street = " ".join(
            str(v).title() for v in (value.get("house_number"), value.get("street")) if v
        )
        parts = [street, str(value.get("town") or "").title(), value.get("postcode") or ""]
        text = ", ".join(p for p in parts if p)
        return f"{text} (UPRN {value['uprn']})" if value.get("uprn") else text
    if name == "dob" and value.get("dob"):
        year, month, day = str(value["dob"]).split("-")
        return f"{day}/{month}/{year}"
    return str(value.get(name) or "")


def _golden_rows(person: Person, labels: dict[str, str]) -> list[GoldenRow]:
    rows = []
    for name in GOLDEN_FIELDS:
        held = (person.golden or {}).get(name)
        if not held:
            continue
        rows.append(
            GoldenRow(
                field=name,
                label=str(FIELD_LABELS[name]),
                value=value_text(name, held["value"]),
                came_from=sorted({labels.get(k, k) for k in held["records"]}),
            )
        )
    return rows


def person_primary(council: Council, person_id: int) -> Person | None:
    person = Person.objects.filter(council=council, pk=person_id).first()
    if person is not None and person.same_as_id:
        return Person.objects.filter(council=council, pk=person.same_as_id).first() or person
    return person


def single_view_for_staff(*, membership: Membership, person_id: int) -> SingleView | None:
    """The person's golden record, their records and where each came from."""
    require(membership, Permission.SINGLE_VIEW)
    person = person_primary(membership.council, person_id)
    if person is None:
        return None
    others = list(Person.objects.filter(same_as=person).values_list("pk", flat=True))
    records = list(
        LinkRecord.objects.filter(person=person).select_related("source").order_by("kind", "pk")
    )
    labels = {r.key: _label(r) for r in records}
    holdings = [
        Holding(
            system=r.source.name,
            owner=r.source.owner,
            lawful_basis=r.source.get_lawful_basis_display(),
            reference=_source_reference(r),
            fields=[
                str(PERSON_FIELD_LABELS[f])
                for f in r.source.fields
                if getattr(r, f, None) is not None
            ],
            seen_at=r.seen_at,
        )
        for r in records
        if r.kind == RecordKind.SOURCE and r.source is not None
    ]
    record_ids = [r.pk for r in records]
    pending = PairReview.objects.filter(status=ReviewStatus.PENDING).filter(
        left_id__in=record_ids
    ) | PairReview.objects.filter(status=ReviewStatus.PENDING, right_id__in=record_ids)
    personal_data_read(council_id=membership.council_id, what=f"single view of person {person.pk}")
    return SingleView(
        person=person,
        golden=_golden_rows(person, labels),
        records=records,
        holdings=holdings,
        account_ids=[r.ref_id for r in records if r.kind == RecordKind.ACCOUNT],
        request_ids=[r.ref_id for r in records if r.kind == RecordKind.REQUEST],
        person_ids=[person.pk, *others],
        to_review=pending.count(),
    )


def _source_reference(record: LinkRecord) -> str:
    from onecouncil.linkage.models import SourceRecord

    return (
        SourceRecord.objects.filter(pk=record.ref_id).values_list("source_key", flat=True).first()
        or ""
    )


def person_of(council: Council, kind: str, ref_id: int) -> int | None:
    """The person the index links this account or request to (for a link to their
    single view from the case and resident pages)."""
    person_id = (
        LinkRecord.objects.filter(council=council, kind=kind, ref_id=ref_id)
        .values_list("person_id", flat=True)
        .first()
    )
    return person_id


def people_of_requests(council: Council, request_ids: list[int]) -> dict[int, int]:
    """Request id to its reporter's person in the index."""
    return {
        ref: person
        for ref, person in LinkRecord.objects.filter(
            council=council, kind=RecordKind.REQUEST, ref_id__in=request_ids
        ).values_list("ref_id", "person_id")
        if person is not None
    }


def people_search(*, membership: Membership, text: str, limit: int = 20) -> list[Person]:
    """People in the index by name, email or phone (staff search and the adviser's caller
    search), most records first."""
    from onecouncil.linkage.records import split_name
    from onecouncil.linkage.standardise import email, name, phone

    require(membership, Permission.SINGLE_VIEW)
    text = text.strip()[:200]
    records = LinkRecord.objects.filter(council_id=membership.council_id, person__isnull=False)
    if email(text):
        records = records.filter(email=email(text))
    elif phone(text) and not any(ch.isalpha() for ch in text):
        records = records.filter(phone=phone(text))
    else:
        first, last = split_name(text)
        if not last:
            return []
        records = records.filter(surname=name(last))
        if first:
            records = records.filter(first_name=name(first))
    ids = [
        row["person_id"]
        for row in records.values("person_id").annotate(n=Count("pk")).order_by("-n")[:limit]
    ]
    people = Person.objects.in_bulk(ids)
    found = [people[i] for i in ids if i in people]
    if found:
        personal_data_read(
            council_id=membership.council_id,
            what="people search: " + ", ".join(f"person {p.pk}" for p in found),
        )
    return found


def single_view_allowed(membership: Membership) -> bool:
    return role_has(membership.role, Permission.SINGLE_VIEW)


def single_view_link(
    *, membership: Membership, kind: str, ref_id: int, known_person_id: int | None = None
) -> int | None:
    """The person whose single view a case or resident page links to: the one the index
    links the record to (else the person a verified email joined it to); None for staff
    without the single view."""
    if not single_view_allowed(membership):
        return None
    return person_of(membership.council, kind, ref_id) or known_person_id


def single_view_links_of_requests(
    *, membership: Membership, request_ids: list[int]
) -> dict[int, int]:
    """Request id to its reporter's person, for links to the single view (nothing for
    staff without it)."""
    if not role_has(membership.role, Permission.SINGLE_VIEW):
        return {}
    return people_of_requests(membership.council, request_ids)


def people_search_if_allowed(*, membership: Membership, text: str) -> list[Person] | None:
    """``people_search`` for staff with the single view; None for others."""
    if not role_has(membership.role, Permission.SINGLE_VIEW):
        return None
    return people_search(membership=membership, text=text)


def systems_to_tell(account: Account) -> list[tuple[int, SystemToTell]]:
    """Tell us once, across systems: the council's systems that hold this resident (as
    record linkage found), that may be told of a change (tell us once is among their
    purposes) and that name the service whose team keeps them; one per system, by id."""
    person_ids = set(
        LinkRecord.objects.filter(
            council_id=account.council_id, kind=RecordKind.ACCOUNT, ref_id=account.pk
        )
        .exclude(person=None)
        .values_list("person_id", flat=True)
    )
    if not person_ids:
        return []
    found: dict[int, tuple[int, SystemToTell]] = {}
    records = (
        LinkRecord.objects.filter(person_id__in=person_ids, kind=RecordKind.SOURCE)
        .select_related("source", "source__service")
        .order_by("pk")
    )
    for record in records:
        source = record.source
        if (
            source is None
            or source.pk in found
            or not source.is_active
            or source.service is None
            or Purpose.TELL_US_ONCE not in (source.purposes or [])
        ):
            continue
        found[source.pk] = (
            source.pk,
            SystemToTell(
                name=source.name,
                service=source.service,
                their_reference=_source_reference(record),
                lawful_basis=str(source.get_lawful_basis_display()),
            ),
        )
    return sorted(found.values(), key=lambda item: item[1].name)
