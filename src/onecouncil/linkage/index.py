"""The person index: the batch run that links every record, and the golden records.

A run brings the index's records up to date (``linkage.records``), trains the model when
there is none (or when asked), scores every pair the blocking rules find, and clusters
the records into people:

- pairs at or above the match threshold are linked, strongest first; a pair staff decided
  is the same person is always linked; two records staff decided are different people
  are never put in one cluster, even through others (a link that would join them is
  left out);
- each cluster is one ``residents.Person``: the OneCouncil person most of its records
  already belonged to (a verified email address), else the person the last run gave
  them, else a new person made by linkage; a second verified person in the same cluster
  is marked ``same_as`` the first, and a person made by linkage that no record is linked
  to any more is removed;
- each person's golden record holds, per field, the value most of their records agree
  on (the resident's own account first when they tie, then the most recently seen), with
  the records it came from;
- pairs between the review and match thresholds that nobody has decided wait in the
  review queue.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from onecouncil.core.audit import audit_record
from onecouncil.core.models import AuditAction, Council
from onecouncil.core.privacy import PersonalValues, PersonKeys
from onecouncil.linkage import model as linkage_model
from onecouncil.linkage.models import (
    LinkModel,
    LinkRecord,
    PairReview,
    RecordKind,
    ReviewStatus,
    SourceRecord,
)
from onecouncil.linkage.records import records_refresh
from onecouncil.linkage.standardise import COLUMNS
from onecouncil.linkage.standardise import phone as standard_phone
from onecouncil.residents.models import Person

TF_COLUMNS = ("first_name", "surname", "email", "phone")


@dataclass
class Indexed:
    records: int = 0
    people: int = 0
    linked_pairs: int = 0
    to_review: int = 0
    trained: bool = False
    model_version: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def _backend() -> str:
    return str(getattr(settings, "LINKAGE_BACKEND", "duckdb"))


def current_model(council: Council | int) -> LinkModel | None:
    council_id = council if isinstance(council, int) else council.pk
    return LinkModel.objects.filter(council_id=council_id).order_by("-version").first()


def _frame(council: Council) -> pd.DataFrame:
    rows = LinkRecord.objects.filter(council=council).order_by("pk")
    frame = pd.DataFrame(
        [r.values() for r in rows.iterator(chunk_size=5000)], columns=list(COLUMNS)
    )
    return frame.astype(object).where(frame.notna(), None)


def tf_totals(frame: pd.DataFrame) -> dict[str, int]:
    return {c: int(frame[c].notna().sum()) for c in TF_COLUMNS}


def model_train(council: Council, frame: pd.DataFrame, *, pair_budget: int) -> LinkModel:
    as_of = timezone.now()
    trained = linkage_model.train(
        frame, pair_budget=pair_budget, data_as_of=as_of.isoformat(), backend=_backend()
    )
    version = (LinkModel.objects.filter(council=council).aggregate(v=Max("version"))["v"] or 0) + 1
    return LinkModel.objects.create(
        council=council,
        version=version,
        data_as_of=as_of,
        records=len(frame),
        settings=trained.settings,
        tf_totals=tf_totals(frame),
        notes=trained.notes,
    )


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def decisions(council: Council | int) -> tuple[set[tuple[int, int]], dict[int, set[int]]]:
    """Staff's decisions: the pairs of record ids that are one person, and for each record
    the records it is not."""
    council_id = council if isinstance(council, int) else council.pk
    same: set[tuple[int, int]] = set()
    different: dict[int, set[int]] = defaultdict(set)
    decided = PairReview.objects.filter(council_id=council_id).exclude(status=ReviewStatus.PENDING)
    for left, right, status in decided.values_list("left_id", "right_id", "status"):
        if status == ReviewStatus.SAME:
            same.add(_ordered(left, right))
        else:
            different[left].add(right)
            different[right].add(left)
    return same, different


def constrained_clusters(
    ids: list[int],
    links: list[tuple[int, int, float]],
    same: set[tuple[int, int]],
    different: dict[int, set[int]],
) -> dict[int, int]:
    """Each record's cluster (the smallest id in it): staff's "same" pairs first, then
    ``links`` strongest first, never joining two records staff said are different."""
    root_of = {i: i for i in ids}
    members: dict[int, set[int]] = {i: {i} for i in ids}

    def root(i: int) -> int:
        while root_of[i] != i:
            root_of[i] = root_of[root_of[i]]
            i = root_of[i]
        return i

    ordered = [(a, b, 2.0) for a, b in same] + sorted(links, key=lambda p: -p[2])
    for a, b, _probability in ordered:
        if a not in root_of or b not in root_of:
            continue
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        small, large = (ra, rb) if len(members[ra]) <= len(members[rb]) else (rb, ra)
        if any(other in members[large] for m in members[small] for other in different.get(m, ())):
            continue
        keep, drop = min(ra, rb), max(ra, rb)
        root_of[drop] = keep
        members[keep] |= members.pop(drop)
    return {i: root(i) for i in ids}


KIND_RANK = {RecordKind.ACCOUNT: 0, RecordKind.SOURCE: 1, RecordKind.REQUEST: 2}
GOLDEN_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("first_name", "surname"),
    "dob": ("dob",),
    "address": ("house_number", "street", "town", "postcode", "uprn"),
    "email": ("email",),
    "phone": ("phone",),
}


def golden_record(records: list[LinkRecord]) -> dict[str, Any]:
    """Per field, the value most of the records agree on (the resident's own account
    first on a tie, then the most recently seen), with the keys of the records it came
    from."""
    golden: dict[str, Any] = {}
    for name, columns in GOLDEN_FIELDS.items():
        held: dict[tuple[Any, ...], list[LinkRecord]] = defaultdict(list)
        for record in records:
            value = tuple(getattr(record, c) for c in columns)
            if name == "address":
                if not (record.postcode or record.uprn):
                    continue  # no postcode or UPRN: not an address to show as theirs
                # One address however fully each system wrote it: its postcode and number
                # (else its UPRN) say which it is.
                value = (
                    (record.postcode, record.house_number) if record.postcode else (record.uprn,)
                )
            if any(v is not None for v in value):
                held[value].append(record)
        if not held:
            continue

        def strength(item: tuple[tuple[Any, ...], list[LinkRecord]]) -> tuple[Any, ...]:
            _value, holders = item
            best_kind = min(KIND_RANK[RecordKind(r.kind)] for r in holders)
            latest = max(r.seen_at for r in holders)
            return (len(holders), -best_kind, latest)

        _value, holders = max(held.items(), key=strength)
        fullest = max(
            holders, key=lambda r: (sum(getattr(r, c) is not None for c in columns), r.seen_at)
        )
        golden[name] = {
            "value": {c: getattr(fullest, c) for c in columns},
            "records": sorted(r.key for r in holders),
        }
    return golden


def display_name(golden: dict[str, Any]) -> str:
    parts = (golden.get("name") or {}).get("value") or {}
    return " ".join(str(v).title() for v in (parts.get("first_name"), parts.get("surname")) if v)


def _choose_person(
    members: list[LinkRecord], taken: set[int], alive: set[int]
) -> tuple[int | None, list[int]]:
    """The cluster's person (None: make one) and the other verified persons in it."""
    known = Counter(r.known_person_id for r in members if r.known_person_id in alive)
    ranked_known = [p for p, _n in known.most_common() if p not in taken]
    others = [p for p in known if p not in ranked_known[:1]]
    if ranked_known:
        return ranked_known[0], others
    before = Counter(r.person_id for r in members if r.person_id in alive)
    for person_id, _n in before.most_common():
        if person_id not in taken:
            return person_id, others
    return None, others


