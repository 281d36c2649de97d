"""What a tube's result does to the people in it, and the recall list that follows a positive pool.

- A negative tube makes every swab in it negative.
- A positive pool (more than one swab) makes every swab `recalled`, one Recall per member, and
  sets `Resident.awaiting_retest`, which the gate (a hold) and the epidemic map read.
- A single tube (a retest, or a campaign pooling by one) decides for its one person: a negative
  clears every recall of theirs made before the swab was taken, and the hold ends unless another
  recall of theirs is still pending or positive; a positive makes the swab positive, the recalls
  it answers positive, and the hold stays: a confirmed case, for tracing to take up.

Everything is set-based: a few UPDATE statements per kind of result, in chunks of ids.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from fangxian.accounts.scoping import Can, visible
from fangxian.people.models import Resident

from .models import Recall, Result, ResultImport, Sample, Tube

if TYPE_CHECKING:
    from .results import Checked

CHUNK = 5_000
HELD = [Result.PENDING, Result.POSITIVE]  # a recall still waiting, or one that found a case
OUTCOME = {
    Result.NEGATIVE: Sample.Outcome.NEGATIVE,
    Result.POSITIVE: Sample.Outcome.POSITIVE,
    Result.INVALID: Sample.Outcome.INVALID,
}


def chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def update_where_in(model, assignments: str, params: list, column: str, ids: list[int], extra: str = "") -> None:
    """UPDATE … WHERE column IN (ids), the ids written into the statement as the whole numbers
    they are (read from the database): as parameters, the ORM spent longer preparing 100,000
    of them than the database spent writing."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for chunk in chunks(ids):
            listed = ", ".join(str(int(i)) for i in chunk)
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE {column} IN ({listed}){extra}", params)


def apply(result_import: ResultImport, plans: list[Checked]) -> dict:
    """Writes the results of `plans` (tubes whose result changes) and what follows for their swabs."""
    now = timezone.now()
    by_result_and_time: dict[tuple, list[int]] = defaultdict(list)
    for plan in plans:
        by_result_and_time[(plan.result, plan.at)].append(plan.tube_id)
    for (result, at), ids in by_result_and_time.items():
        moment = connection.ops.adapt_datetimefield_value(at)
        update_where_in(
            Tube, "result = %s, result_at = %s, result_import_id = %s", [result, moment, result_import.pk], "id", ids
        )
    pools = [p.tube_id for p in plans if p.size > 1]
    pooled_positive = [p.tube_id for p in plans if p.size > 1 and p.result == Result.POSITIVE]
    for result, outcome in OUTCOME.items():
        ids = [p.tube_id for p in plans if p.size > 1 and p.result == result and result != Result.POSITIVE]
        update_where_in(Sample, "outcome = %s", [outcome], "tube_id", ids, " AND outcome = 'pending'")
    recalled = recall_pools(pooled_positive, now)
    singles = [p for p in plans if p.size == 1]
    cleared, confirmed = decide_singles(singles, now)
    return {
        "tubes": len(plans),
        "pools": len(pools),
        "recalled": recalled,
        "cleared": cleared,
        "confirmed": confirmed,
    }


def recall_pools(tube_ids: list[int], now) -> int:
    """Every member of these positive pools recalled and held."""
    recalled = 0
    for chunk in chunks(tube_ids):
        members = list(Sample.objects.filter(tube_id__in=chunk).values_list("campaign_id", "tube_id", "resident_id"))
        Sample.objects.filter(tube_id__in=chunk).update(outcome=Sample.Outcome.RECALLED)
        Recall.objects.bulk_create(
            [Recall(campaign_id=c, pool_id=t, resident_id=r, recalled_at=now) for c, t, r in members],
            ignore_conflicts=True,
            batch_size=1000,
        )
        residents = sorted({r for _c, _t, r in members})
        for part in chunks(residents):
            Resident.objects.filter(id__in=part).update(awaiting_retest=True)
        recalled += len(members)
    return recalled


