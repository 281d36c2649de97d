"""The daily report's rules: who may submit, a submission or a correction (always a new
version), the deadline, and the roll-up of a day to streets, districts and the city.

The roll-up never counts a missing report as zero: each total says how many of how many
communities reported, and sums only the reports there are."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from fangxian.accounts.scoping import Can, holds_community, holds_place, scope_for, visible
from fangxian.places.models import Community, Street

from .counting import prefill
from .models import DEFAULT_DEADLINE, FIGURES, DailyReport, Deadline, ReportVersion

MAX_FIGURE = 1_000_000
MAX_NOTES = 2000
MAX_REASON = 300

LABELS = {
    "under_observation": pgettext_lazy("daily report", "under observation"),
    "new_observations": gettext_lazy("new observations"),
    "released": gettext_lazy("released from observation"),
    "gate_fevers": gettext_lazy("fevers at the gates"),
    "samples": gettext_lazy("swabs taken"),
    "positive_tubes": gettext_lazy("positive tubes"),
    "positives": gettext_lazy("confirmed positive"),
    "cases_open": gettext_lazy("cases open"),
    "complaints_open": gettext_lazy("complaints open"),
    "supplies_short": gettext_lazy("supplies short"),
}


class Status:
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # past the deadline and no report
    AWAITED = "awaited"  # no report yet, the deadline not passed


STATUS_LABELS = {
    Status.ON_TIME: pgettext_lazy("daily report", "on time"),
    Status.LATE: pgettext_lazy("daily report", "late"),
    Status.MISSING: pgettext_lazy("daily report", "missing"),
    Status.AWAITED: pgettext_lazy("daily report", "not yet due"),
}


def readable_communities(user) -> QuerySet:
    return visible(user, Can.READ_REPORTS, Community.objects.all())


def readable_community(user, pk: int, queryset: QuerySet | None = None) -> Community:
    """The community if the user reads its reports; 403 to someone who sees the community but
    not its reports (a gate keeper of it), 404 to anyone else: an outsider learns nothing."""
    community = (
        visible(user, Can.READ_REPORTS, Community.objects.all() if queryset is None else queryset).filter(pk=pk).first()
    )
    if community is None:
        refuse(user, Community.objects.filter(pk=pk))
    return community


def refuse(user, communities: QuerySet) -> NoReturn:
    if visible(user, Can.VIEW_PLACES, communities).exists():
        raise PermissionDenied
    raise Http404


def streets_held(user, capability: Can, street_ids: list[int]) -> set[int]:
    """Which of these streets the user holds the capability over as a whole (a role at the
    street or above it), in one query: what `holds_place` says of each."""
    scope = scope_for(user, capability)
    if scope.everything:
        return set(street_ids)
    if scope.streets is None:
        return set()
    return set(Street.objects.filter(scope.streets, id__in=street_ids).values_list("id", flat=True))


def may_submit(user, community: Community) -> bool:
    return holds_community(user, Can.REPORT_DAILY, community.pk)


def deadline_for(community: Community, day: datetime.date) -> datetime.datetime:
    due = Deadline.objects.filter(street_id=community.street_id).values_list("due", flat=True).first()
    return timezone.make_aware(datetime.datetime.combine(day, due or DEFAULT_DEADLINE))


def deadlines(communities: list[Community], day: datetime.date) -> dict[int, datetime.datetime]:
    dues = dict(
        Deadline.objects.filter(street_id__in={c.street_id for c in communities}).values_list("street_id", "due")
    )
    return {
        c.pk: timezone.make_aware(datetime.datetime.combine(day, dues.get(c.street_id, DEFAULT_DEADLINE)))
        for c in communities
    }


def may_set_deadline(user, street_id: int) -> bool:
    """Those who set up the street's communities (its office and those above) set its deadline."""
    return holds_place(user, Can.MANAGE_TERRITORY, "street", street_id)


def set_deadline(street_id: int, due: datetime.time) -> Deadline:
    """From the next report on: a report already sent keeps the deadline it was sent against."""
    deadline, _created = Deadline.objects.update_or_create(street_id=street_id, defaults={"due": due})
    return deadline


def clean_figures(raw: dict) -> dict[str, int]:
    """Every figure a whole number from 0 to a million, or a ValidationError keyed by figure."""
    errors: dict[str, str] = {}
    figures: dict[str, int] = {}
    for key in FIGURES:
        value = raw.get(key)
        if isinstance(value, str):
            value = value.strip()
            value = int(value) if value.isascii() and value.isdigit() else value
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FIGURE:
            errors[key] = _("A whole number from 0 to %(max)s.") % {"max": f"{MAX_FIGURE:,}"}
        else:
            figures[key] = value
    unknown = sorted(set(raw) - set(FIGURES))
    if unknown:
        errors["figures"] = _("Unknown figures: %(names)s.") % {"names": ", ".join(unknown)}
    if errors:
        raise ValidationError(errors)
    return figures


def check_day(day: datetime.date) -> None:
    if day > timezone.localdate():
        raise ValidationError({"day": _("A day's report is made on that day or after it, not before.")})


