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


@transaction.atomic
def issue(resident: Resident, user, days: int = VALID_DAYS, now: datetime.datetime | None = None) -> Permit:
    """A new permit for a resident living here; the community's current key signs it."""
    now = now or timezone.now()
    key = SigningKey.current(resident.community)
    row = Permit.objects.create(
        community_id=resident.community_id, resident=resident, key=key, valid_from=now,
        valid_until=now + datetime.timedelta(days=days), photo_sha256=photo_digest(resident), issued_by=user,
    )
    payload = codec.Permit(
        permit_id=row.pk, issuer=resident.community.code, name=mask_name(resident.name),
        dwelling=compact_dwelling(resident), valid_from=int(row.valid_from.timestamp()),
        valid_until=int(row.valid_until.timestamp()), photo_sha256=bytes.fromhex(row.photo_sha256),
    )
    row.code = codec.encode(payload, bytes(key.kid), key.private)
    row.save(update_fields=["code"])
    return row


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
