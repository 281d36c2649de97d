"""Deadlines in working time (lib/workdays.py), as properties over any calendar: the clock runs
exactly the hours asked on working days, a deadline never falls on a day off, and a deadline
in days is the midnight that ends its last working day."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangxian.lib.workdays import Calendar, DeadlineError, deadline, working_time_between

FIRST = datetime.date(2026, 1, 1)
LAST = datetime.date(2026, 12, 31)
ONE_DAY = datetime.timedelta(days=1)


def local(text: str) -> datetime.datetime:
    """A time on the community's clock, without a zone: what workdays works on."""
    return datetime.datetime.fromisoformat(text)


TICK = datetime.timedelta(microseconds=1)

days_in_year = st.dates(min_value=FIRST, max_value=LAST)
weekends = days_in_year.filter(lambda d: d.weekday() >= 5)
calendars = st.builds(
    Calendar,
    days_off=st.frozensets(days_in_year, max_size=40),
    days_worked=st.frozensets(weekends, max_size=10),
)
moments = st.datetimes(min_value=local("2026-01-01T00:00"), max_value=local("2026-12-31T23:59:59"))
hours = st.integers(min_value=1, max_value=24 * 30)
days = st.integers(min_value=1, max_value=40)


@settings(max_examples=300, deadline=None)
@given(moments, hours, calendars)
def test_the_working_time_up_to_a_deadline_in_hours_is_the_hours(start, amount, calendar):
    due = deadline(start, amount, "hours", calendar)
    assert working_time_between(start, due, calendar) == datetime.timedelta(hours=amount)


@settings(max_examples=300, deadline=None)
@given(moments, hours, calendars)
def test_a_deadline_in_hours_ends_in_working_time(start, amount, calendar):
    # The last moment before it runs on a working day (the deadline itself may be the
    # midnight after one, as 24:00 is).
    due = deadline(start, amount, "hours", calendar)
    assert due > start and calendar.is_working((due - TICK).date())


@settings(max_examples=300, deadline=None)
@given(moments, days, calendars)
def test_a_deadline_in_days_is_the_midnight_ending_its_last_working_day(start, amount, calendar):
    due = deadline(start, amount, "days", calendar)
    assert due.time() == datetime.time(0, 0)
    last = (due - ONE_DAY).date()
    assert calendar.is_working(last)
    # The amount-th working day after the day of receipt, counting neither that day nor any day off.
    between = [start.date() + ONE_DAY * n for n in range(1, (last - start.date()).days + 1)]
    assert sum(calendar.is_working(d) for d in between) == amount


@settings(max_examples=200, deadline=None)
@given(moments, hours, hours, calendars)
def test_more_hours_never_end_sooner(start, a, b, calendar):
    shorter, longer = sorted((a, b))
    assert deadline(start, shorter, "hours", calendar) <= deadline(start, longer, "hours", calendar)


@settings(max_examples=200, deadline=None)
@given(moments, moments, calendars)
def test_working_time_never_exceeds_the_time_between(start, end, calendar):
    assert datetime.timedelta() <= working_time_between(start, end, calendar) <= max(end - start, datetime.timedelta())


def test_a_friday_afternoon_deadline_of_a_day_in_hours_falls_on_monday():
    friday = local("2026-09-25T15:00")
    assert deadline(friday, 24, "hours", Calendar()) == local("2026-09-28T15:00")


def test_a_saturday_worked_in_place_of_a_holiday_counts():
    # 2026-10-10 is a Saturday worked (调休); the National Day week before it is off.
    calendar = Calendar(
        days_off=frozenset(datetime.date(2026, 10, d) for d in range(1, 9)),
        days_worked=frozenset({datetime.date(2026, 10, 10)}),
    )
    eve = local("2026-09-30T17:00")
    # The first working day after the holiday is Friday the 9th, due by its 24:00; the second
    # is the Saturday worked.
    assert deadline(eve, 1, "days", calendar) == local("2026-10-10T00:00")
    assert deadline(eve, 2, "days", calendar) == local("2026-10-11T00:00")
    # Received on the holiday, the clock starts at the first working day's midnight.
    assert deadline(local("2026-10-03T10:00"), 2, "hours", calendar) == local("2026-10-09T02:00")


@pytest.mark.parametrize(
    ("amount", "unit", "code"),
    [
        (0, "hours", "amount"),
        (-1, "days", "amount"),
        (True, "days", "amount"),
        (400, "days", "amount"),
        (2, "weeks", "unit"),
    ],
)
def test_a_deadline_that_is_no_deadline_is_refused(amount, unit, code):
    with pytest.raises(DeadlineError) as refused:
        deadline(local("2026-03-02T09:00"), amount, unit, Calendar())
    assert refused.value.code == code
