import datetime as dt
from zoneinfo import ZoneInfo

from onecouncil.core.working_time import add_working_days, add_working_hours, is_working_day

LONDON = ZoneInfo("Europe/London")


def at(*args):
    return dt.datetime(*args, tzinfo=LONDON)


def test_working_days_skip_weekends():
    # Friday 6 November 2026 + 2 working days = Tuesday 10 November, close of day.
    due = add_working_days(at(2026, 11, 6, 10, 0), 2, tz="Europe/London")
    assert due == at(2026, 11, 10, 17, 0)


def test_working_days_skip_bank_holidays():
    # Thursday 24 December 2026: Christmas Day (Fri) and Boxing Day substitute (Mon 28th)
    # are bank holidays, so 2 working days land on Wednesday 30 December.
    assert not is_working_day(dt.date(2026, 12, 25))
    assert not is_working_day(dt.date(2026, 12, 28))
    due = add_working_days(at(2026, 12, 24, 9, 0), 2, tz="Europe/London")
    assert due == at(2026, 12, 30, 17, 0)


def test_easter_monday_is_not_a_working_day():
    assert not is_working_day(dt.date(2027, 3, 29))  # Easter Monday 2027
    due = add_working_days(at(2027, 3, 24, 12, 0), 2, tz="Europe/London")  # Wednesday
    assert due == at(2027, 3, 30, 17, 0)  # Thu 25, (Good Fri, weekend, Easter Mon), Tue 30


def test_working_hours_carry_over_the_weekend():
    # Friday 15:00 + 4 working hours = Monday 11:00.
    due = add_working_hours(at(2026, 11, 6, 15, 0), 4, tz="Europe/London")
    assert due == at(2026, 11, 9, 11, 0)


def test_working_hours_from_the_evening_start_next_morning():
    due = add_working_hours(at(2026, 11, 9, 20, 0), 2, tz="Europe/London")
    assert due == at(2026, 11, 10, 11, 0)
