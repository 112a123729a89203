"""Erasure: forgetting one person everywhere, or restricting what the law says to keep."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from onecouncil.cases.actions.registry import sent_on_for_erasure
from onecouncil.cases.inputs import phone_key
from onecouncil.cases.models import (
    CaseEvent,
    ChangeReport,
    Follower,
)
from onecouncil.cases.privacy.people import PersonQuery, own_requests, person_keys
from onecouncil.cases.privacy.retention import case_anonymise
from onecouncil.core.audit import audit_record
from onecouncil.core.models import AuditAction, Council
from onecouncil.core.privacy import (
    PersonKeys,
    erase_everywhere,
)
from onecouncil.notify.models import Channel as NotifyChannel
from onecouncil.notify.services import notification_enqueue
from onecouncil.residents.models import Account, Person

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


def pseudonym(query: PersonQuery) -> str:
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
        for case in own_requests(council, query).select_related("service", "council"):
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
