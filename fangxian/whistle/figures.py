"""How each department of a street answers its calls, month by month: what the street reads
to see who comes when whistled. Definitions (docs/whistle.md says the same):

- calls: calls made to the department in the month (by when they were made);
- acknowledged in time: acknowledged (or arrived) no later than the acknowledge-by time;
- response time: from the call to its acknowledgement, and to the arrival on site, over the
  calls that have one (mean and median, in minutes);
- resolution rate: the confirmed calls whose outcome was "solved", over all confirmed calls;
- overdue: calls acknowledged late, done after they were needed, or still open past either
  time now."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from fangxian.places.models import Street

from .models import Call, Department


@dataclass
class Figures:
    department: Department
    calls: int = 0
    acknowledged: int = 0
    acknowledged_in_time: int = 0
    confirmed: int = 0
    solved: int = 0
    overdue: int = 0
    escalated: int = 0
    response_mean: float | None = None  # minutes from the call to the acknowledgement
    response_median: float | None = None
    arrival_mean: float | None = None  # minutes from the call to the arrival on site
    arrival_median: float | None = None

    @property
    def in_time_rate(self) -> float | None:
        return self.acknowledged_in_time / self.calls if self.calls else None

    @property
    def resolution_rate(self) -> float | None:
        return self.solved / self.confirmed if self.confirmed else None


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The month's first and next month's first moment, on the community's clock."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.datetime.combine(first, datetime.time()), zone),
        timezone.make_aware(datetime.datetime.combine(following, datetime.time()), zone),
    )


def minutes(start: datetime.datetime, end: datetime.datetime) -> float:
    return (end - start).total_seconds() / 60


def was_overdue(call: Call, now: datetime.datetime) -> bool:
    acknowledged = call.acknowledged_at or (now if call.state == Call.State.CALLED else None)
    if acknowledged is not None and acknowledged > call.acknowledge_by:
        return True
    done = call.done_at or (now if call.state in Call.OPEN else None)
    return done is not None and done > call.needed_by


def figures(
    street_or_qs: Street | QuerySet, month: datetime.date, now: datetime.datetime | None = None
) -> list[Figures]:
    """One row per department (every department of the street, those without calls too), for
    the calls made in the month. A queryset of calls may be given instead of a street: rows
    then for the departments that have calls in it."""
    now = now or timezone.now()
    start, end = month_bounds(month)
    if isinstance(street_or_qs, Street):
        calls = Call.objects.filter(street=street_or_qs)
        departments = list(Department.objects.filter(street=street_or_qs))
    else:
        calls = street_or_qs
        departments = None
    calls = list(calls.filter(called_at__gte=start, called_at__lt=end).select_related("department"))
    if departments is None:
        departments = sorted({c.department for c in calls}, key=lambda d: (d.street_id, d.kind, d.name))
    rows = {d.pk: Figures(d) for d in departments}
    responses: dict[int, list[float]] = {d.pk: [] for d in departments}
    arrivals: dict[int, list[float]] = {d.pk: [] for d in departments}
    for call in calls:
        row = rows[call.department_id]
        row.calls += 1
        if call.acknowledged_at is not None:
            row.acknowledged += 1
            row.acknowledged_in_time += call.acknowledged_at <= call.acknowledge_by
            responses[call.department_id].append(minutes(call.called_at, call.acknowledged_at))
        if call.arrived_at is not None:
            arrivals[call.department_id].append(minutes(call.called_at, call.arrived_at))
        if call.state == Call.State.CONFIRMED:
            row.confirmed += 1
            row.solved += call.outcome == Call.Outcome.SOLVED
        row.overdue += was_overdue(call, now)
        row.escalated += call.level > Call.Level.NONE
    for pk, row in rows.items():
        if responses[pk]:
            row.response_mean = statistics.fmean(responses[pk])
            row.response_median = statistics.median(responses[pk])
        if arrivals[pk]:
            row.arrival_mean = statistics.fmean(arrivals[pk])
            row.arrival_median = statistics.median(arrivals[pk])
    return list(rows.values())
