"""Issuing, revoking and reissuing permits."""

from __future__ import annotations

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone

from fangxian.lib import permit as codec
from fangxian.lib.masking import mask_name
from fangxian.people.models import Resident

from .models import Permit, SigningKey

VALID_DAYS = 90


def compact_dwelling(resident: Resident) -> str:
    dwelling = resident.dwelling
    return f"{dwelling.building.number}-{dwelling.entrance}-{dwelling.room}"


def photo_digest(resident: Resident) -> str:
    if not resident.photo:
        return ""
    with resident.photo.open("rb") as photo:
        return hashlib.sha256(photo.read()).hexdigest()


def issue(resident: Resident, user, days: int = VALID_DAYS, now: datetime.datetime | None = None) -> Permit:
    """A new permit for a resident living here; the community's current key signs it."""
    return issue_many([resident], user, days, now)[0]


@transaction.atomic
def issue_many(
    residents: list[Resident], user, days: int = VALID_DAYS, now: datetime.datetime | None = None
) -> list[Permit]:
    """Permits for many residents in one insert and one update: a building at a time. A
    resident holds one live permit: any earlier one still valid is revoked as replaced, so a
    lost or kept card stops opening the gate once a new one is printed."""
    now = now or timezone.now()
    Permit.objects.filter(resident__in=residents, revoked_at=None, valid_until__gt=now).update(
        revoked_at=now, revoke_reason=Permit.RevokeReason.REISSUED
    )
    keys: dict[int, SigningKey] = {}
    for resident in residents:
        if resident.community_id not in keys:
            keys[resident.community_id] = SigningKey.current(resident.community)
    rows = Permit.objects.bulk_create(
        [
            Permit(
                community_id=r.community_id,
                resident=r,
                key=keys[r.community_id],
                valid_from=now,
                valid_until=now + datetime.timedelta(days=days),
                photo_sha256=photo_digest(r),
                issued_by=user,
            )
            for r in residents
        ]
    )
    for row, resident in zip(rows, residents, strict=True):
        key = keys[resident.community_id]
        payload = codec.Permit(
            permit_id=row.pk,
            issuer=resident.community.code,
            name=mask_name(resident.name),
            dwelling=compact_dwelling(resident),
            valid_from=int(row.valid_from.timestamp()),
            valid_until=int(row.valid_until.timestamp()),
            photo_sha256=bytes.fromhex(row.photo_sha256),
        )
        row.code = codec.encode(payload, bytes(key.kid), key.private)
    Permit.objects.bulk_update(rows, ["code"], batch_size=1000)
    return rows


@transaction.atomic
def revoke(row: Permit, reason: str) -> Permit:
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.revoke_reason = reason
        row.save(update_fields=["revoked_at", "revoke_reason"])
    return row


@transaction.atomic
def reissue(row: Permit, user) -> Permit:
    revoke(row, Permit.RevokeReason.REISSUED)
    return issue(row.resident, user)
