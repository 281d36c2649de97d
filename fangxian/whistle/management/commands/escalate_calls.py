"""Raises overdue calls to the street, then the district (calling.escalate). Idempotent: run
every few minutes from cron or a systemd timer (docs/whistle.md); each run raises a call at
most one level, and never to a level it has reached."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from fangxian.whistle import calling


class Command(BaseCommand):
    help = "Escalate overdue whistle calls to the street, then the district."

    def handle(self, *args, **options):
        made = calling.escalate()
        for escalation in made:
            call = escalation.call
            self.stdout.write(f"call {call.pk} ({call.department.name}) → {escalation.get_level_display()}")
        self.stdout.write(f"{len(made)} escalated.")
