"""The three rates of 接诉即办 (response, resolution, satisfaction) and the overdue count, per
community, street, district, city or department, and month. The definitions are written
out in docs/casework.md; in short, for the cases received in a month:

- response rate: answered (assigned, on site or handled) by the respond-by deadline, out of
  those answered or past that deadline;
- resolution rate: resolved (or passed to a department) by the resolve-by deadline, out of
  those handled or past that deadline, leaving out complaints found unfounded;
- satisfaction rate: satisfied or basically satisfied at the latest callback, out of those
  called back and reached;
- overdue: still open now and past a deadline.

Counted in the database, one grouped query however many cases."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case as DbCase
from django.db.models import Count, DateField, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.accounts.models import Role
from fangxian.accounts.scoping import Can, can, roles_of, visible
from fangxian.places.models import City, Community, District, Street

from .models import Case

S = Case.State
C = Case.Callback

# From a case, the lookup to the place (or department) each figure is counted by.
BY = {
    "community": "community_id",
    "street": "street_id",
    "district": "street__district_id",
    "city": "street__district__city_id",
    "department": "agency",
}
NAMED = {"community": Community, "street": Street, "district": District, "city": City}
WORDS = {
    "community": _("community"),
    "street": _("street"),
    "district": _("district"),
    "city": _("city"),
    "department": _("department"),
}


OFFICES = {Role.Kind.CITY_ADMIN, Role.Kind.DISTRICT_ADMIN, Role.Kind.STREET_ADMIN}


def is_office(user) -> bool:
    return user.is_superuser or any(role.kind in OFFICES for role in roles_of(user))


def counted_cases(user) -> QuerySet | None:
    """The cases whose counts this user may see: an office's territory (counts only, never the
    cases themselves), a community's own cases for whoever handles them; None for anyone else."""
    if is_office(user):
        return visible(user, Can.VIEW_PLACES, Case.objects.all())
    if can(user, Can.HANDLE_CASES):
        return visible(user, Can.HANDLE_CASES, Case.objects.all())
    return None


def counts(now: datetime.datetime) -> dict:
    answered = Q(responded_at__isnull=False)
    handled = Q(handled_at__isnull=False)
    founded = ~Q(handled_as=S.UNFOUNDED)
    reached = Q(callback__in=[C.SATISFIED, C.BASICALLY, C.UNSATISFIED])
    still_open = Q(state__in=Case.OPEN)
    return {
        "received": Count("id"),
        "response_due": Count("id", filter=answered | Q(respond_by__lt=now)),
        "responded_in_time": Count("id", filter=Q(responded_at__lte=F("respond_by"))),
        "resolution_due": Count("id", filter=(handled | Q(resolve_by__lt=now)) & founded),
        "resolved_in_time": Count(
            "id", filter=Q(handled_as__in=[S.RESOLVED, S.PASSED], handled_at__lte=F("resolve_by"))
        ),
        "called_back": Count("id", filter=reached),
        "satisfied": Count("id", filter=Q(callback__in=[C.SATISFIED, C.BASICALLY])),
        "unfounded": Count("id", filter=Q(handled_as=S.UNFOUNDED)),
        "overdue": Count(
            "id", filter=still_open & (Q(resolve_by__lt=now) | Q(responded_at__isnull=True, respond_by__lt=now))
        ),
    }


KEYS = list(counts(timezone.now()))


