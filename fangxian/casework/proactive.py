"""Handle before the next complaint (未诉先办): complaints of one category repeated at one place
within a few days open a case of the community's own, before the hotline rings again.

A place is the business named, else the building, else the address as written (within the
community, or the street when none owns it). One proactive case a category and place stays
open at a time; when it is closed, repeats start counting again from then."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from . import handling
from .models import Case

COMPLAINTS = (Case.Source.HOTLINE, Case.Source.PHONE, Case.Source.WALK_IN, Case.Source.OPEN311)


def same_place(case: Case) -> Q | None:
    if case.business_id:
        return Q(business_id=case.business_id)
    if case.building_id:
        return Q(building_id=case.building_id)
    address = " ".join(case.address.split())
    if address:
        return Q(
            street_id=case.street_id, community_id=case.community_id, building=None, business=None, address=address
        )
    return None


def place_words(case: Case) -> str:
    if case.business_id:
        return case.business.name
    if case.building_id:
        return f"{case.building.community.name} {case.building}"
    return case.address


def open_for(cases: Iterable[Case]) -> list[Case]:
    """The proactive cases these new complaints call for (opened now), one per category and
    place however many of the complaints share them."""
    repeats = settings.CASEWORK_REPEAT_COMPLAINTS
    days = settings.CASEWORK_REPEAT_DAYS
    opened = []
    seen: set[tuple] = set()
    for case in cases:
        place = same_place(case) if case.source in COMPLAINTS else None
        if place is None or (case.category_id, str(place)) in seen:
            continue
        seen.add((case.category_id, str(place)))
        here = Case.objects.filter(place, category_id=case.category_id)
        since = case.received_at - datetime.timedelta(days=days)
        earlier = here.filter(source=Case.Source.PROACTIVE).order_by("-received_at").first()
        if earlier is not None and (earlier.state != Case.State.CLOSED or earlier.closed_at is None):
            continue  # one is being handled already
        if earlier is not None:
            since = max(since, earlier.closed_at)
        complaints = here.filter(source__in=COMPLAINTS, received_at__gt=since, received_at__lte=case.received_at)
        count = complaints.count()
        if count < repeats:
            continue
        opened.append(
            handling.receive(
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
            )
        )
    return opened
