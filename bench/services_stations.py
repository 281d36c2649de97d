"""Vegetable station benchmark (part of bench/services.py).

A round for a 5,152-household community (46 buildings x 4 entrances x 7 floors x 4 rooms,
one resident a household) with three packages: 5,000 orders placed through the API, one
request each with its client_id, as a phone-in desk or the households' link pages would
(orders/s); then the pick lists of the 46 buildings as Excel (the request) and as A4 PDF (the
request that starts the job, then the worker printing it), and the route and the totals.

    .venv/bin/python bench/services_stations.py [--orders 5000] [--kinds sqlite,postgres]
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

common.PG_NAME = "fangxian_bench_stations"  # its own database: other benches may run beside it
DWELLINGS = 5152


def load(orders: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fangxian.accounts.models import ApiToken, Role
    from fangxian.people.models import Resident
    from fangxian.places.models import Dwelling
    from fangxian.stations import ordering

    community = common.make_community("110102015001", 46, 4, 7, 4)
    dwellings = list(Dwelling.objects.filter(community=community).order_by("id"))
    assert len(dwellings) == DWELLINGS
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
                relation="head",
            )
            for i, d in enumerate(dwellings)
        ],
        batch_size=5000,
    )
    user = get_user_model().objects.create_user("secretary", password="x")
    Role.objects.create(user=user, kind=Role.Kind.SECRETARY, community=community)
    now = timezone.now()
    row = ordering.create_round(
        community,
        {
            "name": "第3期蔬菜包",
            "supplier_name": "新发地农产品配送中心",
            "supplier_phone": "010-67651234",
            "opens_at": now - datetime.timedelta(hours=1),
            "closes_at": now + datetime.timedelta(days=1),
            "delivery_day": timezone.localdate() + datetime.timedelta(days=2),
            "packages": [
                {"name": "蔬菜包 A", "contents": "白菜、土豆", "price": 3000, "stock": 20000, "cap": 2},
                {"name": "蔬菜包 B", "contents": "青菜、豆腐", "price": 2500, "stock": 20000, "cap": 2},
                {"name": "水果包", "contents": "苹果、香蕉", "price": 3500, "stock": 20000, "cap": 1},
            ],
        },
        user,
    )
    chosen = sorted(random.Random(2020).sample(range(len(dwellings)), orders))  # every building has some
    return community, user, row, [dwellings[i] for i in chosen], ApiToken.issue(user)


def measure(database_url: str, orders: int) -> None:
    common.setup_django(database_url)
    from django.core.management import call_command
    from django.test import Client

    from fangxian.stations.models import Order

    t0 = time.perf_counter()
    community, user, row, dwellings, token = load(orders)
    print(f"loaded {DWELLINGS:,} households and a round of 3 packages in {time.perf_counter() - t0:.1f} s")
    packages = list(row.packages.order_by("id").values_list("id", flat=True))
    api = Client(headers={"Authorization": f"Bearer {token}"})
    rng = random.Random(2020)
    path = f"/api/v1/vegetable-rounds/{row.id}/orders"
    bodies = [
        json.dumps(
            {
                "dwelling_id": d.id,
                "quantities": {str(packages[0]): rng.randint(1, 2), str(packages[1]): rng.randint(0, 2)}
                | ({str(packages[2]): 1} if rng.random() < 0.3 else {}),
                "via": "phone",
                "client_id": str(uuid.uuid4()),
            }
        )
        for d in dwellings
    ]
    samples = []
    t0 = time.perf_counter()
    for body in bodies:
        s0 = time.perf_counter()
        response = api.post(path, body, content_type="application/json")
        samples.append((time.perf_counter() - s0) * 1000)
        assert response.status_code == 201, response.content
    elapsed = time.perf_counter() - t0
    p50, p95 = common.percentiles(samples)
    print(
        f"{len(bodies):,} orders through the API in {elapsed:.1f} s: {len(bodies) / elapsed:,.0f} orders/s "
        f"(one request each; p50 {p50:.1f} ms, p95 {p95:.1f} ms)"
    )
    resent = bodies[:500]
    t0 = time.perf_counter()
    for body in resent:  # the same client_id again: answered as stored
        assert api.post(path, body, content_type="application/json").status_code == 201
    print(
        f"{len(resent)} resent orders (same client_id) answered as stored: {len(resent) / (time.perf_counter() - t0):,.0f} /s"
    )
    assert Order.objects.count() == len(bodies)

    page = Client()
    page.force_login(user)
    t0 = time.perf_counter()
    sheet = page.get(f"/stations/{row.id}/pick-list.xlsx")
    assert sheet.status_code == 200
    print(
        f"pick list, Excel, 46 buildings, {len(bodies):,} orders: {time.perf_counter() - t0:.2f} s ({len(sheet.content) // 1024} KB)"
    )
    t0 = time.perf_counter()
    job = page.post(f"/stations/{row.id}/pick-list.pdf")["Location"]
    asked = time.perf_counter() - t0
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)
    printed = time.perf_counter() - t0 - asked
    pdf = page.get(f"{job}file/")
    assert pdf.status_code == 200, pdf.status_code
    size = sum(len(chunk) for chunk in pdf.streaming_content) if pdf.streaming else len(pdf.content)
    print(
        f"pick lists, A4 PDF, 46 buildings: request {asked * 1000:.0f} ms, then {printed:.1f} s in the worker "
        f"(WeasyPrint; {size // 1024} KB)"
    )
    for label, url in (
        ("route (the deliverer's list, 5,000 doors)", f"/api/v1/vegetable-rounds/{row.id}/route"),
        ("totals for the supplier", f"/api/v1/vegetable-rounds/{row.id}/totals"),
        ("round page", f"/stations/{row.id}/"),
    ):
        client = api if url.startswith("/api/") else page
        p50, p95, queries = common.time_page(client, url, 10)
        print(f"{label:44} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {queries} queries")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--kinds", default="sqlite,postgres")
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.orders)
    else:
        common.run_per_database(__file__, args.kinds.split(","), "--orders", str(args.orders))
