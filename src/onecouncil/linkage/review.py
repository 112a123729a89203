"""Data staff's decisions about linkage, each binding every later run, each audited.

- A pair in the review queue is decided: the same person (their people become one), or
  different people (never linked again; if they were one person, the record is taken out
  into a person of its own).
- A person linked wrongly is split: the chosen records become a new person, with the
  reason; every moved record is recorded as different from every record left, so the
  next batch run cannot join them again.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.access import require
from onecouncil.core.audit import audit_record
from onecouncil.core.models import AuditAction, Membership
from onecouncil.core.permissions import Permission
from onecouncil.linkage.index import decisions, persons_golden_refresh
from onecouncil.linkage.models import LinkRecord, PairReview, ReviewStatus
from onecouncil.residents.models import Person

REASON_MAX = 500


def _who(membership: Membership) -> str:
    return membership.user.get_username()[:200]


def pairs_to_review(*, membership: Membership, limit: int = 50) -> list[PairReview]:
    require(membership, Permission.MANAGE_SOURCES)
    return list(
        PairReview.objects.filter(council_id=membership.council_id, status=ReviewStatus.PENDING)
        .select_related("left", "right", "left__source", "right__source")
        .order_by("-match_probability", "pk")[:limit]
    )


@transaction.atomic
def pair_decide(
    *,
    membership: Membership,
    pair_id: int,
    same: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> PairReview:
    """Decide a pair in the queue (or decide again: a decision can be changed)."""
    require(membership, Permission.MANAGE_SOURCES)
    pair = (
        PairReview.objects.select_for_update()
        .select_related("left", "right")
        .filter(council_id=membership.council_id, pk=pair_id)
        .first()
    )
    if pair is None:
        raise ValidationError(_("That pair is no longer in the review queue"))
    left, right = pair.left, pair.right
    if same:
        _same, different = decisions(membership.council_id)
        different.get(left.pk, set()).discard(right.pk)  # this pair's own earlier decision
        different.get(right.pk, set()).discard(left.pk)
        joined = _records_of(left.person_id) | _records_of(right.person_id)
        if any(other in joined for r in joined for other in different.get(r, ())):
            raise ValidationError(
                _(
                    "These records cannot be one person: an earlier decision says some of "
                    "their records are different people. Split the person first."
                )
            )
    pair.status = ReviewStatus.SAME if same else ReviewStatus.DIFFERENT
    pair.decided_at, pair.decided_by = timezone.now(), _who(membership)
    pair.reason = reason.strip()[:REASON_MAX]
    pair.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    touched = {p for p in (left.person_id, right.person_id) if p}
    if same and left.person_id != right.person_id and left.person_id and right.person_id:
        keep, move = sorted((left.person_id, right.person_id))
        LinkRecord.objects.filter(person_id=move).update(person_id=keep)
        Person.objects.filter(same_as_id=move).update(same_as_id=keep)
    elif not same and left.person_id and left.person_id == right.person_id:
        right.person = Person.objects.create(
            council_id=right.council_id, from_linkage=True, linked_at=timezone.now()
        )
        right.save(update_fields=["person"])
        touched.add(right.person.pk)
    persons_golden_refresh(membership.council, touched)
    audit_record(
        council=membership.council,
        user=membership.user,
        action=AuditAction.LINKAGE_DECISION,
        object_type="linkage_pair",
        object_ref=f"{left.key} / {right.key}",
        request=request,
        detail={"same": same, "reason": pair.reason},
    )
    return pair


def _records_of(person_id: int | None) -> set[int]:
    if person_id is None:
        return set()
    return set(LinkRecord.objects.filter(person_id=person_id).values_list("pk", flat=True))


@transaction.atomic
def person_split(
    *,
    membership: Membership,
    person_id: int,
    record_ids: list[int],
    reason: str,
    request: HttpRequest | None = None,
) -> Person:
    """Take these records out of the person into a new one (a wrong link undone)."""
    require(membership, Permission.MANAGE_SOURCES)
    reason = reason.strip()[:REASON_MAX]
    if not reason:
        raise ValidationError({"reason": _("Say why these records are not this person")})
    person = Person.objects.filter(council_id=membership.council_id, pk=person_id).first()
    if person is None:
        raise ValidationError(_("There is no such person"))
    held = {r.pk: r for r in LinkRecord.objects.select_for_update().filter(person=person)}
    moving = [held[i] for i in record_ids if i in held]
    if not moving:
        raise ValidationError({"records": _("Choose the records that are someone else")})
    if len(moving) == len(held):
        raise ValidationError({"records": _("Leave at least one record with this person")})
    now = timezone.now()
    other = Person.objects.create(
        council_id=membership.council_id, from_linkage=True, linked_at=now
    )
    staying = [r for r in held.values() if r not in moving]
    for record in moving:
        record.person = other
        record.matched_at = now
        record.save(update_fields=["person", "matched_at"])
        for kept in staying:
            left, right = sorted((record.pk, kept.pk))
            PairReview.objects.update_or_create(
                left_id=left,
                right_id=right,
                defaults={
                    "council_id": membership.council_id,
                    "status": ReviewStatus.DIFFERENT,
                    "decided_at": now,
                    "decided_by": _who(membership),
                    "reason": reason,
                },
            )
    persons_golden_refresh(membership.council, {person.pk, other.pk})
    audit_record(
        council=membership.council,
        user=membership.user,
        action=AuditAction.PERSON_SPLIT,
        object_type="person",
        object_ref=f"person {person.pk}",
        request=request,
        detail={"moved": [r.key for r in moving], "to": other.pk, "reason": reason},
    )
    return other
