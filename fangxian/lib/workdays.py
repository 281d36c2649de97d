"""Deadlines in working time, from a table of holidays and the weekends worked in their place.

12345 gives each kind of complaint two deadlines: to respond and to resolve, in hours or in
working days. Time on a day off does not run: a deadline of 24 hours set on a Friday at
15:00 falls on Monday at 15:00, and one of 2 working days set on the eve of the Spring
Festival falls after the holiday. China moves working days around its holidays (调休): a
Saturday may be a working day, so the table says both which weekdays are off and which
weekend days are worked.

Everything here works on naive local date-times (the community's clock); callers convert.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

UNITS = ("hours", "days")
MOST = 366  # no deadline of a neighbourhood runs longer than a year of working days


class DeadlineError(ValueError):
    """`code` is one of: unit (not hours or days), amount (not 1 to a year's worth)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Calendar:
    days_off: frozenset[datetime.date] = field(default_factory=frozenset)  # holidays on weekdays
    days_worked: frozenset[datetime.date] = field(default_factory=frozenset)  # weekends worked

    def is_working(self, day: datetime.date) -> bool:
        if day in self.days_worked:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5

    def next_working(self, day: datetime.date) -> datetime.date:
        for _ in range(MOST * 2):
            if self.is_working(day):
                return day
            day += datetime.timedelta(days=1)
        raise DeadlineError("amount")


def deadline(start: datetime.datetime, amount: int, unit: str, calendar: Calendar) -> datetime.datetime:
    """When `amount` hours or working days from `start` end.

    Days: the deadline is the end of the amount-th working day after the start's day (a
    complaint received on Monday with 1 working day is due by Tuesday 24:00, as the hotline
    counts). Hours: the clock runs only on working days; a start on a day off starts at the
    next working day's midnight."""
    if unit not in UNITS:
        raise DeadlineError("unit")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise DeadlineError("amount")
    if amount > (MOST if unit == "days" else MOST * 24):
        raise DeadlineError("amount")
    one_day = datetime.timedelta(days=1)
    if unit == "days":
        day = start.date()
        for _ in range(amount):
            day = calendar.next_working(day + one_day)
        return datetime.datetime.combine(day + one_day, datetime.time(), tzinfo=start.tzinfo)
    day = start.date()
    if not calendar.is_working(day):
        day = calendar.next_working(day)
        start = datetime.datetime.combine(day, datetime.time(), tzinfo=start.tzinfo)
    left = datetime.timedelta(hours=amount)
    at = start
    while True:
        end_of_day = datetime.datetime.combine(at.date() + one_day, datetime.time(), tzinfo=start.tzinfo)
        if at + left <= end_of_day:
            return at + left
        left -= end_of_day - at
        day = calendar.next_working(at.date() + one_day)
        at = datetime.datetime.combine(day, datetime.time(), tzinfo=start.tzinfo)


def working_time_between(start: datetime.datetime, end: datetime.datetime, calendar: Calendar) -> datetime.timedelta:
    """How much working time runs from start to end (what the response-time figures count)."""
    if end <= start:
        return datetime.timedelta()
    total = datetime.timedelta()
    one_day = datetime.timedelta(days=1)
    at = start
    while at < end:
        end_of_day = datetime.datetime.combine(at.date() + one_day, datetime.time(), tzinfo=start.tzinfo)
        stop = min(end, end_of_day)
        if calendar.is_working(at.date()):
            total += stop - at
        at = stop
    return total
