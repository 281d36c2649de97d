"""Handle before the next complaint (未诉先办): complaints of one category repeated at one place
within a few days open a case of the community's own, before the hotline rings again.

A place is the business named, else the building, else the address as written (within the
community, or the street when none owns it). One proactive case a category and place stays
open at a time; when it is closed, repeats start counting again from then."""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import handling
from .models import Case

# What a proactive case copies from the complaint that called for it: select_related these.
NAMES = ("street", "category", "community", "building__community", "business")
COMPLAINTS = (Case.Source.HOTLINE, Case.Source.PHONE, Case.Source.WALK_IN, Case.Source.OPEN311)


def has_place(case: Case) -> bool:
    """A business, a building or an address to count repeats at (see place_key)."""
    return bool(case.business_id or case.building_id or case.address.strip())


def place_words(case: Case) -> str:
    if case.business_id:
        return case.business.name
    if case.building_id:
        return f"{case.building.community.name} {case.building}"
    return case.address


def place_key(category_id, business_id, building_id, community_id, address) -> tuple:
    if business_id:
        return (category_id, "business", business_id)
    if building_id:
        return (category_id, "building", building_id)
    return (category_id, "address", community_id, " ".join(address.split()))


def complaint_times(cases: list[Case], days: int) -> dict[tuple, list[datetime.datetime]]:
    """When each category and place around these cases was complained about, oldest first:
    one query, so that a 12345 import of 10,000 orders asks a few more, not 10,000."""
    window = Case.objects.filter(
        street_id__in={c.street_id for c in cases},
        category_id__in={c.category_id for c in cases},
        source__in=COMPLAINTS,
        received_at__gt=min(c.received_at for c in cases) - datetime.timedelta(days=days),
        received_at__lte=max(c.received_at for c in cases),
    )
    times: dict[tuple, list[datetime.datetime]] = {}
    fields = ("category_id", "business_id", "building_id", "community_id", "address")
    for row in window.order_by("received_at").values(*fields, "received_at"):
        times.setdefault(place_key(*(row[f] for f in fields)), []).append(row["received_at"])
    return times


def latest_proactive(cases: list[Case]) -> dict[tuple, datetime.datetime | None]:
    """For each category and place, when its latest proactive case was closed (None while it
    is open), in one query for the whole batch."""
    fields = ("category_id", "business_id", "building_id", "community_id", "address")
    rows = (
        Case.objects.filter(
            source=Case.Source.PROACTIVE,
            street_id__in={c.street_id for c in cases},
            category_id__in={c.category_id for c in cases},
        )
        .order_by("received_at", "id")
        .values(*fields, "state", "closed_at")
    )
    return {
        place_key(*(row[f] for f in fields)): row["closed_at"] if row["state"] == Case.State.CLOSED else None
        for row in rows
    }


def open_for(cases: Iterable[Case]) -> list[Case]:
    """The proactive cases these new complaints call for (opened now), one per category and
    place however many of the complaints share them."""
    repeats = settings.CASEWORK_REPEAT_COMPLAINTS
    days = settings.CASEWORK_REPEAT_DAYS
    # The newest complaint of each place first: the window of days ends with it.
    cases = sorted(
        (c for c in cases if c.source in COMPLAINTS and has_place(c)),
        key=lambda c: c.received_at,
        reverse=True,
    )
    if not cases:
        return []
    times = complaint_times(cases, days)
    handling_already = latest_proactive(cases)
    opened = []
    seen: set[tuple] = set()
    for case in cases:
        key = place_key(case.category_id, case.business_id, case.building_id, case.community_id, case.address)
        if len(times.get(key, ())) < repeats or key in seen:
            continue
        seen.add(key)
        since = case.received_at - datetime.timedelta(days=days)
        if key in handling_already:
            closed_at = handling_already[key]
            if closed_at is None:
                continue  # one is being handled already
            since = max(since, closed_at)
        at = times[key]
        count = bisect.bisect_right(at, case.received_at) - bisect.bisect_right(at, since)
        if count < repeats:
            continue
        opened.append(
            Case(
                street=case.street,
                category=case.category,
                source=Case.Source.PROACTIVE,
                community=case.community,
                building=case.building,
                business=case.business,
                address=case.address,
                what=_(
                    "%(n)s complaints of %(category)s at %(place)s within %(days)s days: handle it before the next one."
                )
                % {"n": count, "category": case.category.name, "place": place_words(case), "days": days},
                received_at=timezone.now(),
            )
        )
    # A 12345 import may find a thousand places at once: opened together, not one by one.
    return handling.open_own(opened)
