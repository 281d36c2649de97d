"""Shared by the benchmarks: a fresh database (SQLite file or PostgreSQL), Django set up on it,
and a synthetic community territory made in bulk."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_NAME = "fangxian_bench"


def fresh_database(kind: str) -> str:
    """Returns a DATABASE_URL for an empty database of this kind ("sqlite" or "postgres")."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME}")
        conn.execute(f"CREATE DATABASE {PG_NAME}")
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangxian.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    # Measured as in production: DEBUG off, so pages need the collected, hashed static files.
    call_command("collectstatic", verbosity=0, interactive=False)


def run_per_database(script: str, kinds: list[str], *args: str) -> None:
    """Each database in its own process, so Django is set up once per database."""
    for kind in kinds:
        print(f"\n=== {kind}", flush=True)
        subprocess.run([sys.executable, script, "--database", fresh_database(kind), *args], check=True)


def make_community(code: str, buildings: int, entrances: int, floors: int, rooms: int):
    from fangxian.places.models import Building, City, Community, District, Dwelling, Grid, Street

    city, _ = City.objects.get_or_create(code="110000", defaults={"name_zh": "北京市"})
    district, _ = District.objects.get_or_create(code="110102", city=city, defaults={"name_zh": "西城区"})
    street, _ = Street.objects.get_or_create(code="110102015", district=district, defaults={"name_zh": "天桥街道"})
    community = Community.objects.create(street=street, code=code, name_zh=f"社区{code[-3:]}")
    grids = Grid.objects.bulk_create(
        [Grid(community=community, code=f"G{g}", name_zh=f"第{g}网格") for g in range(1, 11)]
    )
    made = Building.objects.bulk_create(
        [
            Building(community=community, grid=grids[n % 10], number=str(n), floors=floors, entrances=entrances)
            for n in range(1, buildings + 1)
        ]
    )
    Dwelling.objects.bulk_create(
        [
            Dwelling(community=community, building=b, entrance=e, floor=f, room=f"{f}{r:02d}")
            for b in made
            for e in range(1, entrances + 1)
            for f in range(1, floors + 1)
            for r in range(1, rooms + 1)
        ],
        batch_size=5000,
    )
    return community


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def time_page(client, url: str, runs: int) -> tuple[float, float, int]:
    """(p50 ms, p95 ms, queries) of a page's server time in-process, after three warm-ups."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return (*percentiles(samples), len(queries))
