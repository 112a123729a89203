"""What the council keeps, and how it forgets: retention, erasure and subject access.

- **Retention.** A closed request keeps the resident's details for its service's
  ``retention_days``; then ``retention_run`` removes them (``case_anonymise``) and keeps
  what statistics need: service, status, dates, ward, street, choice answers and
  coordinates rounded to about 100 metres. A legal hold stops it. ``dry_run`` reports
  what would go without changing anything. Audit entries older than the council's
  ``audit_retention_days`` go too.
- **Erasure.** ``person_erase`` forgets one person: their requests are anonymised, or
  restricted with the reason where the law requires them kept (the service's
  ``keep_reason``, council tax say); their follows, changes of details, account, person
  record and messages are deleted; a confirmation is sent. Deleting an account goes
  through the same function.
- **Subject access.** ``subject_access_export`` gathers everything held about a person
  as one JSON document, with other people's details in it redacted.

Every other store registered with ``core.privacy`` is told by the same run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from onecouncil.cases.actions.registry import sent_on_for_erasure
from onecouncil.cases.events import event_append
from onecouncil.cases.inputs import phone_key
from onecouncil.cases.models import (
    Case,
    CaseEvent,
    ChangeReport,
    EventKind,
    Follower,
    Photo,
)
from onecouncil.catalogue.answers import answer_rows
from onecouncil.catalogue.models import LIST_KINDS, QuestionKind, Service
from onecouncil.core.actors import Actor
from onecouncil.core.audit import audit_record
from onecouncil.core.models import AuditAction, AuditEntry, Council
from onecouncil.core.privacy import (
    PersonKeys,
    erase_everywhere,
    expire_everywhere,
    export_everywhere,
)
from onecouncil.notify.models import Channel as NotifyChannel
from onecouncil.notify.services import notification_enqueue
from onecouncil.residents.models import Account, Person

# Coordinates kept after the details go: three decimal places, about 100 metres.
STREET_PRECISION = 3
# Event data keys that never hold personal details (everything else is dropped).
STATISTICAL_EVENT_DATA = frozenset(
    {"from", "to", "closure_reason", "channel", "team", "team_id", "duplicate", "original"}
)
TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})


# --- Anonymising one request (the one rule, used by retention and erasure) -------------


def case_anonymise(case: Case, *, why: str) -> int:
    """Remove the resident's details from ``case`` and its events, photos and followers;
    keep what statistics need. Returns how many rows changed."""
    changed = 0
    kinds = {q.code: q.kind for q in case.service.questions.all()}
    case.answers = {
        code: value
        for code, value in (case.answers or {}).items()
        if kinds.get(code) in LIST_KINDS or kinds.get(code) in (QuestionKind.YES_NO,)
    }
    for name in (
        "contact_name",
        "contact_email",
        "contact_phone",
        "email_key",
        "phone_key",
        "description",
        "location_description",
    ):
        setattr(case, name, "")
    case.change_details = {}
    case.person = None
    case.account = None
    case.address = None
    case.uprn = None
    case.postcode = case.postcode.split(" ")[0] if case.postcode else ""
    if case.latitude is not None and case.longitude is not None:
        case.latitude = round(case.latitude, STREET_PRECISION)
        case.longitude = round(case.longitude, STREET_PRECISION)
    case.is_anonymous = True
    case.updates_by_sms = False
    case.anonymised_at = timezone.now()
    case.save()
    changed += 1
    for photo in Photo.objects.filter(case=case):
        photo.image.delete(save=False)
        photo.delete()
        changed += 1
    deleted, _by_model = Follower.objects.filter(case=case).delete()
    changed += deleted
    # Events are append-only for staff; retention is the one writer that may blank them.
    # Internal words (notes, messages, "sent to <address>") go; public ones were public.
    changed += (
        CaseEvent.objects.filter(case=case, is_public=False).exclude(message="").update(message="")
    )
    for event in CaseEvent.objects.filter(case=case).exclude(data={}).only("id", "data"):
        kept = {k: v for k, v in event.data.items() if k in STATISTICAL_EVENT_DATA}
        if kept != event.data:
            CaseEvent.objects.filter(pk=event.pk).update(data=kept)
    CaseEvent.objects.filter(case=case).update(source_ip=None)
    event_append(case=case, kind=EventKind.NOTE, is_public=False, actor=Actor.system(why))
    return changed


# --- Retention -----------------------------------------------------------------------------


@dataclass
class RetentionReport:
    council: str
    dry_run: bool
    requests: Counter[str] = field(default_factory=Counter)  # by service name
    held: list[str] = field(default_factory=list)  # references on legal hold
    audit_entries: int = 0
    stores: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        out = [f"{self.council}: {verb} the details of {self.total} request(s)"]
        out += [f"  {name}: {count}" for name, count in sorted(self.requests.items())]
        if self.held:
            out.append(f"  kept on legal hold: {', '.join(sorted(self.held))}")
        out.append(f"  audit entries {verb}: {self.audit_entries}")
        out += [f"  {name}: {count}" for name, count in sorted(self.stores.items())]
        return out


def retention_due(*, council: Council, now: dt.datetime) -> QuerySet[Case]:
    """Closed requests past their service's retention period, not yet anonymised: one
    query, with each service's own cut-off."""
    past = Q(pk__in=[])
    for service_id, days in Service.objects.filter(council=council).values_list(
        "pk", "retention_days"
    ):
        past |= Q(service_id=service_id, closed_at__lt=now - dt.timedelta(days=days))
    return (
        Case.objects.closed()
        .filter(past, council=council, anonymised_at__isnull=True)
        .select_related("service")
        .order_by("pk")
    )


