"""Server time of the busiest pages with 100,000 residents loaded: 8 communities of 5,000
dwellings each. Runs each page in-process through Django's handler (no network), prints p50
and p95 and the number of SQL queries. Goal: p95 < 150 ms, no N+1.

    .venv/bin/python bench/pages.py [--only sqlite|postgres] [--runs 40]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

COMMUNITIES, RESIDENTS = 8, 100_000


def load() -> dict:
    from django.contrib.auth import get_user_model

    from fangxian.accounts.models import Role
    from fangxian.lib import idnumber
    from fangxian.people.models import Resident
    from fangxian.places.models import Dwelling

    communities = [common.make_community(f"110102015{i:03d}", 50, 2, 25, 2) for i in range(1, COMMUNITIES + 1)]
    per = RESIDENTS // COMMUNITIES

    for community in communities:
        dwellings = list(Dwelling.objects.filter(community=community).values_list("id", flat=True))
        Resident.objects.bulk_create(
            [
                Resident(
                    community=community,
                    dwelling_id=dwellings[i % len(dwellings)],
                    name=f"居民{i}",
                    name_initials=f"jm{i % 100}",
                    sex="M" if i % 2 else "F",
                    id_number=idnumber.make(
                        "110102", datetime.date(1950 + i // 500 % 60, 1, 1), i, "M" if i % 2 else "F"
                    ),
                    phone=f"138{i:08d}",
                    tags=",elderly_alone," if i % 17 == 0 else ",",
                )
                for i in range(per)
            ],
            batch_size=5000,
        )
    User = get_user_model()
    users = {}
    for name, kind, place in [
        ("secretary", Role.Kind.SECRETARY, {"community": communities[0]}),
        ("grid", Role.Kind.GRID_WORKER, {"grid": communities[0].grids.first()}),
        ("street", Role.Kind.STREET_ADMIN, {"street": communities[0].street}),
    ]:
        users[name] = User.objects.create_user(name, password="x")
        Role.objects.create(user=users[name], kind=kind, **place)
    building = communities[0].buildings.first()
    return {"users": users, "community": communities[0], "building": building}


def measure(database_url: str, runs: int) -> None:
    common.setup_django(database_url)
    from django.test import Client

    t0 = time.perf_counter()
    world = load()
    print(f"loaded 100,000 residents, {COMMUNITIES * 5000:,} dwellings in {time.perf_counter() - t0:.1f} s")
    community, building = world["community"], world["building"]
    pages = [
        ("home, secretary", "secretary", "/"),
        ("home, street admin (8 communities)", "street", "/"),
        ("home, grid worker", "grid", "/"),
        ("dwelling list, 5,000 dwellings, page 1", "secretary", f"/places/dwellings/?community={community.id}"),
        (
            "dwelling list, 5,000 dwellings, page 100",
            "secretary",
            f"/places/dwellings/?community={community.id}&page=100",
        ),
        ("building view (100 dwellings)", "secretary", f"/places/buildings/{building.id}/"),
        ("community (50 buildings)", "secretary", f"/places/communities/{community.id}/"),
        ("resident list", "secretary", "/people/residents/"),
        ("resident search 'jm7'", "secretary", "/people/residents/?q=jm7"),
        ("resident search phone tail", "secretary", "/people/residents/?q=1234"),
    ]
    print(f"{'page':42} {'p50 ms':>7} {'p95 ms':>7} {'queries':>8}")
    for label, who, url in pages:
        client = Client()
        client.force_login(world["users"][who])
        p50, p95, queries = common.time_page(client, url, runs)
        flag = "" if p95 < 150 else "  <-- over 150 ms"
        print(f"{label:42} {p50:7.1f} {p95:7.1f} {queries:8d}{flag}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.runs)
    else:
        common.run_per_database(
            __file__, [args.only] if args.only else ["sqlite", "postgres"], "--runs", str(args.runs)
        )
