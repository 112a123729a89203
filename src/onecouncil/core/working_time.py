"""Working days and hours in a council's calendar, for service-level targets.

England and Wales bank holidays come from the maintained ``holidays`` package, which
computes them offline (including substitute days and one-off holidays).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

WORKDAY_START = dt.time(9, 0)
WORKDAY_END = dt.time(17, 0)


@lru_cache(maxsize=16)
def _calendar(region: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=region, years=[year - 1, year, year + 1])


def bank_holidays(start: dt.date, end: dt.date, *, region: str = "ENG") -> list[dt.date]:
    """Every bank holiday from ``start`` to ``end`` inclusive (for forecasting demand)."""
    days: set[dt.date] = set()
    for year in range(start.year, end.year + 1):
        days.update(d for d in _calendar(region, year) if start <= d <= end)
    return sorted(days)


def is_working_day(day: dt.date, *, region: str = "ENG") -> bool:
    return day.weekday() < 5 and day not in _calendar(region, day.year)


def add_working_days(start: dt.datetime, days: int, *, tz: str, region: str = "ENG") -> dt.datetime:
    """The end of the working day ``days`` working days after ``start``.

    A request made on Friday with a 2-working-day target is due at the close of Tuesday
    (or Wednesday, when Monday is a bank holiday).
    """
    zone = ZoneInfo(tz)
    local = start.astimezone(zone)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, region=region):
            remaining -= 1
    return dt.datetime.combine(day, WORKDAY_END, tzinfo=zone)


def add_working_hours(
    start: dt.datetime, hours: int, *, tz: str, region: str = "ENG"
) -> dt.datetime:
    """The moment ``hours`` working hours (09:00 to 17:00 on working days) after ``start``."""
    return add_working_time(start, dt.timedelta(hours=hours), tz=tz, region=region)


def add_working_time(
    start: dt.datetime, amount: dt.timedelta, *, tz: str, region: str = "ENG"
) -> dt.datetime:
    """The moment ``amount`` of working time (09:00 to 17:00 on working days) after ``start``."""
    zone = ZoneInfo(tz)
    current = start.astimezone(zone)
    remaining = amount
    while True:
        day = current.date()
        day_start = dt.datetime.combine(day, WORKDAY_START, tzinfo=zone)
        day_end = dt.datetime.combine(day, WORKDAY_END, tzinfo=zone)
        if not is_working_day(day, region=region) or current >= day_end:
            current = dt.datetime.combine(day + dt.timedelta(days=1), WORKDAY_START, tzinfo=zone)
            continue
        current = max(current, day_start)
        available = day_end - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current = dt.datetime.combine(day + dt.timedelta(days=1), WORKDAY_START, tzinfo=zone)


def working_time_between(
    start: dt.datetime, end: dt.datetime, *, tz: str, region: str = "ENG"
) -> dt.timedelta:
    """How much working time (09:00 to 17:00 on working days) lies between two moments."""
    zone = ZoneInfo(tz)
    current, end = start.astimezone(zone), end.astimezone(zone)
    total = dt.timedelta()
    while current < end:
        day = current.date()
        if is_working_day(day, region=region):
            window_start = max(current, dt.datetime.combine(day, WORKDAY_START, tzinfo=zone))
            window_end = min(end, dt.datetime.combine(day, WORKDAY_END, tzinfo=zone))
            if window_end > window_start:
                total += window_end - window_start
        current = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return total