def rate(part: int, whole: int) -> float | None:
    """A share in percent, None when nothing was due (shown as "—", not 0 % or 100 %)."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Row:
    by: str
    key: int | str | None
    name: str
    month: datetime.date | None
    figures: dict

    @property
    def response_rate(self) -> float | None:
        return rate(self.figures["responded_in_time"], self.figures["response_due"])

    @property
    def resolution_rate(self) -> float | None:
        return rate(self.figures["resolved_in_time"], self.figures["resolution_due"])

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.figures["satisfied"], self.figures["called_back"])

    @property
    def shown_rates(self) -> list[float | None]:
        return [self.response_rate, self.resolution_rate, self.satisfaction_rate]

    def __getattr__(self, name: str):
        try:
            return self.__dict__["figures"][name]
        except KeyError:
            raise AttributeError(name) from None


def month_range(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """From the start of the first month to the start of the month after the last, by the
    community's clock."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime(first.year, first.month, 1, tzinfo=zone)
    after = datetime.datetime(last.year + last.month // 12, last.month % 12 + 1, 1, tzinfo=zone)
    return start, after


def figures(
    cases: QuerySet,
    by: str,
    first: datetime.date,
    last: datetime.date | None = None,
    per_month: bool = True,
    now: datetime.datetime | None = None,
) -> list[Row]:
    """The rows of the table: one per place (or department) and month received, for the
    months from `first` to `last` (both by their first day), in name order then month."""
    if by not in BY:
        raise ValueError(by)
    now = now or timezone.now()
    start, after = month_range(first, last or first)
    cases = cases.filter(received_at__gte=start, received_at__lt=after)
    if by == "department":
        cases = cases.exclude(agency="")
    group = [BY[by]]
    if per_month:
        cases = cases.annotate(month=month_of("received_at", start, after))
        group.append("month")
    grouped = cases.order_by().values(*group).annotate(**counts(now))
    names = place_names(by, {row[BY[by]] for row in grouped})
    rows = [
        Row(
            by=by,
            key=row[BY[by]],
            name=names.get(row[BY[by]], ""),
            month=as_date(row.get("month")),
            figures={key: row[key] for key in KEYS},
        )
        for row in grouped
    ]
    return sorted(rows, key=lambda r: (r.key is None, r.name, r.month or datetime.date.min))


def month_of(field: str, start: datetime.datetime, after: datetime.datetime) -> DbCase:
    """The first day of the month a moment falls in, by the community's clock, as comparisons
    with each month's start: the database's own date functions would work in UTC, and
    SQLite's time-zone-aware truncation calls back into Python for every row."""
    starts = []
    at = start
    while at < after:
        starts.append(at)
        at = (at + datetime.timedelta(days=32)).replace(day=1)
    whens = [When(**{f"{field}__gte": month}, then=Value(month.date())) for month in reversed(starts)]
    return DbCase(*whens, output_field=DateField())


def as_date(month) -> datetime.date | None:
    if month is None:
        return None
    if isinstance(month, str):  # SQLite hands a computed date back as text
        return datetime.date.fromisoformat(month)
    return month


def place_names(by: str, keys: set) -> dict:
    if by == "department":
        return {key: key for key in keys}
    model = NAMED[by]
    names: dict = {place.pk: place.name for place in model.objects.filter(pk__in=[k for k in keys if k])}
    if by == "community":
        names[None] = str(_("held by the street"))
    return names


def total(rows: list[Row], by: str = "", name: str = "") -> Row:
    """All the rows in one (a whole street's month, or the column's total)."""
    return Row(
        by=by,
        key=None,
        name=name,
        month=None,
        figures={key: sum(r.figures[key] for r in rows) for key in KEYS},
    )


HEADERS = [
    _("month"),
    _("received"),
    _("response rate %"),
    _("resolution rate %"),
    _("satisfaction rate %"),
    _("answered in time"),
    _("due an answer"),
    _("resolved in time"),
    _("due a resolution"),
    _("satisfied"),
    _("called back and reached"),
    _("unfounded"),
    _("overdue now"),
]


def table_rows(rows: list[Row]) -> list[list]:
    """The rows as a spreadsheet holds them: numbers as numbers, a rate nobody was due as empty."""
    return [
        [
            r.name,
            r.month.strftime("%Y-%m") if r.month else "",
            r.received,
            r.response_rate,
            r.resolution_rate,
            r.satisfaction_rate,
            r.responded_in_time,
            r.response_due,
            r.resolved_in_time,
            r.resolution_due,
            r.satisfied,
            r.called_back,
            r.unfounded,
            r.overdue,
        ]
        for r in rows
    ]