def retention_run(*, council: Council, dry_run: bool = False) -> RetentionReport:
    """Remove details past retention for one council (or say what would go)."""
    now = timezone.now()
    report = RetentionReport(council=council.name, dry_run=dry_run)
    references: list[str] = []
    for case in retention_due(council=council, now=now):
        if case.legal_hold_reason:
            report.held.append(case.reference)
            continue
        report.requests[case.service.name] += 1
        references.append(case.reference)
        if not dry_run:
            with transaction.atomic():
                case_anonymise(case, why=_("Retention period ended"))
    old_audit = AuditEntry.objects.filter(
        council=council, created_at__lt=now - dt.timedelta(days=council.audit_retention_days)
    )
    report.audit_entries = old_audit.count()
    if not dry_run:
        old_audit.delete()
        report.stores = expire_everywhere(council.pk, references)
        if report.total or report.audit_entries:
            audit_record(
                council=council,
                user=None,
                action=AuditAction.RETENTION,
                object_type="council",
                object_ref=council.slug,
                detail={
                    "requests": dict(report.requests),
                    "audit_entries": report.audit_entries,
                    "stores": report.stores,
                    "held": report.held,
                },
            )
    return report


def retention_job() -> int:
    """The worker's scheduled job: every council, at most once a day."""
    from django.core.cache import cache

    if not cache.add("retention-ran-today", 1, timeout=24 * 60 * 60):
        return 0
    return sum(
        retention_run(council=council).total for council in Council.objects.filter(is_active=True)
    )


def legal_hold_set(*, case: Case, reason: str, user: Any) -> Case:
    """Place (with a reason) or lift (empty reason) a legal hold on one request."""
    case.legal_hold_reason = reason.strip()[:300]
    case.save(update_fields=["legal_hold_reason", "updated_at"])
    audit_record(
        council=case.council,
        user=user,
        action=AuditAction.LEGAL_HOLD,
        object_type="case",
        object_ref=case.reference,
        detail={"reason": case.legal_hold_reason},
    )
    return case


# --- Finding a person -------------------------------------------------------------------


@dataclass(frozen=True)
class PersonQuery:
    email: str = ""
    phone: str = ""
    name: str = ""
    uprn: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.email or self.phone or self.name or self.uprn)


def _own_requests(council: Council, query: PersonQuery) -> QuerySet[Case]:
    """Requests the person made: by their email, phone or name as given."""
    match = Q(pk__in=[])
    if query.email:
        match |= Q(email_key=query.email.strip().lower())
    if phone_key(query.phone):
        match |= Q(phone_key=phone_key(query.phone))
    if query.name:
        match |= Q(contact_name__iexact=query.name.strip())
    return Case.objects.filter(match, council=council)


def _about_requests(council: Council, query: PersonQuery) -> QuerySet[Case]:
    """Requests made by others about the person's home (a neighbour's complaint)."""
    if not query.uprn:
        return Case.objects.none()
    return Case.objects.filter(council=council, uprn=query.uprn).exclude(
        pk__in=_own_requests(council, query).values("pk")
    )


