"""Tracing benchmark: one confirmed case over 3,000,000 gate passes (goal < 2 s).

A community of 1,920 dwellings and 3,840 residents, each with a permit, six gates, and
3,000,000 passes over 60 days (one in ten a visitor with a phone), generated inside the
database (generate_series on PostgreSQL, a recursive CTE on SQLite), then ANALYZE. The case
passes a gate twice a day; its trace finds everyone within 15 minutes at the same gate, its
household, and those contacts' households. Printed: the generation time, the first trace
(found and stored), the trace found again (median of 5), a second run (stores nothing new),
the queries each takes, against the goal.

    .venv/bin/python bench/tracing.py [--passes 3000000] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DAYS = 60
GATES = 6
GOAL = 2.0


def populate(passes: int):
    from django.db import connection
    from django.utils import timezone

    from fangxian.gate.models import Gate, Pass, Permit, SigningKey
    from fangxian.people.models import Resident
    from fangxian.places.models import Dwelling

    community = common.make_community("110102015001", 20, 4, 6, 4)
    dwellings = list(Dwelling.objects.filter(community=community).order_by("id"))
    Resident.objects.bulk_create(
        [
            Resident(
                community=community,
                dwelling=dwellings[i // 2],
                name=f"居民{i}",
                sex="M",
                id_type="passport",
                id_number=f"P{i}",
                phone=f"138{i:08d}",
            )
            for i in range(len(dwellings) * 2)
        ],
        batch_size=5000,
    )
    key = SigningKey.create_for(community)
    now = timezone.now()
    residents = list(Resident.objects.filter(community=community).order_by("id"))
    Permit.objects.bulk_create(
        [
            Permit(
                community=community,
                resident=r,
                key=key,
                valid_from=now - datetime.timedelta(days=DAYS),
                valid_until=now + datetime.timedelta(days=30),
                code="-",
            )
            for r in residents
        ],
        batch_size=5000,
    )
    gates = Gate.objects.bulk_create([Gate(community=community, name=f"{g + 1}号门") for g in range(GATES)])
    permit_ids = list(Permit.objects.order_by("id").values_list("id", flat=True))
    first_permit, permit_count = permit_ids[0], len(permit_ids)
    assert permit_ids[-1] - first_permit + 1 == permit_count
    first_gate = gates[0].pk
    start = now - datetime.timedelta(days=DAYS)
    epoch = int(start.timestamp())
    span_ms = DAYS * 86400 * 1000 // passes  # milliseconds between passes, over all gates
    t0 = time.perf_counter()
    columns = (
        "gate_id, kind, verdict, reasons, direction, no_temperature, permit_id, issuer_code, holder, phone,"
        " reason, refusal, scanned_at, received_at, client_id"
    )
    with connection.cursor() as cursor, loading(connection):
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""INSERT INTO gate_pass ({columns})
                SELECT {first_gate} + n % {GATES}, CASE WHEN n % 10 = 0 THEN 'visitor' ELSE 'permit' END,
                  'admitted', '[]', 'in', 'going_out',
                  CASE WHEN n % 10 = 0 THEN NULL ELSE {first_permit} + (n * 7919) % {permit_count} END,
                  '', CASE WHEN n % 10 = 0 THEN '访客' ELSE '' END,
                  CASE WHEN n % 10 = 0 THEN '137' || lpad((n % 100000)::text, 8, '0') ELSE '' END, '', '',
                  to_timestamp({epoch} + n * {span_ms} / 1000.0), to_timestamp({epoch} + n * {span_ms} / 1000.0),
                  md5(n::text)::uuid
                FROM generate_series(0::bigint, {passes - 1}) AS n"""
            )
        else:
            moment = f"strftime('%Y-%m-%d %H:%M:%S', {epoch} + n * {span_ms} / 1000, 'unixepoch')"
            cursor.execute(
                f"""WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {passes - 1})
                INSERT INTO gate_pass ({columns})
                SELECT {first_gate} + n % {GATES}, CASE WHEN n % 10 = 0 THEN 'visitor' ELSE 'permit' END,
                  'admitted', '[]', 'in', 'going_out',
                  CASE WHEN n % 10 = 0 THEN NULL ELSE {first_permit} + (n * 7919) % {permit_count} END,
                  '', CASE WHEN n % 10 = 0 THEN '访客' ELSE '' END,
                  CASE WHEN n % 10 = 0 THEN printf('137%08d', n % 100000) ELSE '' END, '', '',
                  {moment}, {moment}, printf('%032x', n)
                FROM s"""
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    made = Pass.objects.count()
    print(f"generated {made:,} passes in {time.perf_counter() - t0:.1f} s", flush=True)
    return residents[0], gates, Permit.objects.get(resident=residents[0])


@contextlib.contextmanager
def loading(connection):
    """The pass table without its secondary indexes (and, on PostgreSQL, its foreign keys)
    while it is filled, rebuilt once at the end as a restore would: several times faster."""
    if connection.vendor == "postgresql":
        from watch import without_indexes

        connection.ensure_connection()
        with without_indexes(connection.connection, "gate_pass"):
            yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute("PRAGMA cache_size = -200000")
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'gate_pass' AND sql IS NOT NULL"
        )
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)
        cursor.execute("PRAGMA synchronous = FULL")


