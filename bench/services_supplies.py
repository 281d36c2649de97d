"""Supplies ledger benchmarks (part of bench/services.py).

A community's ledger of 100,000 movements (24 items, 6 stores, 120 days: donations and
purchases in, transfers to the gates' posts, issues to gates, households and people, some
reversed), on SQLite and PostgreSQL:

1. stock by store and item at a date, `ledger.stock` (goal < 200 ms), and the same through
   the stock page and GET /api/v1/supplies/stock?at=…: p50/p95 over --runs;
2. recording an issue now (the no-negative-stock check under the item's lock): p50/p95;
3. the public ledger (公示) of one month as A4 PDF: seconds and pages.

    .venv/bin/python bench/services_supplies.py [--runs 40] [--movements 100000]
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

ITEMS = 24
STORES = 6
DAYS = 120


def load_ledger(total: int):
    """Movements written in bulk (the ledger's rules are measured in (2), not here), in a
    shape that keeps every store above zero: big donations first, then small draws."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fangxian.accounts.models import Role
    from fangxian.gate.models import Gate
    from fangxian.places.models import Dwelling
    from fangxian.supplies.models import Item, Movement, RecipientRole, Store

    rng = random.Random(2020)
    community = common.make_community("110102015001", 46, 4, 7, 4)
    community.name_zh = "香厂路社区"
    community.save()
    user = get_user_model().objects.create_user("bench-secretary", password="bench-password-1")
    Role.objects.create(user=user, kind=Role.Kind.SECRETARY, community=community)
    gates = [Gate.objects.create(community=community, name=f"{n}号门") for n in range(1, STORES)]
    office = Store.objects.create(community=community, name="社区办公室")
    posts = [Store.objects.create(community=community, name=f"{g.name}岗", gate=g) for g in gates]
    items = [
        Item.objects.create(
            community=community,
            name=f"物资{i:02d}",
            unit="斤" if i % 4 == 0 else "个",
            pack_name="" if i % 4 == 0 else "箱",
            pack_size=0 if i % 4 == 0 else 20,
            minimum=10**9 if i % 6 == 0 else 100,
        )
        for i in range(ITEMS)
    ]
    dwellings = list(Dwelling.objects.filter(community=community).values_list("id", flat=True))
    start = timezone.now() - datetime.timedelta(days=DAYS)
    K = Movement.Kind
    rows = []
    donations = max(ITEMS * 40, total // 50)
    for n in range(donations):  # 2 %: donations and purchases, each big
        item = items[n % ITEMS]
        kind = K.DONATION if n % 5 else K.PURCHASE
        rows.append(
            Movement(
                community=community,
                kind=kind,
                item=item,
                quantity=10**7,
                to_store=office,
                donor="" if n % 7 == 0 and kind == K.DONATION else f"捐赠单位{n % 300}",
                anonymous=n % 7 == 0 and kind == K.DONATION,
                receipt=f"香厂路-2026-{n + 1:04d}" if kind == K.DONATION else "",
                happened_at=start + datetime.timedelta(minutes=n * DAYS * 1440 / donations),
            )
        )
    for n in range(total - donations):
        item = items[n % ITEMS]
        at = start + datetime.timedelta(days=1, minutes=rng.random() * (DAYS - 1) * 1440)
        shape = n % 10
        if shape == 0:
            post = posts[n % len(posts)]
            rows.append(
                Movement(
                    community=community,
                    kind=K.TRANSFER,
                    item=item,
                    quantity=100,
                    from_store=office,
                    to_store=post,
                    happened_at=at,
                )
            )
        elif shape < 4:
            rows.append(
                Movement(
                    community=community,
                    kind=K.ISSUE,
                    item=item,
                    quantity=5,
                    from_store=office,
                    to_gate=gates[n % len(gates)],
                    happened_at=at,
                )
            )
        elif shape < 9:
            rows.append(
                Movement(
                    community=community,
                    kind=K.ISSUE,
                    item=item,
                    quantity=2,
                    from_store=office,
                    to_dwelling_id=dwellings[n % len(dwellings)],
                    happened_at=at,
                )
            )
        else:
            rows.append(
                Movement(
                    community=community,
                    kind=K.ISSUE,
                    item=item,
                    quantity=3,
                    from_store=office,
                    to_person="志愿者",
                    to_role=RecipientRole.VOLUNTEER,
                    happened_at=at,
                )
            )
    Movement.objects.bulk_create(rows, batch_size=5000)
    return community, user, office, items


def measure(database_url: str, runs: int, total: int) -> None:
    common.setup_django(database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from fangxian.supplies import ledger
    from fangxian.supplies.models import Movement

    t0 = time.perf_counter()
    community, user, office, items = load_ledger(total)
    print(f"{Movement.objects.count():,} movements loaded in {time.perf_counter() - t0:.1f} s")
    day = timezone.localdate() - datetime.timedelta(days=DAYS // 2)
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))

    samples = []
    for _ in range(3 + runs):
        t0 = time.perf_counter()
        held = ledger.stock(Movement.objects.filter(community=community), at)
        samples.append((time.perf_counter() - t0) * 1000)
    p50, p95 = common.percentiles(samples[3:])
    print(f"ledger.stock at {day} ({len(held)} item×store cells): p50 {p50:.0f} ms, p95 {p95:.0f} ms (goal < 200 ms)")

    client = Client()
    client.force_login(user)
    for label, url in (
        ("stock page", f"/supplies/?at={day}"),
        ("GET /api/v1/supplies/stock", f"/api/v1/supplies/stock?at={day}"),
        ("home page (minimum alerts)", "/"),
    ):
        p50, p95, queries = common.time_page(client, url, runs)
        print(f"{label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, {queries} queries")

    samples = []
    for n in range(runs):
        t0 = time.perf_counter()
        ledger.issue(items[n % ITEMS], office, 1, to_person="志愿者", to_role="volunteer")
        samples.append((time.perf_counter() - t0) * 1000)
    p50, p95 = common.percentiles(samples)
    print(f"recording an issue now (checked against later stock): p50 {p50:.0f} ms, p95 {p95:.0f} ms")

    until = timezone.localdate()
    since = until - datetime.timedelta(days=30)
    url = f"/supplies/public/?since={since}&until={until}&format=pdf"
    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - t0
    assert response.status_code == 200
    pages = response.content.count(b"/Type /Page\n") or response.content.count(b"/Type /Page")
    print(
        f"public ledger PDF, {since} to {until}: {seconds:.1f} s, {len(response.content) // 1024} KB, ~{pages} pages, {len(queries)} queries"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--movements", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.runs, args.movements)
    else:
        kinds = [args.only] if args.only else ["sqlite", "postgres"]
        common.run_per_database(__file__, kinds, "--runs", str(args.runs), "--movements", str(args.movements))
