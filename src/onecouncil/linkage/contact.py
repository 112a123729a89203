"""At the moment of contact: a new request, a new account or a change of details joins the
person index within seconds, matched by the trained model (``linkage.matcher``).

The worker's ``linkage-follow`` job reads what arrived since it last looked (after the
writer's transaction has committed: nothing here runs inside it), and the daily
``linkage-index`` job runs the whole batch again (``linkage.index``), which also retrains
nothing unless asked: a new model is a data officer's decision.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from onecouncil.cases.access import (
    accounts_changed_since,
    latest_request_id,
    requests_made_after,
    require,
)
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.linkage.index import current_model, decisions, index_run, persons_golden_refresh
from onecouncil.linkage.matcher import matches
from onecouncil.linkage.model import MATCH_THRESHOLD, REVIEW_THRESHOLD
from onecouncil.linkage.models import (
    IndexState,
    LinkModel,
    LinkRecord,
    PairReview,
    RecordKind,
    SourceSystem,
)
from onecouncil.linkage.records import gathered_of, records_sync
from onecouncil.residents.models import Person
from onecouncil.residents.selectors import accounts_made_after, latest_account_id

logger = logging.getLogger(__name__)

BATCH = 200
BATCH_EVERY = dt.timedelta(hours=24)


def _place(record: LinkRecord, model: LinkModel | None) -> set[int]:
    """Link one new record to its person; returns the people whose records changed."""
    found = (
        matches(model, record.values(), exclude_key=record.key, threshold=REVIEW_THRESHOLD)
        if model is not None
        else []
    )
    _same, different = decisions(record.council_id)
    refused = {
        p
        for p in LinkRecord.objects.filter(pk__in=different.get(record.pk, set())).values_list(
            "person_id", flat=True
        )
        if p is not None
    }
    strong = [
        m
        for m in found
        if m.match_probability >= MATCH_THRESHOLD and m.person_id and m.person_id not in refused
    ]
    alive = Person.objects.filter(council_id=record.council_id)
    person_id: int | None
    if record.known_person_id and alive.filter(pk=record.known_person_id).exists():
        person_id = record.known_person_id
    else:
        person_id = strong[0].person_id if strong else None
    if person_id is None:
        person_id = Person.objects.create(
            council_id=record.council_id, from_linkage=True, linked_at=timezone.now()
        ).pk
    record.person_id = person_id
    record.match_probability = strong[0].match_probability if strong else None
    record.matched_at = timezone.now()
    record.save(update_fields=["person", "match_probability", "matched_at"])
    for match in found:
        if match.match_probability >= MATCH_THRESHOLD:
            continue
        left, right = sorted((record.pk, match.record_id))
        PairReview.objects.get_or_create(
            left_id=left,
            right_id=right,
            defaults={
                "council_id": record.council_id,
                "match_probability": match.match_probability,
                "match_weight": match.match_weight,
            },
        )
    return {person_id}


def records_link(council: Council, kind: str, ids: list[int]) -> list[LinkRecord]:
    """Bring these records (of one kind) into the index and link the new ones."""
    items = gathered_of(council, kind, ids)
    if not items:
        return []
    model = current_model(council)
    with transaction.atomic():
        synced = records_sync(council, items)
        touched: set[int] = set()
        for record in synced.new:
            touched |= _place(record, model)
        for record in synced.changed:
            if record.person_id is None:
                touched |= _place(record, model)
            else:
                touched.add(record.person_id)
        persons_golden_refresh(council, touched)
    return [*synced.new, *synced.changed]


def _state(council: Council) -> IndexState:
    state, _created = IndexState.objects.get_or_create(council=council)
    return state


def _in_use(council: Council) -> bool:
    """A council links records once it has registered a source or has a model."""
    return (
        SourceSystem.objects.filter(council=council).exists()
        or LinkModel.objects.filter(council=council).exists()
    )


def follow(council: Council) -> int:
    """Link what arrived since the last look: new accounts and requests, and the accounts
    whose residents told us of a change."""
    state = _state(council)
    done = 0
    accounts = accounts_made_after(council=council, after_id=state.last_account_id, limit=BATCH)
    if accounts:
        done += len(records_link(council, RecordKind.ACCOUNT, accounts))
        state.last_account_id = accounts[-1]
    requests = requests_made_after(council=council, after_id=state.last_request_id, limit=BATCH)
    if requests:
        done += len(records_link(council, RecordKind.REQUEST, requests))
        state.last_request_id = requests[-1]
    since = state.changes_since or timezone.now() - dt.timedelta(minutes=5)
    changed = accounts_changed_since(council=council, since=since)[:BATCH]
    if changed:
        done += len(records_link(council, RecordKind.ACCOUNT, sorted({a for a, _at in changed})))
        state.changes_since = changed[-1][1]
    elif state.changes_since is None:
        state.changes_since = since
    state.save()
    return done


def follow_job() -> int:
    """The worker's job: every council that links records."""
    done = 0
    for council in Council.objects.filter(is_active=True):
        if _in_use(council):
            done += follow(council)
    return done


def index_job(*, now: dt.datetime | None = None) -> int:
    """The worker's daily job: the whole batch again, for each council that links."""
    now = now or timezone.now()
    done = 0
    for council in Council.objects.filter(is_active=True):
        if not _in_use(council):
            continue
        state = _state(council)
        due = not state.last_run_at or now - state.last_run_at >= BATCH_EVERY
        if not (due or state.run_requested):
            continue
        index_refresh(council, retrain=state.retrain_requested)
        done += 1
    return done


def index_refresh(council: Council, *, retrain: bool = False) -> dict[str, object]:
    """The batch run, recorded in the council's index state; after it, the matcher
    follows from the newest account and request (the run has linked all before them)."""
    state = _state(council)
    last_account = latest_account_id(council=council)
    last_request = latest_request_id(council=council)
    started = timezone.now()
    result = index_run(council, retrain=retrain)
    summary: dict[str, object] = {
        "records": result.records,
        "people": result.people,
        "linked_pairs": result.linked_pairs,
        "to_review": result.to_review,
        "trained": result.trained,
        "model_version": result.model_version,
        "seconds": result.seconds,
    }
    state.last_run_at, state.last_run = started, summary
    state.run_requested = state.retrain_requested = False
    state.last_account_id = max(state.last_account_id, last_account)
    state.last_request_id = max(state.last_request_id, last_request)
    state.changes_since = state.changes_since or started
    state.save()
    logger.info(
        "person index for council %s: %s records, %s people",
        council.pk,
        result.records,
        result.people,
    )
    return summary


def index_run_request(*, membership: Membership, retrain: bool) -> None:
    """Ask the insight worker to run the batch (with a new model if ``retrain``)."""
    require(membership, Permission.MANAGE_SOURCES)
    state = _state(membership.council)
    state.run_requested = True
    state.retrain_requested = state.retrain_requested or retrain
    state.save(update_fields=["run_requested", "retrain_requested"])


def index_state(council: Council) -> IndexState:
    return _state(council)
