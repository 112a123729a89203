"""What the demo's residents said and did: ratings of their closed requests (mostly good
when we met the target, worse when we did not) and the online journeys behind the
requests made on the web (most finish; some leave at each step)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from zoneinfo import ZoneInfo

from onecouncil.cases.models import CLOSED_STATUSES, Channel
from onecouncil.catalogue.answers import journey_steps
from onecouncil.catalogue.models import Service
from onecouncil.core.models import Council
from onecouncil.insight.feedback import ratings_bulk_load
from onecouncil.insight.journeys import journey_counts_load
from onecouncil.insight.models import JourneyCount, JourneyEvent
from onecouncil.insight.rows import requests_for_insight

RATED_SHARE = 0.2
ON_TIME_SCORES = (5, 5, 5, 5, 4, 4, 4, 3, 2, 1)
LATE_SCORES = (5, 4, 4, 3, 3, 2, 2, 2, 1, 1)
COMMENTS = {
    5: ("Sorted the next day. Thank you.", "Quick and polite, and I was kept up to date."),
    4: ("Done well, but it took a few days longer than I hoped.",),
    3: ("It was fixed in the end but nobody told me when it would be.",),
    2: ("I had to chase it twice. Call me on 07700 900123 if you want details.",),
    1: ("Still not right. The crew left a mess; email me at someone@example.com.",),
}
# Of the journeys reaching each step, the share that go on from it.
GO_ON = {"questions": 0.9, "location": 0.85, "photos": 0.95, "contact": 0.9, "check": 0.95}
JOURNEY_DAYS = 400


def demo_feedback(*, council: Council, rng: random.Random) -> tuple[int, int]:
    """Ratings and journey counts for the council's requests so far."""
    zone = ZoneInfo(council.time_zone)
    ratings = []
    web_days: Counter[tuple[int, dt.date]] = Counter()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=JOURNEY_DAYS)
    for row in requests_for_insight():
        case_id, council_id, service_id, *_r, channel, status, _reason = row.fields[:8]
        if council_id != council.pk:
            continue
        created, closed, due = row.fields[8], row.fields[9], row.fields[10]
        if channel == Channel.WEB and created >= since:
            web_days[(service_id, created.astimezone(zone).date())] += 1
        rateable = channel != Channel.SENSOR  # a device's request has no one to rate it
        if (
            rateable
            and status in CLOSED_STATUSES
            and closed is not None
            and rng.random() < RATED_SHARE
        ):
            on_time = due is None or closed <= due
            score = rng.choice(ON_TIME_SCORES if on_time else LATE_SCORES)
            comment = rng.choice(COMMENTS[score]) if rng.random() < 0.3 else ""
            ratings.append((case_id, score, comment, closed + dt.timedelta(days=rng.randint(0, 5))))
    rated = ratings_bulk_load(council=council, ratings=ratings)
    services = {
        s.pk: journey_steps(s)
        for s in Service.objects.filter(council=council).prefetch_related("questions")
    }
    counts = []
    for (service_id, day), finished in sorted(web_days.items()):
        steps = services.get(service_id)
        if not steps:
            continue
        # Work back from the journeys that finished to how many reached each step.
        reached = {}
        n = float(finished)
        for step in reversed(steps):
            n = n / GO_ON[step]
            reached[step] = round(n)
        started = reached[steps[0]]

        events = [("start", JourneyEvent.STARTED, started)]
        for i, step in enumerate(steps):
            went_on = reached[steps[i + 1]] if i + 1 < len(steps) else finished
            events += [(step, JourneyEvent.REACHED, reached[step])]
            events += [(step, JourneyEvent.SUBMITTED, went_on)]
        events.append(("check", JourneyEvent.COMPLETED, finished))
        counts += [
            JourneyCount(
                council=council,
                service_id=service_id,
                channel=Channel.WEB,
                day=day,
                step=step,
                event=event,
                count=value,
            )
            for step, event, value in events
        ]
    journey_counts_load(counts)
    return rated, len(web_days)