def person_keys(council: Council, query: PersonQuery) -> PersonKeys:
    own = list(
        _own_requests(council, query).values("email_key", "phone_key", "reference", "contact_name")
    )
    emails = {row["email_key"] for row in own if row["email_key"]}
    phones = {row["phone_key"] for row in own if row["phone_key"]}
    if query.email:
        emails.add(query.email.strip().lower())
    if phone_key(query.phone):
        phones.add(phone_key(query.phone))
    accounts = Account.objects.filter(council=council, email__in=emails)
    for account in accounts:
        if account.phone:
            phones.add(phone_key(account.phone) or account.phone)
    raw_phones = set(
        _own_requests(council, query)
        .exclude(contact_phone="")
        .values_list("contact_phone", flat=True)
    )
    names = {row["contact_name"].strip() for row in own if row["contact_name"].strip()}
    names |= {a.name.strip() for a in accounts if a.name.strip()}
    if query.name.strip():
        names.add(query.name.strip())
    return PersonKeys(
        council_id=council.pk,
        emails=frozenset(emails),
        phones=frozenset(phones | raw_phones),
        references=frozenset(row["reference"] for row in own),
        names=frozenset(names),
    )


@dataclass(frozen=True)
class PersonSummary:
    own: list[Case]
    about: list[Case]
    accounts: int
    follows: int


def person_summary(*, council: Council, query: PersonQuery) -> PersonSummary:
    """What is held about a person, in outline, before an export or an erasure."""
    keys = person_keys(council, query)
    accounts = Account.objects.filter(council=council, email__in=keys.emails)
    follows = Follower.objects.filter(council=council).filter(
        Q(email__in=keys.emails) | Q(phone__in=keys.phones) | Q(account__in=accounts)
    )
    return PersonSummary(
        own=list(_own_requests(council, query).select_related("service").order_by("-created_at")),
        about=list(
            _about_requests(council, query).select_related("service").order_by("-created_at")
        ),
        accounts=accounts.count(),
        follows=follows.count(),
    )


# --- Subject access ------------------------------------------------------------------------


REDACTED = "[redacted: someone else's details]"


def _case_record(case: Case, *, theirs: bool) -> dict[str, Any]:
    events = list(CaseEvent.objects.filter(case=case).order_by("created_at", "id"))
    record: dict[str, Any] = {
        "reference": case.reference,
        "service": case.service.name,
        "status": case.get_status_display(),
        "reported": case.created_at.isoformat(),
        "closed": case.closed_at.isoformat() if case.closed_at else None,
        "channel": case.get_channel_display(),
        "place": {
            "address": case.address.single_line if case.address else "",
            "uprn": case.uprn,
            "street": case.street,
            "postcode": case.postcode,
            "latitude": case.latitude,
            "longitude": case.longitude,
            "description": case.location_description if theirs else REDACTED,
        },
        "answers": [
            {"question": str(row["question"].label), "answer": row["value"]}
            for row in answer_rows(case.form_service, case.answers or {})
            if row["value"]
        ]
        if theirs
        else REDACTED,
        "description": case.description if theirs else REDACTED,
        "restricted": case.restricted_reason,
        "events": [
            {
                "when": e.created_at.isoformat(),
                "what": e.get_kind_display(),
                "status": e.status,
                # Staff's internal words about someone else's request may name them.
                "message": e.message if (theirs or e.is_public) else REDACTED,
                "by": e.actor_label,
            }
            for e in events
        ],
        "photos": [p.original_name or f"photo {p.pk}" for p in case.photos.all()]
        if theirs
        else REDACTED,
    }
    record["made_by"] = (
        {
            "name": case.contact_name,
            "email": case.contact_email,
            "phone": case.contact_phone,
            "agreed_to_share_with_councillors": case.councillor_consent,
        }
        if theirs
        else REDACTED
    )
    return record


def _audit_entries_naming(council: Council, references: list[str]) -> list[AuditEntry]:
    """Audit entries that name any of ``references`` (one entry may list many reads).
    A subject access request is rare: the council's entries are scanned in a stream."""
    if not references:
        return []
    found = []
    wanted = set(references)
    entries = AuditEntry.objects.filter(council=council).order_by("created_at", "id")
    for entry in entries.iterator(chunk_size=2000):
        text = " ".join([entry.object_ref, *map(str, (entry.detail or {}).get("read", []))])
        if any(word.strip(",:") in wanted for word in text.split()):
            found.append(entry)
    return found


def subject_access_export(*, council: Council, query: PersonQuery, user: Any) -> str:
    """``subject_access_document`` as JSON, the machine-readable copy."""
    return json.dumps(
        subject_access_document(council=council, query=query, user=user),
        indent=2,
        ensure_ascii=False,
        default=str,
    )


