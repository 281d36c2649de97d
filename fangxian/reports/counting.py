"""What the system already knows of a community's day, to pre-fill its daily report.

Every figure is one grouped query over all the communities asked for, whatever their number
(a form asks for one; bench/daily_reports.py for a district's 300).
Days are the community's local days: from local midnight to the next."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from fangxian.casework.models import Case
from fangxian.gate.models import Pass
from fangxian.places.models import Community
from fangxian.supplies.ledger import items_below_minimum
from fangxian.testing.models import Result, Sample, Tube
from fangxian.watch.models import Observation

from .models import FIGURES

# Complaints are what people brought (the hotline, a call, the door); the other cases are the
# community's own findings (patrols, inspections, handled before anyone complained).
COMPLAINTS = (Case.Source.HOTLINE, Case.Source.PHONE, Case.Source.WALK_IN, Case.Source.OPEN311)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    end = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))
    return start, end


def prefill(community_ids: list[int], day: datetime.date) -> dict[int, dict[str, int]]:
    """{community id: {figure: n}} for every figure of FIGURES. Counts that hold at a moment
    (under observation, cases open) are taken at the end of the day (for today: now); supplies
    short are the items below their minimum level now, as the ledger's page shows them."""
    start, end = day_bounds(day)
    numbers = {pk: dict.fromkeys(FIGURES, 0) for pk in community_ids}

    def put(key: str, rows) -> None:
        for community_id, n in rows:
            numbers[community_id][key] = n

    observations = Observation.objects.filter(resident__community_id__in=community_ids)
    by_resident = "resident__community_id"
    put(
        "under_observation",
        observations.filter(Q(released_at=None) | Q(released_at__gte=end), created_at__lt=end)
        .values_list(by_resident)
        .annotate(n=Count("id")),
    )
    put(
        "new_observations",
        observations.filter(created_at__gte=start, created_at__lt=end).values_list(by_resident).annotate(n=Count("id")),
    )
    put(
        "released",
        observations.filter(released_at__gte=start, released_at__lt=end)
        .values_list(by_resident)
        .annotate(n=Count("id")),
    )
    put(
        "gate_fevers",
        Pass.objects.filter(
            gate__community_id__in=community_ids,
            scanned_at__gte=start,
            scanned_at__lt=end,
            temperature__gte=settings.FEVER_AT_TENTHS / 10,
        )
        .values_list("gate__community_id")
        .annotate(n=Count("id")),
    )
    by_campaign = "campaign__community_id"
    samples = Sample.objects.filter(campaign__community_id__in=community_ids)
    put(
        "samples",
        samples.filter(sampled_at__gte=start, sampled_at__lt=end).values_list(by_campaign).annotate(n=Count("id")),
    )
    put(
        "positive_tubes",
        Tube.objects.filter(
            campaign__community_id__in=community_ids, result=Result.POSITIVE, result_at__gte=start, result_at__lt=end
        )
        .values_list(by_campaign)
        .annotate(n=Count("id")),
    )
    # A person confirmed positive: their own swab came back positive that day (a single-tube
    # retest, or a tube of one), counted once however many tubes said so.
    put(
        "positives",
        samples.filter(outcome=Sample.Outcome.POSITIVE, tube__result_at__gte=start, tube__result_at__lt=end)
        .values_list(by_campaign)
        .annotate(n=Count("resident_id", distinct=True)),
    )
    cases = Case.objects.filter(community_id__in=community_ids, received_at__lt=end).filter(
        Q(handled_at=None) | Q(handled_at__gte=end)
    )
    put("cases_open", cases.values_list("community_id").annotate(n=Count("id")))
    put(
        "complaints_open",
        cases.filter(source__in=COMPLAINTS).values_list("community_id").annotate(n=Count("id")),
    )
    put("supplies_short", items_below_minimum(Community.objects.filter(id__in=community_ids)).items())
    return numbers
