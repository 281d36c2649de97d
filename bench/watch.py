"""Watch benchmarks.

1. The epidemic map of a 5,152-dwelling community with 300 people under observation and a
   census under way: server time of the map page, p50/p95 over 40 runs, SQLite and PostgreSQL
   (goal: p95 < 300 ms).
2. City scale on PostgreSQL: a synthetic city of 10 million residents in 7,148 compounds,
   generated with COPY (not the ORM), every compound on the same census round, 3 million
   visits recorded; campaign progress by district, street and community (goal < 1 s). The
   generation time is printed too.

    .venv/bin/python bench/watch.py [--only map|city] [--residents 10000000] [--runs 40]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DWELLINGS = 5152  # 46 buildings x 4 entrances x 7 floors x 4 rooms
OBSERVED = 300


def load_map_community():
    """A 5,152-dwelling community: 12,880 residents, 300 under observation (reports for half of
    them), some vulnerable, a running census with half the doors visited."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fangxian.accounts.models import Role
    from fangxian.people.models import Resident
    from fangxian.places.models import Dwelling
    from fangxian.watch import census
    from fangxian.watch.models import HealthReport, Observation, Policy

    community = common.make_community("110102015001", 46, 4, 7, 4)
    dwellings = list(Dwelling.objects.filter(community=community).order_by("id"))
    assert len(dwellings) == DWELLINGS
    tags = [",", ",", ",", ",elderly_alone,", ",", ",chronic,", ","]
    Resident.objects.bulk_create(
        [
            Resident(
                community=community,
                dwelling=dwellings[i % len(dwellings)],
                name=f"居民{i}",
                sex="M",
                id_type="passport",
                id_number=f"P{i}",
                tags=tags[i % len(tags)],
            )
            for i in range(int(DWELLINGS * 2.5))
            if i % 97  # about one dwelling in 40 stays empty
        ],
        batch_size=5000,
    )
    policy = Policy.default_for(community.street.district.city_id)
    today = timezone.localdate()
    observed = list(Resident.objects.filter(community=community).order_by("id")[::40][:OBSERVED])
    Resident.objects.filter(pk__in=[r.pk for r in observed]).update(under_observation=True)
    made = Observation.objects.bulk_create(
        [
            Observation(
                resident=r,
                kind="home",
                policy=policy,
                start=today - datetime.timedelta(days=i % 14),
                ends_on=today + datetime.timedelta(days=14 - i % 14),
            )
            for i, r in enumerate(observed)
        ]
    )
    HealthReport.objects.bulk_create(
        [
            HealthReport(observation=o, day=today, half="am", temperature="38.0" if i % 25 == 0 else "36.5")
            for i, o in enumerate(made)
            if i % 2
        ]
    )
    user = get_user_model().objects.create_user("secretary", password="x")
    Role.objects.create(user=user, kind=Role.Kind.SECRETARY, community=community)
    campaign = census.create(community, "第一轮", today, today, list(community.buildings.all()), user)
    half = campaign.assignments.order_by("id").values_list("id", flat=True)[: DWELLINGS // 2]
    campaign.assignments.filter(pk__in=list(half)).update(outcome="confirmed", visited_at=timezone.now())
    return community, user


def measure_map(database_url: str, runs: int) -> None:
    common.setup_django(database_url)
    from django.test import Client

    t0 = time.perf_counter()
    community, user = load_map_community()
    print(f"loaded {DWELLINGS:,} dwellings, {OBSERVED} under observation in {time.perf_counter() - t0:.1f} s")
    client = Client()
    client.force_login(user)
    for label, url in (
        ("epidemic map, whole community (46 buildings)", f"/watch/map/{community.id}/"),
        ("evening numbers", "/watch/evening/"),
    ):
        p50, p95, queries = common.time_page(client, url, runs)
        print(f"{label:46} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {queries} queries (goal p95 < 300 ms)")
    # The PDF is printed as a job: the request answers at once, the worker does the printing.
    from django.core.management import call_command

    t0 = time.perf_counter()
    job = client.post(f"/watch/map/{community.id}/print.pdf")["Location"]
    asked = time.perf_counter() - t0
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    assert client.get(f"{job}file/").status_code == 200
    print(
        f"{'epidemic map, A4 PDF of 46 buildings':46} request {asked * 1000:.0f} ms, "
        f"then {time.perf_counter() - t0 - asked:.1f} s in the worker (WeasyPrint)"
    )


# ---------------------------------------------------------------- city scale, PostgreSQL only

DISTRICTS, STREETS_PER_DISTRICT, COMPOUNDS = 13, 12, 7148
BUILDINGS, ENTRANCES, FLOORS, ROOMS = 7, 2, 7, 5  # 490 dwellings a compound, 3.5 million in all
VISITS = 3_000_000  # of the 3.5 million dwellings of the full city


@contextlib.contextmanager
def without_indexes(conn, table: str):
    """Loads go several times faster into a table without its secondary indexes; they are
    rebuilt once at the end, as a restore would."""
    rows = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE contype = 'p')",
        [table],
    ).fetchall()
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
        [table],
    ).fetchall()
    for name, _definition in constraints:
        conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _definition in rows:
        conn.execute(f'DROP INDEX IF EXISTS "{name}"')
    yield
    for name, definition in rows:
        if not any(name == c for c, _ in constraints):
            conn.execute(definition)
    for name, definition in constraints:
        conn.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def copy(conn, table: str, columns: list[str], lines) -> int:
    """COPY from an iterator of tab-separated lines, sent in chunks of about 8 MB."""
    count = 0
    with conn.cursor() as cursor, cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as out:
        buffer = io.StringIO()
        for line in lines:
            buffer.write(line)
            count += 1
            if buffer.tell() > 8_000_000:
                out.write(buffer.getvalue())
                buffer = io.StringIO()
        out.write(buffer.getvalue())
    conn.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))")
    return count