def subject_access_document(*, council: Council, query: PersonQuery, user: Any) -> dict[str, Any]:
    """Everything held about one person, for an administrator to send them (as JSON, and
    as a readable document the staff pages render). Answers are given by their questions'
    labels; requests made by others about their home are included with the other
    person's details redacted; nothing names anyone else (a staff search that listed
    them among others shows only their own requests). The export is audited."""
    keys = person_keys(council, query)
    own = list(_own_requests(council, query).select_related("service", "address"))
    about = list(_about_requests(council, query).select_related("service", "address"))
    accounts = Account.objects.filter(council=council, email__in=keys.emails)
    follows = Follower.objects.filter(council=council).filter(
        Q(email__in=keys.emails) | Q(phone__in=keys.phones) | Q(account__in=accounts)
    )
    references = [c.reference for c in own]
    viewed = _audit_entries_naming(council, references)
    from onecouncil.notify.models import Notification

    messages = Notification.objects.filter(
        council=council, recipient__in=set(keys.emails) | set(keys.phones)
    ).order_by("created_at")
    document = {
        "council": council.name,
        "produced": timezone.now().isoformat(),
        "searched_for": {
            "email": query.email,
            "phone": query.phone,
            "name": query.name,
            "uprn": query.uprn,
        },
        "accounts": [
            {
                "email": a.email,
                "name": a.name,
                "phone": a.phone,
                "created": a.created_at.isoformat(),
                "email_confirmed": a.email_verified_at.isoformat() if a.email_verified_at else None,
            }
            for a in accounts
        ],
        "requests_they_made": [_case_record(c, theirs=True) for c in own],
        "requests_about_their_home_by_others": [_case_record(c, theirs=False) for c in about],
        "requests_they_follow": [
            {"reference": f.case.reference, "email": f.email, "since": f.created_at.isoformat()}
            for f in follows.select_related("case")
        ],
        "changes_of_details_they_told_us": [
            {"when": r.created_at.isoformat(), "changes": r.changes}
            for r in ChangeReport.objects.filter(account__in=accounts)
        ],
        "messages_we_sent_them": [
            {
                "when": m.created_at.isoformat(),
                "kind": m.kind,
                "what": m.kind.replace("_", " ").capitalize(),
                "to": m.recipient,
                "about": m.subject_reference,
                "status": m.status,
            }
            for m in messages
        ],
        "who_viewed_their_requests": [
            {
                "when": e.created_at.isoformat(),
                "who": e.user_label,
                "what": e.get_action_display(),
                "read": _only_theirs((e.detail or {}).get("read") or [e.object_ref], references),
            }
            for e in viewed
        ],
        **export_everywhere(keys),
    }
    audit_record(
        council=council,
        user=user,
        action=AuditAction.SUBJECT_ACCESS,
        object_type="person",
        # Not their email or name: the trail outlives an erasure (docs/privacy.md).
        object_ref=_pseudonym(query),
        detail={"requests": references},
    )
    return document


# The document's own sections; every other one is a registered store's
# (``core.privacy.export_everywhere``).
OWN_SECTIONS = frozenset(
    {
        "council",
        "produced",
        "searched_for",
        "accounts",
        "requests_they_made",
        "requests_about_their_home_by_others",
        "requests_they_follow",
        "changes_of_details_they_told_us",
        "messages_we_sent_them",
        "who_viewed_their_requests",
    }
)


