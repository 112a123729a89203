"""Retention: a closed request keeps the resident's details for its service's retention
period, then keeps only what statistics need; a legal hold stops it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.events import event_append
from onecouncil.cases.models import (
    Case,
    CaseEvent,
    EventKind,
    Follower,
    Photo,
)
from onecouncil.catalogue.models import LIST_KINDS, QuestionKind, Service
from onecouncil.core.actors import Actor
from onecouncil.core.audit import audit_record
from onecouncil.core.models import AuditAction, AuditEntry, Council
from onecouncil.core.privacy import (
    expire_everywhere,
)

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
