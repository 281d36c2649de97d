"""Full coverage of a 100,000-resident street, SQLite and PostgreSQL (goal: < 1 s).

Eight communities of 12,500 residents (52 buildings × 2 entrances × 6 floors × 4 rooms,
about 5 residents a dwelling), each with a campaign of the whole community under way:
70 % sampled into 10-in-1 tubes (some sampled twice: retests), 3 % exempted, 1 % bedridden
waiting for the home team, and calls recorded for a tenth of those due. Measured, for the
whole street (every community's campaign): the totals, the counts by building, by entrance and
by grid, and the complete list of those still due in walking order with their last call
(every row read): what the street's coverage page and the grid workers' lists need. With
--communities 1 the street is one community of 100,000 (its worst case).

    .venv/bin/python bench/testing_coverage.py [--runs 5] [--communities 8]
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

RESIDENTS = 100_000
PAGE = 500  # the API's pages of the call list


def load(communities: int):
    from django.utils import timezone

    from fangxian.people.models import Resident
    from fangxian.places.models import Dwelling
    from fangxian.testing import campaigns
    from fangxian.testing.models import Call, Exemption, Sample, Tube

    per = RESIDENTS // communities
    buildings = max(1, per // (2 * 6 * 4 * 5))  # 48 dwellings a building, 5 residents each
    now = timezone.now()
    made = []
    for c in range(communities):
        community = common.make_community(f"110102015{c + 1:03d}", buildings, 2, 6, 4)
        dwellings = list(Dwelling.objects.filter(community=community).order_by("id"))
        Resident.objects.bulk_create(
            [
                Resident(
                    community=community,
                    dwelling=dwellings[i % len(dwellings)],
                    name=f"居民{c}-{i}",
                    sex="F" if i % 2 else "M",
                    id_type="passport",
                    id_number=f"P{c}-{i}",
                )
                for i in range(per)
            ],
            batch_size=5000,
        )
        campaign = campaigns.create(
            community, "全员核酸", now - datetime.timedelta(hours=6), now + datetime.timedelta(days=1), 10
        )
        ids = list(Resident.objects.filter(community=community).order_by("id").values_list("id", flat=True))
        sampled = [r for i, r in enumerate(ids) if i % 10 < 7]
        tubes = Tube.objects.bulk_create(
            [
                Tube(campaign=campaign, barcode=f"T{c}-{n}", capacity=10, size=10, status=Tube.Status.CLOSED)
                for n in range((len(sampled) + 9) // 10)
            ],
            batch_size=5000,
        )
        samples = [
            Sample(
                campaign=campaign,
                tube=tubes[n // 10],
                resident_id=r,
                position=n % 10 + 1,
                sampled_at=now,
                client_id=uuid.uuid4(),
            )
            for n, r in enumerate(sampled)
        ]
        retests = Tube.objects.bulk_create(
            [Tube(campaign=campaign, barcode=f"R{c}-{n}", capacity=1, size=1, retest=True) for n in range(50)]
        )
        samples += [
            Sample(
                campaign=campaign, tube=t, resident_id=sampled[n], position=1, sampled_at=now, client_id=uuid.uuid4()
            )
            for n, t in enumerate(retests)
        ]
        Sample.objects.bulk_create(samples, batch_size=5000)
        rest = [r for i, r in enumerate(ids) if i % 10 >= 7]
        Exemption.objects.bulk_create(
            [
                Exemption(
                    campaign=campaign,
                    resident_id=r,
                    reason=Exemption.Reason.AT_HOME if n % 30 == 0 else Exemption.Reason.AWAY,
                )
                for n, r in enumerate(rest)
                if n % 30 < 4
            ],
            batch_size=5000,
        )
        Call.objects.bulk_create(
            [Call(campaign=campaign, resident_id=r, outcome=Call.Outcome.NO_ANSWER) for r in rest[::10]],
            batch_size=5000,
        )
        made.append(campaign)
    return made


def street_coverage(made) -> dict:
    """Every community's counts by entrance, building and grid with its totals, and its whole
    list of those still due in walking order, with their last calls, page by page."""
    from fangxian.testing import coverage

    figures = {"due": 0, "rows": 0, "listed": 0}
    for campaign in made:
        entrances = coverage.by_entrance(campaign)
        figures["due"] += coverage.totals(campaign, entrances=entrances)["due"]
        for level in coverage.LEVELS:
            figures["rows"] += len(coverage.by(campaign, level, entrances=entrances))
        due = list(coverage.call_list(campaign, campaign.community.residents.all()))
        for start in range(0, len(due), PAGE):
            coverage.with_calls(campaign, due[start : start + PAGE])
        figures["listed"] += len(due)
    return figures


def measure(database_url: str, runs: int, communities: int) -> None:
    common.setup_django(database_url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangxian.testing import coverage

    t0 = time.perf_counter()
    made = load(communities)
    print(f"street of {RESIDENTS:,} residents in {communities} communities made in {time.perf_counter() - t0:.1f} s")
    street_coverage(made)  # warm
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        figures = street_coverage(made)
        samples.append(time.perf_counter() - t0)
    median, worst = sorted(samples)[len(samples) // 2], max(samples)
    print(
        f"street coverage (totals, by building/entrance/grid, due list of {figures['listed']:,} with last calls): "
        f"median {median:.2f} s, worst {worst:.2f} s (goal < 1 s: {1 / median:.1f}x)"
    )
    for name, work in (
        ("totals alone", lambda c: coverage.totals(c)),
        (
            "by entrance, building and grid",
            lambda c: [
                coverage.by(c, level, entrances=e) for e in [coverage.by_entrance(c)] for level in coverage.LEVELS
            ],
        ),
        (
            "due list, first page",
            lambda c: coverage.with_calls(c, list(coverage.call_list(c, c.community.residents.all())[:PAGE])),
        ),
        ("due list, every row", lambda c: list(coverage.call_list(c, c.community.residents.all()))),
    ):
        t0 = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            for campaign in made:
                work(campaign)
        print(f"  {name:32}: {(time.perf_counter() - t0) * 1000:6.0f} ms, {len(queries)} queries for the street")
    assert figures["due"] == figures["listed"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--communities", type=int, default=8)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.runs, args.communities)
    else:
        kinds = [args.only] if args.only else ["sqlite", "postgres"]
        common.run_per_database(__file__, kinds, "--runs", str(args.runs), "--communities", str(args.communities))