def case_passes(case, gates, permit) -> int:
    """The case out and back through a gate every day of its window, at 08:1x and 18:4x."""
    import uuid

    from django.utils import timezone

    from fangxian.gate.models import Pass

    today = timezone.localdate()
    rows = []
    for back in range(6):
        day = today - datetime.timedelta(days=back + 1)
        for hour, minute in ((8, 10 + back), (18, 40 + back)):
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
            rows.append(
                Pass(
                    gate=gates[back % GATES],
                    kind="permit",
                    verdict="admitted",
                    direction="in",
                    no_temperature="going_out",
                    permit=permit,
                    scanned_at=at,
                    client_id=uuid.uuid4(),
                )
            )
    Pass.objects.bulk_create(rows)
    return len(rows)


def timed(work) -> tuple[float, int, object]:
    from django.db import connection, reset_queries

    reset_queries()
    t0 = time.perf_counter()
    result = work()
    return time.perf_counter() - t0, len(connection.queries), result


def measure(database_url: str, passes: int) -> None:
    common.setup_django(database_url)
    from django.conf import settings
    from django.utils import timezone

    from fangxian.tracing import finding
    from fangxian.tracing.models import Contact

    case, gates, permit = populate(passes)
    own = case_passes(case, gates, permit)
    settings.DEBUG = True  # counts the queries; each is logged, which costs a little
    onset = timezone.localdate() - datetime.timedelta(days=3)
    seconds, queries, (trace, added) = timed(lambda: finding.open_trace(case, None, onset_on=onset))
    kinds = list(Contact.objects.filter(trace=trace).values_list("kind", flat=True))
    close, secondary = kinds.count("close"), kinds.count("secondary")
    print(
        f"case with {own} passes in its window: {close:,} close and {secondary:,} secondary contacts, {added:,} stored"
    )
    print(
        f"first trace (found and stored): {seconds:.2f} s, {queries} queries (goal < {GOAL:.0f} s: {GOAL / seconds:.1f}x)"
    )
    samples = []
    for _ in range(5):
        seconds, queries, _found = timed(lambda: finding.find(trace))
        samples.append(seconds)
    median = statistics.median(samples)
    print(f"found again: median {median:.2f} s, worst {max(samples):.2f} s, {queries} queries ({GOAL / median:.1f}x)")
    seconds, queries, added = timed(lambda: finding.run(trace))
    print(f"run again (adds {added}): {seconds:.2f} s, {queries} queries ({GOAL / seconds:.1f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=3_000_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.passes)
    else:
        # Its own PostgreSQL database: other benchmarks may be running on the shared one.
        common.PG_NAME = "fangxian_bench_tracing"
        kinds = [args.only] if args.only else ["sqlite", "postgres"]
        common.run_per_database(__file__, kinds, "--passes", str(args.passes))
