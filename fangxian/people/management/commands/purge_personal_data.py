"""Anonymises residents' personal data once their emergency has been closed for
FANGXIAN_RETENTION_DAYS (or --days), keeping per-community counts in a Tally; clears uploaded
spreadsheets that were never confirmed after FANGXIAN_IMPORT_KEEP_DAYS (or --import-days).

Run daily from cron or a systemd timer (docs/operations.md). The rules live in
fangxian/people/retention.py."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fangxian.people import retention
from fangxian.people.models import Emergency, Resident


class Command(BaseCommand):
    help = "Anonymise residents' personal data of emergencies closed more than N days ago, and clear abandoned imports."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="overrides FANGXIAN_RETENTION_DAYS")
        parser.add_argument("--import-days", type=int, default=None, help="overrides FANGXIAN_IMPORT_KEEP_DAYS")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, days: int | None, import_days: int | None, dry_run: bool, **options):
        days = settings.RETENTION_DAYS if days is None else days
        import_days = settings.IMPORT_KEEP_DAYS if import_days is None else import_days
        if days < 0 or import_days < 0:
            raise CommandError("--days and --import-days must be 0 or more")
        cutoff = timezone.localdate() - timezone.timedelta(days=days)
        due = Emergency.objects.filter(closed_on__isnull=False, closed_on__lte=cutoff, purged_at=None)
        if not due.exists():
            self.stdout.write("No emergency to anonymise.")
        for emergency in due:
            if dry_run:
                n = Resident.objects.filter(emergency=emergency, anonymised=False).count()
                self.stdout.write(f"{emergency}: would anonymise {n} residents")
                continue
            n = retention.purge(emergency)
            self.stdout.write(f"{emergency}: anonymised {n} residents, counts kept")
        if dry_run:
            n = retention.abandoned_imports(import_days).count()
            self.stdout.write(f"would clear {n} imports never confirmed in {import_days} days")
        else:
            n = retention.clear_abandoned_imports(import_days)
            self.stdout.write(f"cleared {n} imports never confirmed in {import_days} days, counts kept")