def index_run(
    council: Council,
    *,
    retrain: bool = False,
    pair_budget: int = linkage_model.PAIR_BUDGET,
) -> Indexed:
    """Link every record of the council afresh (see the module's description)."""
    done = Indexed()
    started = time.perf_counter()
    records_refresh(council)
    frame = _frame(council)
    done.records = len(frame)
    done.seconds["records"] = round(time.perf_counter() - started, 2)
    if len(frame) < 2:
        return done
    chosen = current_model(council)
    if chosen is None or retrain:
        step = time.perf_counter()
        chosen = model_train(council, frame, pair_budget=pair_budget)
        done.trained = True
        done.seconds["training"] = round(time.perf_counter() - step, 2)
    else:
        chosen.tf_totals = tf_totals(frame)
        chosen.save(update_fields=["tf_totals"])
    done.model_version = chosen.version
    step = time.perf_counter()
    trained = linkage_model.Trained(settings=chosen.settings, trained_at="", records=chosen.records)
    pairs = linkage_model.predict(
        frame, trained, threshold=linkage_model.REVIEW_THRESHOLD, backend=_backend()
    )
    done.seconds["prediction"] = round(time.perf_counter() - step, 2)
    step = time.perf_counter()
    id_of = dict(LinkRecord.objects.filter(council=council).values_list("key", "pk"))
    scored = [
        (id_of[str(left)], id_of[str(right)], float(p), float(w))
        for left, right, p, w in zip(
            pairs["unique_id_l"],
            pairs["unique_id_r"],
            pairs["match_probability"],
            pairs["match_weight"],
            strict=True,
        )
    ]
    same, different = decisions(council)
    links = [(a, b, p) for a, b, p, _w in scored if p >= linkage_model.MATCH_THRESHOLD]
    best: dict[int, float] = {}
    for a, b, p in links:
        best[a], best[b] = max(best.get(a, 0.0), p), max(best.get(b, 0.0), p)
    cluster_of = constrained_clusters(list(id_of.values()), links, same, different)
    with transaction.atomic():
        done.people = _people(council, cluster_of, best)
        done.to_review = _reviews(council, scored, same, different)
    done.linked_pairs = len(links)
    done.seconds["people"] = round(time.perf_counter() - step, 2)
    done.seconds["total"] = round(time.perf_counter() - started, 2)
    return done


