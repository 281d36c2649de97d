"""Imports a lab file of 100,000 pooled tubes (10-in-1 by default: a million swabs) into
SQLite and PostgreSQL: the check that makes the preview, applying it (0.5 % of the pools
positive, their members recalled and held), then the same file again (nothing changes), and
an HL7 file of the same tubes' single retests kind (checked only). Goal: the check and the
apply each under 10 s.

    .venv/bin/python bench/testing_results.py [--tubes 100000] [--pool 10] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

GOAL_SECONDS = 10.0
common.PG_NAME = "fangxian_bench_results"  # its own database: other benchmarks may be running on theirs
POSITIVE_EVERY = 200  # 0.5 % of the pools: the Xinfadi weeks' recall rate at 10-in-1 was about that


def fill(tubes: int, pool: int):
    """A community, a campaign, `tubes` closed tubes of `pool` swabs over `tubes * pool // 5`
    residents (each swabbed in five rounds, as a week of daily testing does)."""
    from django.db import connection
    from django.utils import timezone

    from fangxian.people.models import Resident
    from fangxian.places.models import Dwelling
    from fangxian.testing.models import Campaign, Sample, Tube

    community = common.make_community("110102015001", buildings=200, entrances=2, floors=10, rooms=4)
    dwellings = list(Dwelling.objects.filter(community=community).values_list("id", flat=True))
    people = max(tubes * pool // 5, pool)
    Resident.objects.bulk_create(
        [
            Resident(
                community=community,
                dwelling_id=dwellings[i % len(dwellings)],
                name=f"居民{i}",
                id_number=f"X{i:017d}",
                phone=f"138{i:08d}",
            )
            for i in range(people)
        ],
        batch_size=5000,
    )
    resident_ids = list(Resident.objects.filter(community=community).values_list("id", flat=True))
    now = timezone.now()
    sampled = now - datetime.timedelta(hours=10)
    campaign = Campaign.objects.create(
        community=community, name="bench", starts_at=sampled, ends_at=now + datetime.timedelta(days=1), pool_size=pool
    )
    Tube.objects.bulk_create(
        [
            Tube(
                campaign=campaign,
                barcode=f"B{n:09d}",
                capacity=pool,
                size=pool,
                status=Tube.Status.CLOSED,
                opened_at=sampled,
                closed_at=sampled,
            )
            for n in range(tubes)
        ],
        batch_size=5000,
    )
    tube_ids = list(Tube.objects.filter(campaign=campaign).order_by("barcode").values_list("id", flat=True))
    table = connection.ops.quote_name(Sample._meta.db_table)
    moment = connection.ops.adapt_datetimefield_value(sampled)
    sql = (
        f"INSERT INTO {table} (campaign_id, tube_id, resident_id, position, sampled_at, received_at, client_id, outcome) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending')"
    )
    rows = []
    with connection.cursor() as cursor:
        for n, tube_id in enumerate(tube_ids):
            for position in range(1, pool + 1):
                resident = resident_ids[(n * pool + position - 1) % len(resident_ids)]
                client_id = uuid.uuid4() if connection.vendor == "postgresql" else uuid.uuid4().hex
                rows.append((campaign.id, tube_id, resident, position, moment, moment, client_id))
            if len(rows) >= 50_000:
                cursor.executemany(sql, rows)
                rows.clear()
        if rows:
            cursor.executemany(sql, rows)
    return community


def lab_file(tubes: int) -> bytes:
    from django.utils import timezone

    # A lab's machine reports a plate at a time: some 300 distinct minutes over the evening.
    start = timezone.localtime() - datetime.timedelta(hours=6)
    lines = ["管号,结果,检测时间"]
    for n in range(tubes):
        at = start + datetime.timedelta(minutes=n // 350)
        lines.append(f"B{n:09d},{'阳性' if n % POSITIVE_EVERY == 0 else '阴性'},{at:%Y-%m-%d %H:%M}")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database")
    parser.add_argument("--tubes", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=10)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if not args.database:
        kinds = [args.only] if args.only else ["sqlite", "postgres"]
        common.run_per_database(__file__, kinds, "--tubes", str(args.tubes), "--pool", str(args.pool))
        return
    common.setup_django(args.database)
    from django.contrib.auth import get_user_model

    from fangxian.people.models import Resident
    from fangxian.testing import results
    from fangxian.testing.models import Recall

    t0 = time.perf_counter()
    community = fill(args.tubes, args.pool)
    user = get_user_model().objects.create_user("bench-health")
    data = lab_file(args.tubes)
    print(
        f"setup: {args.tubes:,} tubes of {args.pool} ({args.tubes * args.pool:,} swabs), "
        f"file {len(data) / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s"
    )

    def timed(label: str, work):
        start = time.perf_counter()
        value = work()
        took = time.perf_counter() - start
        print(f"{label:44} {took:6.2f} s   goal {GOAL_SECONDS:.0f} s   ratio {took / GOAL_SECONDS:.2f}")
        return value

    imp = timed("check (the preview)", lambda: results.upload(community, user, "lab.csv", data))
    assert imp.status == "previewed", imp.report.get("file_error") or imp.report["errors"][:3]
    summary = timed("apply (all or nothing)", lambda: results.apply(imp, user))
    held = Resident.objects.filter(awaiting_retest=True).count()
    print(f"  {summary['pools']:,} pools, {summary['recalled']:,} swabs recalled, {held:,} residents held")
    assert Recall.objects.count() == summary["recalled"]
    again = timed("the same file again: check", lambda: results.upload(community, user, "lab.csv", data))
    assert again.report["plan"]["unchanged"] == args.tubes
    second = timed("the same file again: apply (changes nothing)", lambda: results.apply(again, user))
    assert second["tubes"] == 0 and Recall.objects.count() == summary["recalled"]


if __name__ == "__main__":
    main()