def submit(
    community: Community,
    day: datetime.date,
    by,
    *,
    figures: dict | None,
    zero_report: bool = False,
    notes: str = "",
    reason: str = "",
) -> ReportVersion:
    """The community's report for the day, or a correction of it: a new version either way.
    A zero report (nothing to report) holds zeros; if the system counted something that day,
    the notes must say why there is nothing to report all the same. A correction needs its
    reason. The caller has checked `may_submit`."""
    check_day(day)
    notes, reason = notes.strip(), reason.strip()
    if len(notes) > MAX_NOTES:
        raise ValidationError({"notes": _("At most %(n)s characters.") % {"n": MAX_NOTES}})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(n)s characters.") % {"n": MAX_REASON}})
    counted = prefill([community.pk], day)[community.pk]
    if zero_report:
        if any(counted.values()) and not notes:
            raise ValidationError(
                {
                    "notes": _(
                        "The system counted something for this day: say in the notes why there is nothing to report."
                    )
                }
            )
        figures = dict.fromkeys(FIGURES, 0)
    else:
        figures = clean_figures(figures or {})
    now = timezone.now()
    try:
        with transaction.atomic():
            report, created = DailyReport.objects.select_for_update().get_or_create(
                community=community,
                day=day,
                defaults={"due_at": deadline_for(community, day), "first_submitted_at": now},
            )
            if not created and not reason:
                raise ValidationError({"reason": _("A correction says why the figures changed.")})
            last = report.versions.order_by("-number").values_list("number", flat=True).first() or 0
            return ReportVersion.objects.create(
                report=report,
                number=last + 1,
                figures=figures,
                prefilled=counted,
                zero_report=zero_report,
                notes=notes,
                reason=reason if not created else "",
                submitted_by=by,
                submitted_at=now,
            )
    except IntegrityError:
        # Two submissions of the first version at once: the other one won; this one is a
        # correction now, and must say why like any other.
        raise ValidationError({"reason": _("The report was just submitted by someone else; reload it.")}) from None


def latest_versions(reports) -> dict[int, ReportVersion]:
    """{report id: its latest version}, in one query."""
    newest = ReportVersion.objects.filter(report=OuterRef("report")).order_by("-number").values("number")[:1]
    found = ReportVersion.objects.filter(report__in=reports, number=Subquery(newest)).select_related("submitted_by")
    return {version.report_id: version for version in found}


@dataclass
class Row:
    community: Community
    status: str
    due_at: datetime.datetime
    report: DailyReport | None = None
    version: ReportVersion | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def values(self) -> list[int]:
        """The figures in the order of FIGURES; none for a report there is not."""
        return [self.version.figures.get(k, 0) for k in FIGURES] if self.version else []


@dataclass
class Total:
    """A street's, a district's or everyone's: N of M reported, and the sums of those N."""

    name: str
    place_id: int | None = None
    expected: int = 0
    reported: int = 0
    late: int = 0
    missing: int = 0
    zero_reports: int = 0
    # None until a community reports: a sum over no report is no figure, not a zero.
    sums: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(FIGURES))
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.expected += 1
        self.missing += row.status == Status.MISSING
        if row.version is None:
            return
        self.reported += 1
        self.late += row.status == Status.LATE
        self.zero_reports += row.version.zero_report
        for key in FIGURES:
            self.sums[key] = (self.sums[key] or 0) + row.version.figures.get(key, 0)

    @property
    def values(self) -> list[int | None]:
        return [self.sums[k] for k in FIGURES]


@dataclass
class Rollup:
    day: datetime.date
    rows: list[Row]
    streets: list[Total]
    districts: list[Total]
    total: Total


def status_of(report: DailyReport | None, due_at: datetime.datetime, now: datetime.datetime) -> str:
    if report is not None:
        return Status.LATE if report.late else Status.ON_TIME
    return Status.MISSING if now > due_at else Status.AWAITED


def rollup(communities: QuerySet, day: datetime.date) -> Rollup:
    """The day of every community given, grouped by street and district. Four queries."""
    communities = list(
        communities.select_related("street__district").order_by("street__district__code", "street__code", "code")
    )
    reports = {r.community_id: r for r in DailyReport.objects.filter(community__in=communities, day=day)}
    latest = latest_versions(list(reports.values()))
    dues = deadlines(communities, day)
    now = timezone.now()
    rows: list[Row] = []
    streets: dict[int, Total] = {}
    districts: dict[int, Total] = {}
    total = Total(_("all communities shown"))
    for community in communities:
        report = reports.get(community.pk)
        row = Row(
            community,
            status_of(report, dues[community.pk], now),
            dues[community.pk],
            report,
            latest.get(report.pk) if report else None,
        )
        rows.append(row)
        street = streets.setdefault(community.street_id, Total(community.street.name, community.street_id))
        district = districts.setdefault(
            community.street.district_id, Total(community.street.district.name, community.street.district_id)
        )
        for t in (street, district, total):
            t.add(row)
        street.rows.append(row)
    return Rollup(day, rows, list(streets.values()), list(districts.values()), total)


def versions_of(report: DailyReport) -> list[ReportVersion]:
    return list(report.versions.select_related("submitted_by").order_by("-number"))