def _people(council: Council, cluster_of: dict[int, int], best: dict[int, float]) -> int:
    now = timezone.now()
    records = {r.pk: r for r in LinkRecord.objects.filter(council=council)}
    groups: dict[int, list[LinkRecord]] = defaultdict(list)
    for record_id, cluster in cluster_of.items():
        groups[cluster].append(records[record_id])
    chosen, same_as = _assign(council, groups, now)
    changed_records = []
    for cluster, members in groups.items():
        for record in members:
            person_id, probability = chosen[cluster], best.get(record.pk)
            if record.person_id != person_id or record.match_probability != probability:
                record.person_id, record.match_probability = person_id, probability
                record.matched_at = now
                changed_records.append(record)
    LinkRecord.objects.bulk_update(
        changed_records, ["person", "match_probability", "matched_at"], batch_size=2000
    )
    people = Person.objects.in_bulk(list(chosen.values()))
    updated = []
    for cluster, members in groups.items():
        person = people[chosen[cluster]]
        if _golden_set(person, golden_record(members), now):
            updated.append(person)
    Person.objects.bulk_update(updated, ["golden", "linked_at", "name"], batch_size=2000)
    _same_as_apply(council, same_as)
    Person.objects.filter(council=council, from_linkage=True, link_records=None).delete()
    return len(groups)