def subject_access_stores(document: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """The registered stores' sections of a subject access document, titled."""
    return [
        (name.replace("_", " ").capitalize(), records)
        for name, records in document.items()
        if name not in OWN_SECTIONS
    ]


def _only_theirs(read: list[str], references: list[str]) -> list[str]:
    """What an audit entry read, keeping only what names their own requests: a search
    result listing other residents' references becomes "search results: <theirs>"."""
    theirs = set(references)
    kept = []
    for item in map(str, read):
        head, _sep, rest = item.partition(": ")
        if rest:
            mine = [r for r in (w.strip(",") for w in rest.split()) if r in theirs]
            if mine:
                kept.append(f"{head}: {', '.join(mine)}")
        elif any(word in theirs for word in item.split()):
            kept.append(item)
    return kept


# --- Erasure ---------------------------------------------------------------------------------


@dataclass
class ErasureReport:
    anonymised: list[str] = field(default_factory=list)
    restricted: list[tuple[str, str]] = field(default_factory=list)  # (reference, reason)
    held: list[str] = field(default_factory=list)
    follows: int = 0
    changes: int = 0
    accounts: int = 0
    people: int = 0
    stores: dict[str, int] = field(default_factory=dict)
    # Requests sent on to other systems: (reference, system, its references, asked).
    sent_on: list[tuple[str, str, str, bool]] = field(default_factory=list)
    # Words about them on other people's requests ("sent to <their address>").
    mentions: int = 0


def _pseudonym(query: PersonQuery) -> str:
    """A person named in the audit trail without their details: a keyed digest of what
    staff searched for, the same each time, meaningless without the deployment's key."""
    parts = (query.email.strip().lower(), phone_key(query.phone), query.name.strip().lower())
    searched = "|".join((*parts, str(query.uprn or "")))
    return "person " + salted_hmac("onecouncil.subject-access", searched).hexdigest()[:16]


def _erase_mentions(council: Council, keys: PersonKeys) -> int:
    """Their email address or phone number in the events of other people's requests (a
    follow confirmation "sent to" them, say) replaced by a marker. Events are otherwise
    append-only; erasure, like retention, is the one writer that may change them."""
    wanted = [*keys.emails, *keys.phones]
    if not wanted:
        return 0
    match = Q(pk__in=[])
    for value in wanted:
        match |= Q(message__icontains=value)
    changed = 0
    for event in CaseEvent.objects.filter(match, case__council=council).only("id", "message"):
        message = event.message
        for value in sorted(wanted, key=len, reverse=True):
            message = re.sub(re.escape(value), ERASED, message, flags=re.IGNORECASE)
        changed += CaseEvent.objects.filter(pk=event.pk).update(message=message)
    return changed


ERASED = "[erased]"


@transaction.atomic
def person_erase(
    *,
    council: Council,
    query: PersonQuery,
    user: Any = None,
    account: Account | None = None,
    erase_requests: bool = True,
) -> ErasureReport:
    """Forget one person. With ``erase_requests`` (an erasure request) their requests are
    anonymised, or restricted where the law requires them kept; without it (they deleted
    their account) the requests stay with the council, detached, until retention."""
    report = ErasureReport()
    if account is not None:
        query = PersonQuery(email=query.email or account.email, phone=query.phone or account.phone)
    keys = person_keys(council, query)
    accounts = list(Account.objects.filter(council=council, email__in=keys.emails))
    if account is not None and account not in accounts:
        accounts.append(account)
    people = set(
        Person.objects.filter(council=council)
        .filter(Q(email__in=keys.emails) | Q(pk__in=[a.person_id for a in accounts if a.person_id]))
        .values_list("pk", flat=True)
    )
    if erase_requests:
        for case in _own_requests(council, query).select_related("service", "council"):
            if case.legal_hold_reason:
                report.held.append(case.reference)
            elif case.service.keep_reason:
                case.restricted_reason = case.service.keep_reason
                case.save(update_fields=["restricted_reason", "updated_at"])
                report.restricted.append((case.reference, case.service.keep_reason))
            elif case.anonymised_at is None:
                case_anonymise(case, why=_("Erased at the resident's request"))
                report.anonymised.append(case.reference)
    follows = Follower.objects.filter(council=council).filter(
        Q(email__in=keys.emails) | Q(phone__in=keys.phones) | Q(account__in=accounts)
    )
    report.follows, _by_model = follows.delete()
    report.mentions = _erase_mentions(council, keys)
    report.changes, _by_model = ChangeReport.objects.filter(account__in=accounts).delete()
    report.stores = erase_everywhere(keys)
    report.sent_on = sent_on_for_erasure(council, sorted(keys.references))
    report.accounts = len(accounts)
    for each in accounts:
        each.delete()
    report.people, _by_model = Person.objects.filter(pk__in=people).delete()
    for email in sorted(keys.emails):
        notification_enqueue(
            council=council,
            kind="erasure_confirmation",
            channel=NotifyChannel.EMAIL,
            recipient=email,
            context={
                "council_name": council.name,
                "account_deleted": bool(accounts),
                "erased": erase_requests,
                "anonymised": report.anonymised,
                "restricted": [{"reference": ref, "reason": why} for ref, why in report.restricted],
                "held": report.held,
            },
        )
    audit_record(
        council=council,
        user=user,
        action=AuditAction.ERASE_PERSON,
        object_type="person",
        object_ref=f"{len(report.anonymised)} requests",
        detail={
            "anonymised": report.anonymised,
            "restricted": [ref for ref, _why in report.restricted],
            "held": report.held,
            "follows": report.follows,
            "accounts": report.accounts,
            "stores": report.stores,
            "by_resident": user is None,
        },
    )
    return report
