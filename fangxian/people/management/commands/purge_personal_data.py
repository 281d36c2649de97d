"""Anonymises residents' personal data once their emergency has been closed for
FANGXIAN_RETENTION_DAYS (or --days), keeping per-community counts in a Tally.

Run daily from cron or a systemd timer (docs/operations.md)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Cast, Concat, TruncYear
from django.utils import timezone

from fangxian.accounts import audit
from fangxian.accounts.models import AuditEvent
from fangxian.people.models import Emergency, Resident, Tag, Tally


def tally_counts(residents) -> dict:
    return residents.aggregate(
        residents=Count("id"),
        current=Count("id", filter=Q(moved_out_on=None)),
        male=Count("id", filter=Q(sex=Resident.Sex.MALE)),
        female=Count("id", filter=Q(sex=Resident.Sex.FEMALE)),
        living_elsewhere=Count("id", filter=Q(residence=Resident.Residence.LIVING_ELSEWHERE)),
        **{tag.value: Count("id", filter=Q(tags__contains=f",{tag.value},")) for tag in Tag},
    )


# Apps above this one (the gate's visitor records, later the watch's reports) register here
# what they keep of people during an emergency; it is purged in the same transaction.
PURGE_HOOKS: list[Callable[[Emergency], int]] = []


@transaction.atomic
def purge(emergency: Emergency) -> int:
    residents = Resident.objects.filter(emergency=emergency, anonymised=False)
    for community_id in residents.values_list("community_id", flat=True).distinct():
        Tally.objects.update_or_create(
            emergency=emergency, community_id=community_id,
            defaults={"counts": tally_counts(residents.filter(community_id=community_id))},
        )
    for resident in residents.exclude(photo=""):
        resident.photo.delete(save=False)
    # Names become the row number; birth dates keep only the year, which age counts may need.
    count = residents.update(
        name=Concat(Value("#"), Cast("id", CharField())), name_initials="", id_number="", phone="", photo="",
        birth_date=TruncYear("birth_date"), anonymised=True,
    )
    others = {hook.__module__: hook(emergency) for hook in PURGE_HOOKS}
    emergency.purged_at = timezone.now()
    emergency.save(update_fields=["purged_at"])
    audit.record(None, AuditEvent.Action.PURGE, emergency, residents=count, **others)
    return count


class Command(BaseCommand):
    help = "Anonymise residents' personal data of emergencies closed more than N days ago."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="overrides FANGXIAN_RETENTION_DAYS")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, days: int | None, dry_run: bool, **options):
        days = settings.RETENTION_DAYS if days is None else days
        if days < 0:
            self.stderr.write("--days must be 0 or more")
            return
        cutoff = timezone.localdate() - timezone.timedelta(days=days)
        due = Emergency.objects.filter(closed_on__isnull=False, closed_on__lte=cutoff, purged_at=None)
        if not due.exists():
            self.stdout.write("Nothing to anonymise.")
        for emergency in due:
            if dry_run:
                n = Resident.objects.filter(emergency=emergency, anonymised=False).count()
                self.stdout.write(f"{emergency}: would anonymise {n} residents")
                continue
            n = purge(emergency)
            self.stdout.write(f"{emergency}: anonymised {n} residents, counts kept")
