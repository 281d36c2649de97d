"""Who reads a community's ledger, and the ledger's lines filtered as pages and API ask.

Reading needs Can.SERVE or Can.RUN_SERVICES over the community: its secretary and community
workers, and the grid workers and volunteers who hand out what it holds (a grid worker reads
the whole community's ledger: the stores are the community's, not the grid's). Writing needs
Can.RUN_SERVICES over the whole community (`holds_community`). Offices count, through the
roll-up (Can.VIEW_PLACES), and read no lines."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from fangxian.accounts.scoping import Can, visible
from fangxian.places.models import Community

from .models import Movement


def readable_communities(user) -> QuerySet:
    serve = visible(user, Can.SERVE, Community.objects.all()).values("id")
    run = visible(user, Can.RUN_SERVICES, Community.objects.all()).values("id")
    return Community.objects.filter(Q(id__in=serve) | Q(id__in=run)).order_by("name_zh")


def readable(user, queryset: QuerySet) -> QuerySet:
    """The rows of the communities whose ledger the user reads."""
    return queryset.filter(community__in=readable_communities(user).values("id"))


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered_movements(
    rows: QuerySet,
    *,
    item_id: int | None = None,
    store_id: int | None = None,
    kind: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet:
    if item_id:
        rows = rows.filter(item_id=item_id)
    if store_id:
        rows = rows.filter(Q(from_store_id=store_id) | Q(to_store_id=store_id))
    if kind in Movement.Kind.values:
        rows = rows.filter(kind=kind)
    if since:
        rows = rows.filter(happened_at__gte=day_start(since))
    if until:
        rows = rows.filter(happened_at__lt=day_start(until + datetime.timedelta(days=1)))
    return rows