def generate_city(database_url: str, residents: int, compounds: int) -> None:
    import psycopg

    now = "2020-02-10 12:00:00+08"
    dwellings_per_compound = BUILDINGS * ENTRANCES * FLOORS * ROOMS
    total_dwellings = compounds * dwellings_per_compound
    visits = min(VISITS, total_dwellings * 6 // 7)
    streets = DISTRICTS * STREETS_PER_DISTRICT
    steps = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")

        def step(label, table, columns, lines):
            t0 = time.perf_counter()
            with without_indexes(conn, table):
                n = copy(conn, table, columns, lines)
            steps.append((label, n, time.perf_counter() - t0))
            print(f"  {label:12} {n:>12,} rows in {time.perf_counter() - t0:6.1f} s", flush=True)

        step("city", "places_city", ["id", "code", "name_zh", "name_en"], ["1\t420100\t武汉市\tWuhan\n"])
        step(
            "districts",
            "places_district",
            ["id", "code", "name_zh", "name_en", "city_id"],
            (f"{d}\t4201{d:02d}\t第{d}区\t\t1\n" for d in range(1, DISTRICTS + 1)),
        )
        step(
            "streets",
            "places_street",
            ["id", "code", "name_zh", "name_en", "district_id"],
            (f"{s}\t42{s:07d}\t第{s}街道\t\t{(s - 1) // STREETS_PER_DISTRICT + 1}\n" for s in range(1, streets + 1)),
        )
        step(
            "compounds",
            "places_community",
            ["id", "code", "name_zh", "name_en", "street_id"],
            (f"{c}\t42{c:010d}\t第{c}小区\t\t{c % streets + 1}\n" for c in range(1, compounds + 1)),
        )
        step(
            "buildings",
            "places_building",
            ["id", "community_id", "number", "name", "kind", "floors", "entrances"],
            (
                f"{b}\t{(b - 1) // BUILDINGS + 1}\t{(b - 1) % BUILDINGS + 1}\t\tresidential\t{FLOORS}\t{ENTRANCES}\n"
                for b in range(1, compounds * BUILDINGS + 1)
            ),
        )

        def dwelling_lines():
            d = 0
            for b in range(1, compounds * BUILDINGS + 1):
                community = (b - 1) // BUILDINGS + 1
                for e in range(1, ENTRANCES + 1):
                    for f in range(1, FLOORS + 1):
                        for r in range(1, ROOMS + 1):
                            d += 1
                            yield f"{d}\t{community}\t{b}\t{e}\t{f}\t{f}0{r}\n"

        step(
            "dwellings",
            "places_dwelling",
            ["id", "community_id", "building_id", "entrance", "floor", "room"],
            dwelling_lines(),
        )

        def resident_lines():
            for i in range(1, residents + 1):
                d = (i - 1) % total_dwellings + 1
                community = (d - 1) // dwellings_per_compound + 1
                yield (
                    f"{i}\t居民{i}\tjm\t{'MF'[i % 2]}\tpassport\tP{i}\t\\N\t\tother\there\t,\t\tf\tf\t{now}\t{now}\t"
                    f"{community}\t{d}\n"
                )

        step(
            "residents",
            "people_resident",
            [
                "id",
                "name",
                "name_initials",
                "sex",
                "id_type",
                "id_number",
                "birth_date",
                "phone",
                "relation",
                "residence",
                "tags",
                "photo",
                "anonymised",
                "under_observation",
                "created_at",
                "updated_at",
                "community_id",
                "dwelling_id",
            ],
            resident_lines(),
        )
        step(
            "campaigns",
            "watch_campaign",
            ["id", "community_id", "name", "starts_on", "ends_on", "created_at"],
            (f"{c}\t{c}\t武汉2020\t2020-02-17\t2020-02-19\t{now}\n" for c in range(1, compounds + 1)),
        )
        outcomes = ["confirmed"] * 7 + ["absent", "vacant", "no_answer"]

        def assignment_lines():
            for d in range(1, total_dwellings + 1):
                community = (d - 1) // dwellings_per_compound + 1
                if d <= visits:
                    yield f"{d}\t{community}\t{d}\t{community}\t\t{outcomes[d % 10]}\t{now}\t{d}\tf\n"
                else:
                    yield f"{d}\t{community}\t{d}\t{community}\t\t\t\\N\t\\N\tf\n"

        step(
            "assignments",
            "watch_assignment",
            [
                "id",
                "campaign_id",
                "dwelling_id",
                "community_id",
                "team",
                "outcome",
                "visited_at",
                "last_visit_id",
                "conflict",
            ],
            assignment_lines(),
        )
        step(
            "visits",
            "watch_visit",
            [
                "id",
                "assignment_id",
                "outcome",
                "present",
                "absent",
                "note",
                "visited_at",
                "received_at",
                "client_id",
                "conflict",
            ],
            (
                f"{v}\t{v}\t{outcomes[v % 10]}\t[]\t{{}}\t\t{now}\t{now}\t{uuid.UUID(int=v)}\tf\n"
                for v in range(1, visits + 1)
            ),
        )
        t0 = time.perf_counter()
        conn.execute("ANALYZE")
        steps.append(("analyze", 0, time.perf_counter() - t0))
    print(
        f"generated the city in {sum(s for _l, _n, s in steps):.0f} s "
        f"({residents:,} residents, {total_dwellings:,} dwellings, {visits:,} visits)",
        flush=True,
    )


def measure_city(residents: int, compounds: int, runs: int) -> None:
    database_url = common.fresh_database("postgres")
    common.setup_django(database_url)
    generate_city(database_url, residents, compounds)
    from fangxian.watch import census
    from fangxian.watch.models import Assignment, Campaign

    assignments = Assignment.objects.filter(campaign__name="武汉2020")
    for level in ("district", "street", "community"):
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            rows = census.rollup(assignments, level)
            samples.append(time.perf_counter() - t0)
        done = sum(r["done"] for r in rows)
        print(
            f"campaign progress by {level:9}: {len(rows):5,} rows, {done:,} visited; median {sorted(samples)[len(samples) // 2]:.2f} s, "
            f"worst {max(samples):.2f} s (goal < 1 s)"
        )
    one = Campaign.objects.get(pk=1)
    t0 = time.perf_counter()
    census.progress(one)
    print(f"one compound's campaign page numbers: {(time.perf_counter() - t0) * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["map", "city"])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--residents", type=int, default=10_000_000)
    parser.add_argument("--compounds", type=int, default=COMPOUNDS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure_map(args.database, args.runs)
    else:
        if args.only in (None, "map"):
            common.run_per_database(__file__, ["sqlite", "postgres"], "--runs", str(args.runs))
        if args.only in (None, "city"):
            print("\n=== city scale, postgres", flush=True)
            measure_city(args.residents, args.compounds, 5)
