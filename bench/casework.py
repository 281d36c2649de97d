"""Issue 12's measure: casework for a street of 8 communities over 12 months.

100,000 cases (a tenth held by the street, at every stage: open, overdue, resolved,
unfounded, passed, called back, closed) spread over the 12 months before now. Measured,
in-process, server time:

- the case list page, p50/p95 over --runs requests after three warm-ups (goal p95 < 150 ms):
  the street's whole list, a community's, filtered by state and overdue, a deep page;
- the three rates by community × month for the 12 months (goal < 1 s), and by department;
- importing a 10,000-row 12345 export, preview and confirm (goal < 5 s).

    .venv/bin/python bench/casework.py [--runs 40] [--databases sqlite postgres]
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

CASES = 100_000
COMMUNITIES = 8
LIST_GOAL_MS = 150
RATES_GOAL_S = 1.0
IMPORT_GOAL_S = 5.0
AGENCIES = ["天桥街道城管执法队", "天桥派出所", "西城区房管局", "天桥市场监管所", "天桥社区卫生服务中心"]


def load(cases: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fangxian.accounts.models import Role
    from fangxian.casework import proactive
    from fangxian.casework.models import Case, Category

    communities = [common.make_community(f"110102015{n:03d}", 12, 2, 6, 2) for n in range(1, COMMUNITIES + 1)]
    street = communities[0].street
    buildings = [list(c.buildings.all()) for c in communities]
    categories = list(Category.objects.all())
    User = get_user_model()
    street_admin = User.objects.create_user(username="bench-street")
    Role.objects.create(user=street_admin, kind=Role.Kind.STREET_ADMIN, street=street)
    secretary = User.objects.create_user(username="bench-secretary")
    Role.objects.create(user=secretary, kind=Role.Kind.SECRETARY, community=communities[0])
    now = timezone.now()
    S, C = Case.State, Case.Callback
    # Of every 20 cases: 2 received, 1 assigned, 1 on site (3 of them overdue), 3 resolved,
    # 1 unfounded, 1 passed, 3 called back, 8 closed.
    stages = [S.RECEIVED] * 2 + [S.ASSIGNED, S.ON_SITE] + [S.RESOLVED] * 3 + [S.UNFOUNDED, S.PASSED]
    stages += [S.CALLED_BACK] * 3 + [S.CLOSED] * 8
    callbacks = [C.SATISFIED, C.SATISFIED, C.BASICALLY, C.UNSATISFIED, C.UNREACHABLE]
    rows = []
    for i in range(cases):
        state = stages[i % 20]
        held = i % 10 == 9
        n = i % COMMUNITIES
        received = now - datetime.timedelta(minutes=(i * 5.2) % (365 * 24 * 60))
        handled = state not in Case.OPEN
        late = i % 7 == 0
        handled_as = S.UNFOUNDED if state == S.UNFOUNDED else S.PASSED if state == S.PASSED else S.RESOLVED
        rows.append(
            Case(
                street=street,
                community=None if held else communities[n],
                building=None if held else buildings[n][i % len(buildings[n])],
                address=f"天桥 {i % 300} 号" if held else "",
                source="hotline" if i % 3 else "phone",
                category=categories[i % len(categories)],
                what=f"诉求 第{i}件",
                hotline_number=f"2020{i:08d}" if i % 3 else "",
                reporter_name=f"市民{i}",
                reporter_phone=f"138{i:08d}",
                received_at=received,
                respond_by=received + datetime.timedelta(hours=2),
                resolve_by=received + datetime.timedelta(days=3),
                state=state,
                responded_at=received + datetime.timedelta(hours=3 if late else 1) if state != S.RECEIVED else None,
                handled_at=received + datetime.timedelta(days=4 if late else 1) if handled else None,
                handled_as=handled_as if handled else "",
                agency=AGENCIES[i % len(AGENCIES)] if state == S.PASSED or (handled and i % 17 == 0) else "",
                callback=callbacks[i % 5] if state in (S.CALLED_BACK, S.CLOSED) else "",
                closed_at=received + datetime.timedelta(days=2) if state == S.CLOSED else None,
            )
        )
    Case.objects.bulk_create(rows, batch_size=2000)
    # Complaints that came one by one would have opened their proactive cases as they came:
    # the street starts in that steady state, not as 1,400 hotspots nobody has seen.
    t0 = time.perf_counter()
    opened = proactive.open_for(Case.objects.filter(street=street).select_related(*proactive.NAMES))
    print(f"{len(opened):,} proactive cases opened for the loaded complaints in {time.perf_counter() - t0:.1f} s")
    return street, communities, street_admin, secretary


def time_rates(street, runs: int) -> None:
    from django.utils import timezone

    from fangxian.casework import rates
    from fangxian.casework.models import Case

    today = timezone.localdate()
    first = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    cases = Case.objects.filter(street=street)
    for label, by in (
        ("community × month", "community"),
        ("street × month", "street"),
        ("department × month", "department"),
    ):
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            rows = rates.figures(cases, by, first, today)
            samples.append(time.perf_counter() - t0)
        p50, p95 = common.percentiles(samples)
        verdict = "ok" if p95 < RATES_GOAL_S else "OVER"
        print(
            f"rates by {label:20} {len(rows):4} rows  p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms"
            f"  ({verdict}: goal < {RATES_GOAL_S:.0f} s)"
        )


def measure(database_url: str, runs: int) -> None:
    common.setup_django(database_url)
    from django.test import Client

    t0 = time.perf_counter()
    street, communities, street_admin, secretary = load(CASES)
    print(f"loaded {COMMUNITIES} communities and {CASES:,} cases in {time.perf_counter() - t0:.1f} s")
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    time_rates(street, max(5, runs // 4))
    pages = {}
    for user in (street_admin, secretary):
        client = Client()
        client.force_login(user)
        pages[user.username] = client
    for label, client, url in LIST_PAGES:
        p50, p95, queries = common.time_page(pages[client], url, runs)
        verdict = "ok" if p95 < LIST_GOAL_MS else "OVER"
        print(
            f"{label:40} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  {queries:2} queries"
            f"  ({verdict}: goal p95 < {LIST_GOAL_MS} ms)"
        )
    time_import(street, street_admin)


LIST_PAGES = [
    ("case list, street (100,000)", "bench-street", "/casework/"),
    ("case list, street, overdue", "bench-street", "/casework/?overdue=1"),
    ("case list, street, page 200", "bench-street", "/casework/?page=200"),
    ("case list, community (11,250)", "bench-secretary", "/casework/"),
    ("case list, community, received", "bench-secretary", "/casework/?state=received"),
    ("home page, street", "bench-street", "/"),
]


IMPORT_ROWS = 10_000


def time_import(street, street_admin) -> None:
    """A 10,000-row 12345 export into the street that already holds the 100,000 cases: read
    and checked (the preview), then imported (checked again under the lock, and written)."""
    from hotline_rows import export

    from fangxian.casework import workorders

    data = export(street, IMPORT_ROWS)
    t0 = time.perf_counter()
    report = workorders.check_file(street, data)[0]
    checked = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = workorders.run_import(street, data, street_admin)
    took = time.perf_counter() - t0
    assert report.ok and report.summary["created"] == IMPORT_ROWS, (report.file_error, report.errors[:3])
    verdict = "ok" if took < IMPORT_GOAL_S else "OVER"
    print(
        f"12345 import of {IMPORT_ROWS:,} rows: preview {checked:.2f} s, import {took:.2f} s"
        f"  ({verdict}: goal < {IMPORT_GOAL_S:.0f} s)"
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
