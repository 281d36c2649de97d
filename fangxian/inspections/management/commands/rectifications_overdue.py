"""Turns every rectification past its date into a case of the street (category
rectification-overdue, source inspection, the business as the place). Safe to run as often as
wanted: a finding that has its case is not taken again.

Run daily from cron, shortly after midnight by the community's clock (docs/inspections.md):
    15 0 * * *  cd /srv/fangxian && .venv/bin/python manage.py rectifications_overdue"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from fangxian.inspections import rules


class Command(BaseCommand):
    help = "Open a case for each rectification not done by its date (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run: bool, **options):
        if dry_run:
            self.stdout.write(f"would open {rules.overdue().count()} cases")
            return
        self.stdout.write(f"opened {rules.raise_overdue()} cases for overdue rectifications")
