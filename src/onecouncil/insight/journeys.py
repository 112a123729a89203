"""Counting online journeys: how many started, reached and submitted each step, and
finished with a request, per service, channel and day. Counts only: nothing about who,
so completion and drop-off per step can be measured without watching anyone."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from onecouncil.catalogue.answers import JOURNEY_STEPS
from onecouncil.insight.models import JourneyCount, JourneyEvent

STEP_ORDER = JOURNEY_STEPS


def step_label(step: str) -> str:
    return {
        "questions": _("Questions"),
        "location": _("Where it is"),
        "photos": _("Photos"),
        "contact": _("Contact details"),
        "check": _("Check and send"),
    }.get(step, step)


def journey_count(
    *, council_id: int, service_id: int, channel: str, day: dt.date, step: str, event: JourneyEvent
) -> None:
    """One more journey at this step: an atomic increment of the day's count."""
    key = {
        "council_id": council_id,
        "service_id": service_id,
        "channel": channel,
        "day": day,
        "step": step,
        "event": event,
    }
    if JourneyCount.objects.filter(**key).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            JourneyCount.objects.create(**key, count=1)
    except IntegrityError:  # another request made the day's row first
        JourneyCount.objects.filter(**key).update(count=F("count") + 1)


def journeys_for_insight() -> list[tuple[int, int, str, dt.date, str, str, int]]:
    """Every count, for the analytics store (aggregates already, so copied whole)."""
    return list(
        JourneyCount.objects.order_by("pk").values_list(
            "council_id", "service_id", "channel", "day", "step", "event", "count"
        )
    )


def journey_counts_load(rows: list[JourneyCount]) -> int:
    """Whole days' counts at once (a history, for the demo), replacing any counts of the
    same day, service, channel, step and event."""
    JourneyCount.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["council", "service", "channel", "day", "step", "event"],
        update_fields=["count"],
    )
    return len(rows)