def decide_singles(plans: list[Checked], now) -> tuple[int, int]:
    """Single tubes: each one person's answer. Returns (recalls cleared, confirmed cases)."""
    result_of = {p.tube_id: p.result for p in plans}
    swabs = []
    for chunk in chunks(list(result_of)):
        swabs += list(
            Sample.objects.filter(tube_id__in=chunk).values_list("id", "tube_id", "resident_id", "sampled_at")
        )
    for result, outcome in OUTCOME.items():
        ids = [s[0] for s in swabs if result_of[s[1]] == result]
        for chunk in chunks(ids):
            Sample.objects.filter(id__in=chunk).update(outcome=outcome)
    # The recalls a swab answers: its person's, made before it was taken (an earlier single
    # test answers no later pool).
    swab_of: dict[int, list[tuple]] = defaultdict(list)
    for sample_id, tube_id, resident_id, sampled_at in swabs:
        if result_of[tube_id] != Result.INVALID:
            swab_of[resident_id].append((sampled_at, sample_id, result_of[tube_id]))
    answered: list[Recall] = []
    for chunk in chunks(list(swab_of)):
        for recall in Recall.objects.filter(resident_id__in=chunk, outcome=Result.PENDING):
            # The retest the table linked to the recall answers it, whatever the phone's clock
            # said; otherwise the person's latest single swab taken after the recall.
            linked = [s for s in swab_of[recall.resident_id] if s[1] == recall.retest_id]
            after = linked or [s for s in swab_of[recall.resident_id] if s[0] >= recall.recalled_at]
            if not after:
                continue
            _at, sample_id, result = max(after)
            recall.retest_id, recall.outcome = sample_id, result
            recall.cleared_at = now if result == Result.NEGATIVE else None
            answered.append(recall)
    Recall.objects.bulk_update(answered, ["retest", "outcome", "cleared_at"], batch_size=1000)
    positive = sorted({r for r, found in swab_of.items() if any(s[2] == Result.POSITIVE for s in found)})
    negative = sorted({r for r, found in swab_of.items() if all(s[2] == Result.NEGATIVE for s in found)})
    for part in chunks(positive):
        Resident.objects.filter(id__in=part).update(awaiting_retest=True)
    for part in chunks(negative):
        still_held = Recall.objects.filter(resident_id__in=part, outcome__in=HELD).values("resident_id")
        Resident.objects.filter(id__in=part, awaiting_retest=True).exclude(id__in=still_held).update(
            awaiting_retest=False
        )
    cleared = sum(1 for r in answered if r.outcome == Result.NEGATIVE)
    return cleared, len(positive)


# --- the recall list --------------------------------------------------------------------------


@dataclass
class Household:
    dwelling: object
    recalls: list[Recall] = field(default_factory=list)


@dataclass
class BuildingGroup:
    building: object
    households: list[Household] = field(default_factory=list)


@dataclass
class RecallList:
    buildings: list[BuildingGroup]
    progress: dict  # {"total": n, "pending": n, "negative": n, "positive": n}
    elsewhere: list[Recall]  # members without a dwelling on record


def recalls_for(user, campaign_id: int | None = None):
    recalls = visible(user, Can.RUN_TESTING, Recall.objects.all())
    if campaign_id is not None:
        recalls = recalls.filter(campaign_id=campaign_id)
    return recalls


def progress(recalls) -> dict:
    counts = dict(recalls.values_list("outcome").annotate(n=Count("id")).order_by())
    return {
        "total": sum(counts.values()),
        "pending": counts.get(Result.PENDING, 0),
        "negative": counts.get(Result.NEGATIVE, 0),
        "positive": counts.get(Result.POSITIVE, 0),
        "invalid": counts.get(Result.INVALID, 0),
    }


def recall_list(user, campaign_id: int | None = None, pending_only: bool = False) -> RecallList:
    """Members of positive pools by building and household, so one call reaches a whole
    dwelling; pending first within each."""
    recalls = recalls_for(user, campaign_id)
    shown = recalls.filter(outcome=Result.PENDING) if pending_only else recalls
    rows = shown.select_related("resident__dwelling__building", "pool", "campaign").order_by(
        "resident__dwelling__building__number",
        "resident__dwelling__entrance",
        "resident__dwelling__room",
        "resident__name",
        "-recalled_at",
    )
    buildings: list[BuildingGroup] = []
    elsewhere: list[Recall] = []
    for building, in_building in itertools.groupby(
        rows, key=lambda r: r.resident.dwelling.building if r.resident.dwelling_id else None
    ):
        if building is None:
            elsewhere.extend(in_building)
            continue
        group = BuildingGroup(building)
        for dwelling, in_dwelling in itertools.groupby(in_building, key=lambda r: r.resident.dwelling):
            group.households.append(Household(dwelling, list(in_dwelling)))
        buildings.append(group)
    return RecallList(buildings, progress(recalls), elsewhere)
