"""Who has not reported today, street by street, once their deadline has passed: for cron
(its output is mailed to whoever runs it) or a systemd timer, every half hour after the
earliest deadline (docs/daily-reports.md). It writes nothing: a report that is missing is the
absence of a report, so there is nothing to mark, and running it twice says the same twice."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fangxian.lib.ids import as_day
from fangxian.places.models import Community
from fangxian.reports import reporting


class Command(BaseCommand):
    help = "List the communities whose daily report is missing after their street's deadline."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD; today if not given")
        parser.add_argument("--street", help="only this street (its code)")

    def handle(self, *args, day=None, street=None, **options):
        when = as_day(day) if day else timezone.localdate()
        if when is None:
            raise CommandError(f"Not a day: {day}")
        communities = Community.objects.all()
        if street:
            communities = communities.filter(street__code=street)
        rollup = reporting.rollup(communities, when)
        missing = 0
        for total in rollup.streets:
            absent = [r for r in total.rows if r.status == reporting.Status.MISSING]
            missing += len(absent)
            if absent:
                self.stdout.write(
                    f"{total.name}: {total.reported}/{total.expected} reported, {total.late} late, "
                    f"missing: {'、'.join(r.community.name_zh for r in absent)}"
                )
        self.stdout.write(f"{when.isoformat()}: {missing} missing of {rollup.total.expected}.")
