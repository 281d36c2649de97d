"""Errands benchmark (issue 11's measure): the errand list with 10,000 errands.

A 5,152-dwelling community (46 buildings × 4 entrances × 7 floors × 4 rooms) with a resident
in each dwelling and 10,000 errands at every stage (a quarter open, some overdue, some claimed,
most delivered or closed). Server time in-process, p50/p95 over --runs requests after three
warm-ups, of the list page (open, overdue, done; the secretary's whole community and a grid
worker's grid) and of the API's list and roll-up. Goal: p95 < 150 ms.

    .venv/bin/python bench/services_errands.py [--runs 40] [--databases sqlite postgres]
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ERRANDS = 10_000
GOAL_MS = 150


def load(errands: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fangxian.accounts.models import Role
    from fangxian.errands.models import Errand
    from fangxian.people.models import Resident
    from fangxian.places.models import Dwelling

    community = common.make_community("110102015001", 46, 4, 7, 4)
    dwellings = list(Dwelling.objects.filter(community=community).order_by("id"))
    Resident.objects.bulk_create(
        [
            Resident(
                community=community,
                dwelling=d,
                name=f"居民{i}",
                sex="M",
                id_type="passport",
                id_number=f"P{i}",
                phone=f"138{i:08d}",
                under_observation=i % 50 == 0,
            )
            for i, d in enumerate(dwellings)
        ],
        batch_size=5000,
    )
    User = get_user_model()
    secretary = User.objects.create_user(username="bench-secretary")
    Role.objects.create(user=secretary, kind=Role.Kind.SECRETARY, community=community)
    grid_worker = User.objects.create_user(username="bench-grid")
    Role.objects.create(user=grid_worker, kind=Role.Kind.GRID_WORKER, grid=community.grids.get(code="G1"))
    volunteer = User.objects.create_user(username="bench-volunteer")
    Role.objects.create(user=volunteer, kind=Role.Kind.VOLUNTEER, community=community)
    now = timezone.now()
    kinds = [k for k, _label in Errand.Kind.choices]
    rows = []
    for i in range(errands):
        stage = i % 20
        # 5 of 20 open (1 of them overdue), 3 claimed (1 overdue), 8 delivered, 3 closed, 1 cancelled.
        state = (
            "open"
            if stage < 5
            else "claimed"
            if stage < 8
            else "delivered"
            if stage < 16
            else "closed"
            if stage < 19
            else "cancelled"
        )
        late = stage in (0, 5)
        d = dwellings[(i * 7) % len(dwellings)]
        rows.append(
            Errand(
                community=community,
                dwelling=d,
                kind=kinds[i % len(kinds)],
                what=f"代买 第{i}单",
                urgency="urgent" if i % 7 == 0 else "normal",
                needed_by=now + datetime.timedelta(hours=-2 if late else (i % 72) + 1),
                created_at=now - datetime.timedelta(hours=i % 240),
                code=f"{i % 10_000:04d}",
                state=state,
                claimed_by=volunteer if state != "open" and state != "cancelled" else None,
                claimed_at=now if state != "open" else None,
                delivered_by=volunteer if state in ("delivered", "closed") else None,
                delivered_at=now - datetime.timedelta(minutes=i % 600) if state in ("delivered", "closed") else None,
                handover="code" if state in ("delivered", "closed") else "",
                advanced=(i % 50) * 100 if state in ("delivered", "closed") else 0,
            )
        )
    Errand.objects.bulk_create(rows, batch_size=2000)
    return community, secretary, grid_worker, volunteer


def measure(database_url: str, runs: int) -> None:
    common.setup_django(database_url)
    from django.test import Client

    from fangxian.accounts.models import ApiToken

    t0 = time.perf_counter()
    community, secretary, grid_worker, volunteer = load(ERRANDS)
    print(f"loaded 5,152 dwellings and {ERRANDS:,} errands in {time.perf_counter() - t0:.1f} s")
    # The machine is shared: its load says how far to trust the figures.
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    pages = {}
    for user in (secretary, grid_worker, volunteer):
        client = Client()
        client.force_login(user)
        pages[user.username] = client
    api = Client(headers={"Authorization": f"Bearer {ApiToken.issue(secretary)}"})
    cases = [
        ("page: open, secretary (community)", pages["bench-secretary"], "/errands/?show=open"),
        ("page: overdue, secretary", pages["bench-secretary"], "/errands/?show=overdue"),
        ("page: done, secretary, page 20", pages["bench-secretary"], "/errands/?show=done&page=20"),
        ("page: open, grid worker (grid G1)", pages["bench-grid"], "/errands/?show=open"),
        ("page: mine, volunteer", pages["bench-volunteer"], "/errands/?show=mine"),
        ("API: open, 100 a page", api, "/api/v1/errands?show=open&limit=100"),
        ("API: done, offset 5,000", api, "/api/v1/errands?show=done&limit=100&offset=5000"),
        ("API: the phone page's open list, 200", pages["bench-volunteer"], "/api/v1/errands?show=open&limit=200"),
        ("API: open, 500 (the most a page takes)", pages["bench-volunteer"], "/api/v1/errands?show=open&limit=500"),
        ("API: roll-up by street", api, "/api/v1/errands/rollup?by=street"),
        ("home page, secretary", pages["bench-secretary"], "/"),
    ]
    for label, client, url in cases:
        p50, p95, queries = common.time_page(client, url, runs)
        verdict = "ok" if p95 < GOAL_MS else "OVER"
        print(
            f"{label:38} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {queries:2} queries  ({verdict}: goal p95 < {GOAL_MS} ms)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.runs)
    else:
        common.run_per_database(__file__, args.databases, "--runs", str(args.runs))
