"""Giving a household its private link, and taking it back. Both are audited: the link opens
the household's permits without an account."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from fangxian.accounts import audit
from fangxian.accounts.models import AuditEvent
from fangxian.places.models import Dwelling

from .models import HouseholdLink


def live(token: str) -> HouseholdLink | None:
    return (
        HouseholdLink.objects.select_related("dwelling__building", "dwelling__community")
        .filter(token=token, revoked_at__isnull=True)
        .first()
    )


def live_tokens(dwelling_ids) -> dict[int, str]:
    """Dwelling id → its live link's token, for printing."""
    rows = HouseholdLink.objects.filter(dwelling_id__in=dwelling_ids, revoked_at__isnull=True)
    return dict(rows.values_list("dwelling_id", "token"))


def issue(dwelling: Dwelling, request: HttpRequest) -> HouseholdLink:
    """A new link for the household; the one it had stops working at once."""
    with transaction.atomic():
        Dwelling.objects.select_for_update().get(pk=dwelling.pk)  # two clicks make one live link
        replaced = end_live(dwelling, request.user)
        link = HouseholdLink.objects.create(dwelling=dwelling, issued_by=request.user)
        audit.record(
            request, AuditEvent.Action.LINK_ISSUED, dwelling, community_id=dwelling.community_id, replaced=replaced
        )
    return link


def revoke(dwelling: Dwelling, request: HttpRequest) -> bool:
    with transaction.atomic():
        ended = end_live(dwelling, request.user)
        if ended:
            audit.record(request, AuditEvent.Action.LINK_REVOKED, dwelling, community_id=dwelling.community_id)
    return bool(ended)


def end_live(dwelling: Dwelling, user) -> int:
    return HouseholdLink.objects.filter(dwelling=dwelling, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=user
    )
