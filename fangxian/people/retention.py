"""How long personal data is kept, in one place: an emergency's residents (and whatever the
apps above people register here) are anonymised once it has been closed for
FANGXIAN_RETENTION_DAYS; uploaded spreadsheets keep only their counts once confirmed, or once
FANGXIAN_IMPORT_KEEP_DAYS have passed unconfirmed. `manage.py purge_personal_data` runs it."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import CharField, Count, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, TruncYear
from django.utils import timezone

from fangxian.accounts import audit
from fangxian.accounts.models import AuditEvent

from .models import Emergency, ImportBatch, Resident, Tag, Tally

PurgeHook = Callable[[Emergency], int]
# What apps above this one (the gate's visitor records, the watch's reports, the people on
# duty) keep of people during an emergency: each registers in its AppConfig.ready() and is
# purged in the same transaction as the residents.
PURGE_HOOKS: list[PurgeHook] = []


def register(hook: PurgeHook) -> None:
    if hook not in PURGE_HOOKS:
        PURGE_HOOKS.append(hook)


def tally_counts(residents: QuerySet[Resident]) -> dict[str, int]:
    return residents.aggregate(
        residents=Count("id"),
        current=Count("id", filter=Q(moved_out_on=None)),
        male=Count("id", filter=Q(sex=Resident.Sex.MALE)),
        female=Count("id", filter=Q(sex=Resident.Sex.FEMALE)),
        living_elsewhere=Count("id", filter=Q(residence=Resident.Residence.LIVING_ELSEWHERE)),
        **{tag.value: Count("id", filter=Resident.tagged(tag)) for tag in Tag},
    )


@transaction.atomic
def purge(emergency: Emergency) -> int:
    residents = Resident.objects.filter(emergency=emergency, anonymised=False)
    for community_id in residents.values_list("community_id", flat=True).distinct():
        Tally.objects.update_or_create(
            emergency=emergency,
            community_id=community_id,
            defaults={"counts": tally_counts(residents.filter(community_id=community_id))},
        )
    for resident in residents.exclude(photo=""):
        resident.photo.delete(save=False)
    # Names become the row number; birth dates keep only the year, which age counts may need.
    count = residents.update(
        name=Concat(Value("#"), Cast("id", CharField())),
        name_initials="",
        id_number="",
        phone="",
        photo="",
        birth_date=TruncYear("birth_date"),
        anonymised=True,
    )
    others = {hook.__module__: hook(emergency) for hook in PURGE_HOOKS}
    emergency.purged_at = timezone.now()
    emergency.save(update_fields=["purged_at"])
    audit.record(None, AuditEvent.Action.PURGE, emergency, residents=count, **others)
    return count


def abandoned_imports(keep_days: int) -> QuerySet[ImportBatch]:
    """Checked but never confirmed, uploaded more than `keep_days` ago, file still kept."""
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    return ImportBatch.objects.exclude(status=ImportBatch.Status.APPLIED).filter(created_at__lt=cutoff, cleared_at=None)


def clear_abandoned_imports(keep_days: int) -> int:
    """Each community's abandoned uploads lose their file and rows; one audit event each."""
    batches = abandoned_imports(keep_days)
    per_community = dict(batches.values_list("community_id").annotate(n=Count("id")).order_by())
    with transaction.atomic():
        cleared = batches.update(data=b"", report={}, error_report=b"", cleared_at=timezone.now())
        for community_id, n in per_community.items():
            audit.record(None, AuditEvent.Action.PURGE, community_id=community_id, imports=n, kept_days=keep_days)
    return cleared
