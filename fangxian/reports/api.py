"""Daily reports under /api/v1/daily-reports: a day of the communities one reads, a
community's day (its report, versions and what the system counted), and a submission or
correction. The rules are reporting.py's; only types here.

A missing report is `"status": "missing"` with `"figures": null`, never zeros, and the
totals carry `reported` and `expected` beside sums of the reports there are."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from fangxian.accounts.apikit import Day, Id, Input, Whole, answers
from fangxian.places.models import Community

from . import reporting
from .counting import prefill
from .models import FIGURES, DailyReport, ReportVersion

router = Router(tags=["reports"])


class Figures(Input):
    under_observation: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)
    new_observations: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)
    released: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)
    gate_fevers: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)
    samples: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)
    positive_tubes: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)
    positives: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)
    cases_open: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)
    complaints_open: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)
    supplies_short: Whole = Field(..., ge=0, le=reporting.MAX_FIGURE)


class ReportIn(Input):
    day: Day
    figures: Figures | None = Field(None, description="Every figure; leave out for a zero report.")
    zero_report: bool = Field(False, description="Nothing to report: the figures are zeros.")
    notes: str = Field("", max_length=reporting.MAX_NOTES)
    reason: str = Field("", max_length=reporting.MAX_REASON, description="Why, for a correction.")


class VersionOut(Schema):
    number: int
    figures: dict[str, int]
    prefilled: dict[str, int]
    changed: list[str]
    zero_report: bool
    notes: str
    reason: str
    submitted_by: str | None
    submitted_at: datetime.datetime


class CommunityDayOut(Schema):
    community_id: int
    community: str
    day: datetime.date
    status: str
    due_at: datetime.datetime
    first_submitted_at: datetime.datetime | None
    may_submit: bool
    figures: dict[str, int] | None  # the latest version's; null when there is no report
    zero_report: bool | None
    counted: dict[str, int]  # what the system counts for the day now
    versions: list[VersionOut]


class RowOut(Schema):
    community_id: int
    community: str
    street_id: int
    status: str
    due_at: datetime.datetime
    first_submitted_at: datetime.datetime | None
    version: int | None
    zero_report: bool | None
    figures: dict[str, int] | None


class TotalOut(Schema):
    id: int | None
    name: str
    expected: int
    reported: int
    late: int
    missing: int
    zero_reports: int
    sums: dict[str, int | None]  # of the reported communities only; null while none reported


class DayOut(Schema):
    day: datetime.date
    figures: list[str]
    total: TotalOut
    districts: list[TotalOut]
    streets: list[TotalOut]
    communities: list[RowOut]


def version_out(v: ReportVersion) -> dict:
    return {
        "number": v.number,
        "figures": v.figures,
        "prefilled": v.prefilled,
        "changed": v.changed,
        "zero_report": v.zero_report,
        "notes": v.notes,
        "reason": v.reason,
        "submitted_by": v.submitted_by.get_username() if v.submitted_by else None,
        "submitted_at": v.submitted_at,
    }


def total_out(t: reporting.Total) -> dict:
    return {
        "id": t.place_id,
        "name": t.name,
        "expected": t.expected,
        "reported": t.reported,
        "late": t.late,
        "missing": t.missing,
        "zero_reports": t.zero_reports,
        "sums": t.sums,
    }


def community_day_out(request, community: Community, day: datetime.date) -> dict:
    report = DailyReport.objects.filter(community=community, day=day).first()
    versions = reporting.versions_of(report) if report else []
    due_at = reporting.deadline_for(community, day)
    return {
        "community_id": community.pk,
        "community": community.name,
        "day": day,
        "status": reporting.status_of(report, due_at, timezone.now()),
        "due_at": due_at,
        "first_submitted_at": report.first_submitted_at if report else None,
        "may_submit": reporting.may_submit(request.user, community),
        "figures": versions[0].figures if versions else None,
        "zero_report": versions[0].zero_report if versions else None,
        "counted": prefill([community.pk], day)[community.pk],
        "versions": [version_out(v) for v in versions],
    }


@router.get("/daily-reports", response=answers({200: DayOut}, 403))
def day_of_reports(request, day: Day | None = None):
    """The day (today if not given) of every community the caller reads: each one's status
    (on_time, late, missing, awaited: not due yet) and figures, and totals by street and
    district that sum the reported communities only."""
    communities = reporting.readable_communities(request.user)
    if not communities.exists():
        raise PermissionDenied
    rollup = reporting.rollup(communities, day or timezone.localdate())
    return {
        "day": rollup.day,
        "figures": FIGURES,
        "total": total_out(rollup.total),
        "districts": [total_out(t) for t in rollup.districts],
        "streets": [total_out(t) for t in rollup.streets],
        "communities": [
            {
                "community_id": r.community.pk,
                "community": r.community.name,
                "street_id": r.community.street_id,
                "status": r.status,
                "due_at": r.due_at,
                "first_submitted_at": r.report.first_submitted_at if r.report else None,
                "version": r.version.number if r.version else None,
                "zero_report": r.version.zero_report if r.version else None,
                "figures": r.version.figures if r.version else None,
            }
            for r in rollup.rows
        ],
    }


@router.get("/daily-reports/communities/{community_id}", response=answers({200: CommunityDayOut}, 403))
def community_day(request, community_id: Id, day: Day | None = None):
    """A community's day: its report's latest figures and every version, or null figures
    while it has none, and what the system counts for the day (to pre-fill a submission)."""
    return community_day_out(
        request, reporting.readable_community(request.user, community_id), day or timezone.localdate()
    )


@router.post("/daily-reports/communities/{community_id}", response=answers({201: CommunityDayOut}, 404))
def submit_report(request, community_id: Id, data: ReportIn):
    """The secretary submits the community's report for a day, or corrects it (a new version,
    with its reason). A zero report leaves the figures out."""
    community = reporting.readable_community(request.user, community_id)
    if not reporting.may_submit(request.user, community):
        raise PermissionDenied
    reporting.submit(
        community,
        data.day,
        request.user,
        figures=data.figures.model_dump() if data.figures else None,
        zero_report=data.zero_report,
        notes=data.notes,
        reason=data.reason,
    )
    return Status(201, community_day_out(request, community, data.day))


class DeadlineIn(Input):
    due: datetime.time = Field(..., description="The time of day reports are due by, like 16:00.")


class DeadlineOut(Schema):
    street_id: int
    due: datetime.time


@router.post("/daily-reports/streets/{street_id}/deadline", response=answers({200: DeadlineOut}, 404))
def set_deadline(request, street_id: Id, data: DeadlineIn):
    """The street's daily deadline, for its office and those above; reports already sent
    keep the deadline they were sent against."""
    if not reporting.may_set_deadline(request.user, street_id):
        reporting.refuse(request.user, Community.objects.filter(street_id=street_id))
    deadline = reporting.set_deadline(street_id, data.due.replace(second=0, microsecond=0, tzinfo=None))
    return {"street_id": street_id, "due": deadline.due}
