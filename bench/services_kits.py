"""Emergency kit benchmarks, for bench/services.py.

The seed's 5,152-household community with 12,750 residents, one in seven tagged elderly
living alone (736 households), a stocked office store:

1. the recipient list computed from the tag and the distribution made (seconds);
2. the distribution page (progress by building and the pending list in walking order) for the
   secretary and for a volunteer (names masked), p50/p95 server time;
3. hand-overs through the API, each with a signature PNG and three items issued from the
   ledger in one transaction (hand-overs/s);
4. the offices' roll-up by street.

    .venv/bin/python bench/services_kits.py [--databases sqlite postgres] [--runs 20] [--handovers 300]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DWELLINGS = 5152  # 46 buildings x 4 entrances x 7 floors x 4 rooms


def signature() -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (360, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 150), (80, 40), (150, 160), (220, 50), (330, 120)], fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def load(handovers: int):
    from django.contrib.auth import get_user_model

    from fangxian.accounts.models import Role
    from fangxian.people.models import Resident
    from fangxian.places.models import Dwelling
    from fangxian.supplies import ledger
    from fangxian.supplies.models import Item, Movement, Store

    community = common.make_community("110102015001", 46, 4, 7, 4)
    dwellings = list(Dwelling.objects.filter(community=community).order_by("id"))
    Resident.objects.bulk_create(
        [
            Resident(
                community=community,
                dwelling=dwellings[i % len(dwellings)],
                name=f"居民{i}",
                sex="M",
                id_type="passport",
                id_number=f"P{i}",
                tags=",elderly_alone," if i % 7 == 3 else ",",
            )
            for i in range(int(DWELLINGS * 2.5))
            if i % 97
        ],
        batch_size=5000,
    )
    User = get_user_model()
    secretary = User.objects.create_user("bench-secretary", password="x")
    Role.objects.create(user=secretary, kind=Role.Kind.SECRETARY, community=community)
    volunteer = User.objects.create_user("bench-volunteer", password="x")
    Role.objects.create(user=volunteer, kind=Role.Kind.VOLUNTEER, community=community)
    office = Store.objects.create(community=community, name="社区办公室")
    items = [
        Item.objects.create(community=community, name="体温计", unit="支"),
        Item.objects.create(community=community, name="口罩", unit="个", pack_name="箱", pack_size=20),
        Item.objects.create(community=community, name="酒精", unit="斤"),
    ]
    for item, quantity in zip(items, (5000, 50_000, 5000 * 500), strict=True):
        ledger.record(Movement.Kind.DONATION, item, quantity, to_store=office, donor="天桥商会")
    return community, secretary, volunteer, office, items


def measure(database_url: str, runs: int, handovers: int) -> None:
    common.setup_django(database_url)
    from django.test import Client

    from fangxian.accounts.models import ApiToken
    from fangxian.kits import distributing
    from fangxian.kits.models import Recipient

    t0 = time.perf_counter()
    community, secretary, volunteer, office, items = load(handovers)
    print(f"loaded {DWELLINGS:,} dwellings in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    found = distributing.recipients_from(community, ["elderly_alone"])
    listed = time.perf_counter() - t0
    contents = [
        distributing.ContentIn(items[0], "1", "支"),
        distributing.ContentIn(items[1], "1/2", "箱"),
        distributing.ContentIn(items[2], "1", "斤"),
    ]
    t0 = time.perf_counter()
    kit = distributing.create(community, "独居老人应急包", office, contents, ["elderly_alone"], [], secretary)
    made = time.perf_counter() - t0
    print(f"recipients from the tag: {len(found):,} households in {listed:.2f} s; distribution made in {made:.2f} s")

    for who in (secretary, volunteer):
        client = Client()
        client.force_login(who)
        p50, p95, queries = common.time_page(client, f"/kits/{kit.pk}/", runs)
        print(f"distribution page ({who.username:15}) p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {queries} queries")

    api = Client(headers={"Authorization": f"Bearer {ApiToken.issue(volunteer)}"})
    drawn = signature()
    pending = list(Recipient.objects.filter(distribution=kit).order_by("id").values_list("pk", flat=True)[:handovers])
    t0 = time.perf_counter()
    for pk in pending:
        body = json.dumps({"signature": drawn, "client_id": str(uuid.uuid4())})
        answer = api.post(
            f"/api/v1/kits/{kit.pk}/recipients/{pk}/hand-over", data=body, content_type="application/json"
        )
        assert answer.status_code == 200, answer.content
    spent = time.perf_counter() - t0
    print(
        f"hand-overs through the API: {len(pending)} in {spent:.1f} s, {len(pending) / spent:.1f}/s "
        f"({spent / len(pending) * 1000:.0f} ms each, 3 ledger issues and a signature each)"
    )

    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        distributing.rollup(Recipient.objects.all(), "street")
        samples.append((time.perf_counter() - t0) * 1000)
    p50, p95 = common.percentiles(samples)
    print(f"roll-up by street: p50 {p50:.1f} ms  p95 {p95:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--handovers", type=int, default=300)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.runs, args.handovers)
    else:
        common.run_per_database(__file__, args.databases, "--runs", str(args.runs), "--handovers", str(args.handovers))
