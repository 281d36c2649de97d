"""The evening numbers each community reports upwards, rolled up to street and district."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from fangxian.places.models import Community

from .models import Assignment, HealthReport, Observation
from .observations import missing_report

KEYS = ["under_observation", "new_today", "released_today", "missed_reports", "fevers", "visited", "to_visit"]


def by_community(communities: list[Community]) -> dict[int, dict]:
    """{community id: numbers}, in six grouped queries whatever the number of communities."""
    ids = [c.pk for c in communities]
    numbers = {pk: dict.fromkeys(KEYS, 0) for pk in ids}
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time()))
    observations = Observation.objects.filter(resident__community_id__in=ids)
    running = observations.filter(released_at=None)

    def put(key: str, rows) -> None:
        for community_id, n in rows:
            numbers[community_id][key] = n

    grouped = "resident__community_id"
    put("under_observation", running.values_list(grouped).annotate(n=Count("id")))
    put("new_today", observations.filter(created_at__gte=midnight).values_list(grouped).annotate(n=Count("id")))
    put("released_today", observations.filter(released_at__gte=midnight).values_list(grouped).annotate(n=Count("id")))
    put("missed_reports", missing_report(running).values_list(grouped).annotate(n=Count("id")))
    fevers = HealthReport.objects.filter(
        observation__resident__community_id__in=ids,
        reported_at__gte=midnight,
        temperature__gte=settings.FEVER_AT_TENTHS / 10,
    )
    put(
        "fevers",
        fevers.values_list("observation__resident__community_id").annotate(n=Count("observation_id", distinct=True)),
    )
    campaigns = Assignment.objects.filter(community_id__in=ids, campaign__closed_at=None)
    for community_id, total, done in campaigns.values_list("community_id").annotate(
        total=Count("id"), done=Count("id", filter=~Q(outcome=""))
    ):
        numbers[community_id]["visited"] = done
        numbers[community_id]["to_visit"] = total - done
    return numbers


def table(communities) -> dict:
    """Communities grouped by street with street and district subtotals, for the office's page."""
    communities = list(
        communities.select_related("street__district").order_by("street__district__code", "street__code", "code")
    )
    numbers = by_community(communities)
    streets: dict[int, dict] = {}
    total = dict.fromkeys(KEYS, 0)
    for community in communities:
        row = numbers[community.pk]
        street = streets.setdefault(
            community.street_id, {"street": community.street, "rows": [], "sum": dict.fromkeys(KEYS, 0)}
        )
        street["rows"].append({"community": community, **row, "coverage": coverage(row)})
        for key in KEYS:
            street["sum"][key] += row[key]
            total[key] += row[key]
    for street in streets.values():
        street["sum"]["coverage"] = coverage(street["sum"])
    total["coverage"] = coverage(total)
    return {"streets": list(streets.values()), "total": total, "keys": KEYS}


def coverage(row: dict) -> int | None:
    planned = row["visited"] + row["to_visit"]
    return round(100 * row["visited"] / planned) if planned else None