def _assign(
    council: Council, groups: dict[int, list[LinkRecord]], now: dt.datetime
) -> tuple[dict[int, int], dict[int, int]]:
    """Each cluster's person (made where none is chosen), and which verified persons are
    the same as another."""
    alive = set(Person.objects.filter(council=council).values_list("pk", flat=True))
    taken: set[int] = set()
    same_as: dict[int, int] = {}
    chosen: dict[int, int | None] = {}
    # Largest clusters choose first, so a person split in two stays with the larger part.
    for cluster, members in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
        person_id, others = _choose_person(members, taken, alive)
        chosen[cluster] = person_id
        if person_id is not None:
            taken.add(person_id)
            same_as.update({other: person_id for other in others})
    made = [
        Person(council=council, from_linkage=True, linked_at=now)
        for person_id in chosen.values()
        if person_id is None
    ]
    Person.objects.bulk_create(made, batch_size=2000)
    fresh = iter(made)
    final = {}
    for cluster, person_id in chosen.items():
        final[cluster] = person_id if person_id is not None else next(fresh).pk
    return final, same_as


def _golden_set(person: Person, golden: dict[str, Any], now: dt.datetime) -> bool:
    name = display_name(golden)[:200]
    renamed = (person.from_linkage or not person.name) and person.name != name
    if person.golden == golden and not renamed:
        return False
    person.golden, person.linked_at = golden, now
    if person.from_linkage or not person.name:
        person.name = name
    return True


def _same_as_apply(council: Council, same_as: dict[int, int]) -> None:
    """Set who is whom as this run found it; clear what it no longer finds."""
    for person_id, was in (
        Person.objects.filter(council=council).exclude(same_as=None).values_list("pk", "same_as_id")
    ):
        if same_as.get(person_id) != was:
            Person.objects.filter(pk=person_id).update(same_as_id=same_as.get(person_id))
    for person_id, primary in same_as.items():
        Person.objects.filter(pk=person_id).exclude(same_as_id=primary).update(same_as_id=primary)


def _reviews(
    council: Council,
    scored: list[tuple[int, int, float, float]],
    same: set[tuple[int, int]],
    different: dict[int, set[int]],
) -> int:
    """Put the uncertain pairs nobody has decided in the review queue; take out those no
    longer found."""
    uncertain = {
        _ordered(a, b): (p, w)
        for a, b, p, w in scored
        if linkage_model.REVIEW_THRESHOLD <= p < linkage_model.MATCH_THRESHOLD
    }
    decided = same | {_ordered(a, b) for a, others in different.items() for b in others}
    pending = {
        (r.left_id, r.right_id): r
        for r in PairReview.objects.filter(council=council, status=ReviewStatus.PENDING)
    }
    stale = [r.pk for pair, r in pending.items() if pair not in uncertain]
    PairReview.objects.filter(pk__in=stale).delete()
    new, changed = [], []
    for (left, right), (probability, weight) in uncertain.items():
        if (left, right) in decided:
            continue
        review = pending.get((left, right))
        if review is None:
            new.append(
                PairReview(
                    council=council,
                    left_id=left,
                    right_id=right,
                    match_probability=probability,
                    match_weight=weight,
                )
            )
        elif abs((review.match_probability or 0) - probability) > 1e-9:
            review.match_probability, review.match_weight = probability, weight
            changed.append(review)
    PairReview.objects.bulk_create(new, batch_size=2000)
    PairReview.objects.bulk_update(changed, ["match_probability", "match_weight"], batch_size=2000)
    return PairReview.objects.filter(council=council, status=ReviewStatus.PENDING).count()


def persons_golden_refresh(council: Council, person_ids: set[int]) -> None:
    """Recompute these people's golden records from their records (after a decision, a
    split or a record matched at the moment of contact)."""
    by_person: dict[int, list[LinkRecord]] = defaultdict(list)
    for record in LinkRecord.objects.filter(council=council, person_id__in=person_ids):
        if record.person_id is not None:
            by_person[record.person_id].append(record)
    now = timezone.now()
    for person in Person.objects.filter(council=council, pk__in=person_ids):
        if _golden_set(person, golden_record(by_person.get(person.pk, [])), now):
            person.save(update_fields=["golden", "linked_at", "name"])
    Person.objects.filter(
        council=council, pk__in=person_ids, from_linkage=True, link_records=None
    ).delete()


