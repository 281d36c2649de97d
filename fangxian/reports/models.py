"""The daily report (日报): one per community and day, whose versions are never overwritten.

The latest version is the report. A correction is a new version that says who made it, when
and why; the first version's time decides whether the report was on time, against the
deadline its street had set when the report was opened (`due_at`). A community without a
report for a day is missing: there is no row for it, so it can never be counted as zero."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.places.models import Community, ScopePath, Street

# What the system counts for a community's day, in the order reports show them.
FIGURES = [
    "under_observation",
    "new_observations",
    "released",
    "gate_fevers",
    "samples",
    "positive_tubes",
    "positives",
    "cases_open",
    "complaints_open",
    "supplies_short",
]
DEFAULT_DEADLINE = datetime.time(16, 0)


class Deadline(models.Model):
    """By when the communities of a street report each day; 16:00 where a street set none."""

    street = models.OneToOneField(Street, models.CASCADE, related_name="report_deadline", verbose_name=_("street"))
    due = models.TimeField(_("reports due by"), default=DEFAULT_DEADLINE)

    class Meta:
        verbose_name = _("daily report deadline")
        verbose_name_plural = _("daily report deadlines")

    def __str__(self) -> str:
        return f"{self.street} {self.due:%H:%M}"


class DailyReport(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="daily_reports", verbose_name=_("community"))
    day = models.DateField(_("day"))
    due_at = models.DateTimeField()  # the deadline in force when it was first submitted
    first_submitted_at = models.DateTimeField()

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-day", "community__code"]
        constraints = [models.UniqueConstraint(fields=["community", "day"], name="one_daily_report_per_day")]
        indexes = [models.Index(fields=["day", "community"])]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")

    def __str__(self) -> str:
        return f"{self.community} {self.day}"

    @property
    def late(self) -> bool:
        return self.first_submitted_at > self.due_at


class ReportVersion(models.Model):
    report = models.ForeignKey(DailyReport, models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    # {figure: whole number} for every key of FIGURES; all zero in a zero report.
    figures = models.JSONField()
    # What the system counted when this version was made, kept to show what was changed by hand.
    prefilled = models.JSONField()
    zero_report = models.BooleanField(_("nothing to report"), default=False)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    SCOPE = ScopePath(community="report__community_id")

    class Meta:
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="one_report_version_number")]
        verbose_name = _("daily report version")
        verbose_name_plural = _("daily report versions")

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    @property
    def changed(self) -> list[str]:
        """The figures set by hand to something else than the system counted."""
        if self.zero_report:
            return []
        return [k for k in FIGURES if self.figures.get(k) != self.prefilled.get(k)]
