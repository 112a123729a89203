"""Subject access: everything held about a person, with other people's details redacted."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q
from django.utils import timezone

from onecouncil.cases.models import (
    Case,
    CaseEvent,
    ChangeReport,
    Follower,
)
from onecouncil.cases.privacy.erasure import pseudonym
from onecouncil.cases.privacy.people import PersonQuery, about_requests, own_requests, person_keys
from onecouncil.catalogue.answers import answer_rows
from onecouncil.core.audit import audit_record
from onecouncil.core.models import AuditAction, AuditEntry, Council
from onecouncil.core.privacy import (
    export_everywhere,
)
from onecouncil.residents.models import Account

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
    own = list(own_requests(council, query).select_related("service", "address"))
    about = list(about_requests(council, query).select_related("service", "address"))
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
        object_ref=pseudonym(query),
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