# --- Privacy: the person index as a registered store (core.privacy) ---------------------


def _people_of_keys(keys: PersonKeys) -> set[int]:
    """The index's people with one of these email addresses or phone numbers on any of
    their records, or as their verified email."""
    emails = sorted({e.lower() for e in keys.emails if e})
    phones = sorted({p for p in (standard_phone(k) for k in keys.phones) if p})
    found = Q(email__in=emails) if emails else Q(pk__in=[])
    if phones:
        found |= Q(phone__in=phones)
    people = set(
        LinkRecord.objects.filter(found, council_id=keys.council_id)
        .exclude(person=None)
        .values_list("person_id", flat=True)
    )
    people |= set(
        Person.objects.filter(council_id=keys.council_id, email__in=emails).values_list(
            "pk", flat=True
        )
    )
    people |= set(Person.objects.filter(same_as__in=people).values_list("pk", flat=True))
    return people


def people_erase(keys: PersonKeys) -> int:
    """Forget what linkage holds about the person: their linked records (the index's
    copies, and the copies of source systems' records linked to them: the systems
    themselves keep the originals, and the export lists them), the decisions about those
    records, their golden record, and the people linkage made for them."""
    people = _people_of_keys(keys)
    records = LinkRecord.objects.filter(council_id=keys.council_id, person_id__in=people)
    copies = list(records.filter(kind=RecordKind.SOURCE).values_list("ref_id", flat=True))
    systems = sorted(
        set(SourceRecord.objects.filter(pk__in=copies).values_list("source__name", flat=True))
    )
    if systems:  # recorded: the systems keep the originals, and must be told
        audit_record(
            council=Council.objects.get(pk=keys.council_id),
            user=None,
            action=AuditAction.ERASE_PERSON,
            object_type="linkage",
            object_ref="systems to tell",
            detail={"tell_systems": systems, "records": len(copies)},
        )
    removed, _kinds = records.delete()
    removed += SourceRecord.objects.filter(pk__in=copies).delete()[0]
    Person.objects.filter(pk__in=people).update(golden={}, same_as=None)
    removed += Person.objects.filter(pk__in=people, from_linkage=True).delete()[0]
    return removed


def people_export(keys: PersonKeys) -> tuple[str, list[dict[str, Any]]]:
    """Each person the index holds for them: the golden record with the systems each
    value came from, and every record linked to them with where it came from."""
    section = []
    for person in Person.objects.filter(pk__in=_people_of_keys(keys)).order_by("pk"):
        records = list(LinkRecord.objects.filter(person=person).select_related("source"))
        system = {r.key: r.source.name if r.source else r.get_kind_display() for r in records}
        section.append(
            {
                "person": person.pk,
                "golden_record": {
                    name: {
                        "value": held["value"],
                        "from": sorted({system.get(k, k) for k in held["records"]}),
                    }
                    for name, held in (person.golden or {}).items()
                },
                "linked_records": [
                    {
                        "from": system[r.key],
                        "lawful_basis": r.source.lawful_basis if r.source else "",
                        "values": r.values(),
                        "match_probability": r.match_probability,
                        "linked_at": r.matched_at.isoformat() if r.matched_at else None,
                    }
                    for r in records
                ],
            }
        )
    return "person_index", section


def people_held(council_id: int) -> Iterator[PersonalValues]:
    rows = LinkRecord.objects.filter(council_id=council_id).values_list(
        "first_name", "surname", "email", "phone"
    )
    for first, last, email, phone in rows.iterator(chunk_size=5000):
        name = " ".join(v for v in (first, last) if v)
        yield PersonalValues(
            names=(name,) if name else (),
            emails=(email,) if email else (),
            phones=(phone,) if phone else (),
        )
