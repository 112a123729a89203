"""What residents tell us about our service: a rating of how we dealt with a closed
request, and "Is this page useful?" on every resident page. The one writer of both, and
the one door staff read the comments through.

Comments are stored with emails, phone numbers and postcodes masked (``core.masking``)
and are read only by administrators, service managers and team leaders, within their
scope; councillors and the public see counts and rates alone. Retention and erasure
reach the comments through the store registered in ``insight.apps``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.models import CLOSED_STATUSES, Case
from onecouncil.core.masking import mask_personal
from onecouncil.core.models import Council
from onecouncil.core.privacy import PersonalValues, PersonKeys
from onecouncil.insight.access import Scope
from onecouncil.insight.models import PageFeedback, Rating

COMMENT_LIMIT = 2000


def _comment(text: str) -> str:
    text = text.strip()
    if len(text) > COMMENT_LIMIT:
        raise ValidationError(
            {"comment": _("Keep your comment to %(n)s characters or fewer") % {"n": COMMENT_LIMIT}}
        )
    return mask_personal(text)


@transaction.atomic
def rating_record(*, case: Case, score: int, comment: str = "") -> Rating:
    """The reporter's rating of a closed request: a second one replaces the first, so a
    double submit or a change of mind never makes two."""
    if case.status not in CLOSED_STATUSES:
        raise ValidationError(_("You can rate a request once it is closed"))
    if score not in range(1, 6):
        raise ValidationError({"score": _("Choose how satisfied you are, from 1 to 5")})
    rating, _created = Rating.objects.update_or_create(
        case=case,
        defaults={
            "council_id": case.council_id,
            "score": score,
            "comment": _comment(comment),
            "updated_at": timezone.now(),
        },
    )
    return rating


def ratings_bulk_load(
    *, council: Council, ratings: Sequence[tuple[int, int, str, dt.datetime]]
) -> int:
    """Many ratings at once (case id, score, comment, when), masked like any other: for
    loading a history (the demo) or ratings gathered elsewhere."""
    made = Rating.objects.bulk_create(
        [
            Rating(
                council=council,
                case_id=case_id,
                score=score,
                comment=_comment(comment),
                created_at=when,
                updated_at=when,
            )
            for case_id, score, comment, when in ratings
            if score in range(1, 6)
        ],
        ignore_conflicts=True,
    )
    return len(made)


def rating_of(case: Case) -> Rating | None:
    """The rating already given for this request, to show the reporter what they said."""
    return Rating.objects.filter(case=case).first()


def page_feedback_record(*, council: Council, page: str, useful: bool, comment: str) -> None:
    PageFeedback.objects.create(
        council=council, page=page[:100], useful=useful, comment=_comment(comment)
    )


# --- Reading comments -----------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    when: dt.datetime
    about: str  # the service rated, or the page
    score: str  # "4/5" or "Yes"/"No"
    text: str


def _may_read_comments(scope: Scope) -> bool:
    # Councillors (and the public page) see aggregates only.
    return scope.suppress_below is None


def rating_comments(
    *, scope: Scope, start: dt.date, end: dt.date, service_id: int | None = None, limit: int = 50
) -> list[Comment]:
    """The newest rating comments in the period that this scope may read."""
    if not _may_read_comments(scope):
        return []
    ratings = Rating.objects.filter(
        council_id=scope.council_id, updated_at__date__range=(start, end)
    ).exclude(comment="")
    for field, values in (
        ("case__service_id__in", scope.service_ids),
        ("case__team_id__in", scope.team_ids),
        ("case__ward__code__in", scope.ward_codes),
    ):
        if values is not None:
            ratings = ratings.filter(**{field: list(values)})
    if service_id is not None:
        ratings = ratings.filter(case__service_id=service_id)
    return [
        Comment(when=updated, about=service, score=f"{score}/5", text=comment)
        for updated, service, score, comment in ratings.order_by("-updated_at").values_list(
            "updated_at", "case__service__name", "score", "comment"
        )[:limit]
    ]


def page_comments(*, scope: Scope, start: dt.date, end: dt.date, limit: int = 50) -> list[Comment]:
    """Comments left with "Is this page useful?": administrators only (a page is every
    service's)."""
    if not _may_read_comments(scope) or not scope.sees_everything:
        return []
    found = (
        PageFeedback.objects.filter(
            council_id=scope.council_id, created_at__date__range=(start, end)
        )
        .exclude(comment="")
        .order_by("-created_at")
        .values_list("created_at", "page", "useful", "comment")[:limit]
    )
    return [
        Comment(
            when=created,
            about=page.removeprefix("frontdoor:"),
            score=_("Yes") if useful else _("No"),
            text=comment,
        )
        for created, page, useful, comment in found
    ]


def page_usefulness(council_id: int, start: dt.date, end: dt.date) -> list[tuple[str, int, int]]:
    """Per page: answers, and how many said it was useful (counts only)."""
    return [
        (row["page"], row["n"], row["yes"])
        for row in PageFeedback.objects.filter(
            council_id=council_id, created_at__date__range=(start, end)
        )
        .values("page")
        .annotate(n=Count("id"), yes=Count("id", filter=Q(useful=True)))
        .order_by("-n", "page")
    ]


def ratings_for_insight(changed_since: dt.datetime | None = None) -> list[tuple[int, int, int]]:
    """(case id, council id, score) of every rating, or those changed since a time."""
    ratings = Rating.objects.order_by("case_id")
    if changed_since is not None:
        ratings = ratings.filter(updated_at__gte=changed_since)
    return list(ratings.values_list("case_id", "council_id", "score"))


def page_feedback_for_insight() -> list[tuple[int, str, dt.date, bool, int]]:
    """Answers to "Is this page useful?" counted by council, page, day (in the
    deployment's time zone) and answer."""
    return [
        (row["council_id"], row["page"], row["day"], row["useful"], row["n"])
        for row in PageFeedback.objects.annotate(day=TruncDate("created_at"))
        .values("council_id", "page", "day", "useful")
        .annotate(n=Count("id"))
        .order_by("council_id", "page", "day", "useful")
    ]


# --- Privacy ----------------------------------------------------------------------------------


def _theirs(council_id: int, references: Sequence[str]) -> Any:
    return Rating.objects.filter(council_id=council_id, case__reference__in=list(references))


def feedback_expire(council_id: int, references: Sequence[str]) -> int:
    """Requests past retention: their ratings' comments go (the score, which says nothing
    about anyone, stays in the figures)."""
    return _theirs(council_id, references).exclude(comment="").update(comment="")


def _comments_naming(person: PersonKeys) -> list[PageFeedback]:
    """Page comments (anonymous, but free text) that hold the person's email, phone
    number or full name. A council's comments are few: they are read and matched here."""
    comments = PageFeedback.objects.filter(council_id=person.council_id).exclude(comment="")
    return [
        f
        for f in comments.only("id", "comment", "page", "created_at")
        if person.mentioned_in(f.comment)
    ]


def feedback_erase_person(person: PersonKeys) -> int:
    """Their ratings' comments, and any page comment naming them, cleared."""
    naming = [f.pk for f in _comments_naming(person)]
    cleared = PageFeedback.objects.filter(pk__in=naming).update(comment="")
    return cleared + feedback_expire(person.council_id, sorted(person.references))


def feedback_of_person(person: PersonKeys) -> tuple[str, list[dict[str, Any]]]:
    """Their ratings, then page comments that name them (by them or about them)."""
    ratings = [
        {
            "reference": reference,
            "rating": score,
            "comment": comment,
            "rated_at": updated.isoformat(timespec="seconds"),
        }
        for reference, score, comment, updated in _theirs(
            person.council_id, sorted(person.references)
        )
        .order_by("updated_at")
        .values_list("case__reference", "score", "comment", "updated_at")
    ]
    pages = [
        {
            "page_comment": f.comment,
            "page": f.page,
            "left_at": f.created_at.isoformat(timespec="seconds"),
        }
        for f in _comments_naming(person)
    ]
    return "ratings", ratings + pages


def feedback_held(council_id: int) -> Iterator[PersonalValues]:
    """Every comment residents left (for the open data publication check)."""
    ratings = Rating.objects.filter(council_id=council_id).exclude(comment="")
    pages = PageFeedback.objects.filter(council_id=council_id).exclude(comment="")
    for query in (ratings, pages):
        for comment in query.values_list("comment", flat=True).iterator(chunk_size=2000):
            yield PersonalValues(texts=(comment,))
