"""Three years of made-up but realistic history for a demo council, loaded through the
cases bulk loader, so the insight dashboards mean something the first time they open:
seasonal demand (garden waste in summer, potholes after frost, gritting in winter, missed
bins after bank holidays), a shift from phone to the web over the years, resolution times
around each service's target with some late, and a growing backlog when demand peaks.

How each demo service behaves is demo data keyed by its code; a real council's history
comes from its previous system (``cases_bulk_load``), never from here.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from typing import Any

import holidays
import numpy as np
from django.utils import timezone

from onecouncil.cases.actions import EarlierRequest
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Channel, Status
from onecouncil.catalogue.models import Service, SlaUnit
from onecouncil.core.models import Council
from onecouncil.demo.answers import plausible_answers, plausible_description

# (relative volume, day of the year demand peaks, how strongly it peaks)
SEASONS: dict[str, tuple[float, int, float]] = {
    "garden-waste": (3.0, 196, 1.6),
    "pothole": (5.0, 45, 1.2),
    "gritting": (1.5, 15, 2.5),
    "street-light": (2.0, 350, 0.6),
    "street-lighting": (2.0, 350, 0.6),
    "noise": (2.0, 200, 0.5),
    "fly-tipping": (4.0, 220, 0.3),
    "missed-bin": (6.0, 1, 0.0),
    "missed-collection": (6.0, 1, 0.0),
    "overhanging-tree": (1.5, 160, 0.8),
    "pest-control": (1.5, 230, 0.9),
    "blocked-drain": (1.5, 320, 0.7),
}
BIN_SERVICES = ("missed-bin", "missed-collection")
YEARS = 3


def _season(code: str, day: dt.date) -> float:
    _volume, peak, strength = SEASONS.get(code, (1.0, 1, 0.1))
    angle = 2 * math.pi * (day.timetuple().tm_yday - peak) / 365.25
    return max(0.05, 1 + strength * math.cos(angle))


def _channel(rng: random.Random, progress: float) -> Channel:
    """Phone to web over the years: web 35% to 70%, phone 45% to 18%."""
    web = 0.35 + 0.35 * progress
    phone = 0.45 - 0.27 * progress
    face = 0.12 - 0.07 * progress
    pick = rng.random()
    for channel, share in (
        (Channel.WEB, web),
        (Channel.PHONE, phone),
        (Channel.FACE_TO_FACE, face),
    ):
        if pick < share:
            return channel
        pick -= share
    return rng.choice([Channel.EMAIL, Channel.API])


def history(
    *,
    council: Council,
    services: list[Service],
    addresses: list[Any],
    names: tuple[list[str], list[str]],
    count: int,
    rng: random.Random,
    now: dt.datetime | None = None,
) -> Iterator[EarlierRequest]:
    """About ``count`` requests over the three years before ``now``."""
    now = now or timezone.now()
    start = (now - dt.timedelta(days=365 * YEARS)).date()
    weeks = [start + dt.timedelta(weeks=n) for n in range(YEARS * 52)]
    bank = holidays.country_holidays(
        "GB", subdiv=council.bank_holiday_region, years=range(start.year, now.year + 1)
    )
    after_bank_holiday = {
        week for week in weeks if any(week - dt.timedelta(days=7) <= d < week for d in bank)
    }
    active = [s for s in services if s.is_active and s.handled_by_id is None]
    rates = np.array(
        [
            [
                SEASONS.get(s.code, (1.0, 1, 0.1))[0]
                * _season(s.code, week)
                * (1 + 0.15 * n / len(weeks))  # demand grows a little each year
                * (2.5 if s.code in BIN_SERVICES and week in after_bank_holiday else 1.0)
                for n, week in enumerate(weeks)
            ]
            for s in active
        ]
    )
    rates *= count / rates.sum()
    draws = np.random.default_rng(rng.randrange(2**32)).poisson(rates)
    first, last = names
    for n, week in enumerate(weeks):
        progress = n / len(weeks)
        for s_index, service in enumerate(active):
            for _k in range(int(draws[s_index, n])):
                reported = dt.datetime.combine(week, dt.time(7), tzinfo=dt.UTC) + dt.timedelta(
                    days=rng.randrange(7), minutes=rng.randrange(12 * 60)
                )
                if reported >= now - dt.timedelta(hours=2):
                    continue
                yield _request(service, reported, now, progress, addresses, first, last, rng)


def _request(
    service: Service,
    reported: dt.datetime,
    now: dt.datetime,
    progress: float,
    addresses: list[Any],
    first: list[str],
    last: list[str],
    rng: random.Random,
) -> EarlierRequest:
    target_days = 1.4 * (service.sla_amount or 5)
    if service.sla_unit == SlaUnit.WORKING_HOURS:
        target_days = (service.sla_amount or 8) / 8
    # Most resolve well within the target, a long tail late; slower when busy seasons
    # stretch the teams (progress makes later years a little quicker).
    days = rng.lognormvariate(math.log(0.55 * target_days), 0.65) * (1.1 - 0.2 * progress)
    closed = reported + dt.timedelta(days=days)
    name = f"{rng.choice(first)} {rng.choice(last)}"
    return EarlierRequest(
        service=service,
        answers=plausible_answers(service, rng),
        description=plausible_description(service, rng),
        location=Location(address=rng.choice(addresses))
        if service.location_required
        else Location(),
        contact=Contact(name=name, email=f"{name.replace(' ', '.').lower()}@example.com"),
        channel=_channel(rng, progress),
        reported_at=reported,
        status=Status.FIXED if closed < now else Status.RECEIVED,
        closed_at=closed if closed < now else None,
    )
