"""The district's day of daily reports: 300 communities in 15 streets (Xicheng has about 260),
all but 10 reported, a third of them corrected once. Prints p50 and p95 server time and the
SQL queries of the day page, its Excel and the API as a district admin, and of the pre-fill of
all 300 communities at once. Goal: p95 < 150 ms for the page, as bench/pages.py asks of pages.

    .venv/bin/python bench/daily_reports.py [--only sqlite|postgres] [--runs 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

STREETS, PER_STREET, MISSING = 15, 20, 10
PROFILE = False


def load():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from fangxian.accounts.models import Role
    from fangxian.places.models import City, Community, District, Street
    from fangxian.reports.models import FIGURES, DailyReport, ReportVersion

    city = City.objects.create(code="110000", name_zh="北京市")
    district = District.objects.create(city=city, code="110102", name_zh="西城区")
    communities = []
    for s in range(1, STREETS + 1):
        street = Street.objects.create(district=district, code=f"110102{s:03d}", name_zh=f"街道{s}")
        communities += Community.objects.bulk_create(
            [
                Community(street=street, code=f"110102{s:03d}{c:03d}", name_zh=f"社区{s}-{c}")
                for c in range(1, PER_STREET + 1)
            ]
        )
    admin = get_user_model().objects.create_user(username="district", password="x")
    Role.objects.create(user=admin, kind=Role.Kind.DISTRICT_ADMIN, district=district)
    today, now = timezone.localdate(), timezone.now()
    reports = DailyReport.objects.bulk_create(
        [
            DailyReport(community=c, day=today, due_at=now, first_submitted_at=now)
            for c in communities[: len(communities) - MISSING]
        ]
    )
    figures = {k: n for n, k in enumerate(FIGURES)}
    ReportVersion.objects.bulk_create(
        [
            ReportVersion(report=r, number=n, figures=figures, prefilled=figures, submitted_by=admin)
            for i, r in enumerate(reports)
            for n in ((1, 2) if i % 3 == 0 else (1,))
        ]
    )
    return admin, communities


def measure(database_url: str, runs: int) -> None:
    common.setup_django(database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from fangxian.accounts.models import ApiToken
    from fangxian.reports.counting import prefill

    admin, communities = load()
    if PROFILE:
        import cProfile
        import pstats

        from fangxian.places.models import Community
        from fangxian.reports import reporting

        with cProfile.Profile() as profile:
            reporting.rollup(Community.objects.all(), timezone.localdate())
        pstats.Stats(profile).sort_stats("cumulative").print_stats(15)
    client = Client()
    client.force_login(admin)
    print(f"{len(communities)} communities, {MISSING} missing")
    print(f"{'':42} {'p50 ms':>7} {'p95 ms':>7} {'queries':>8}")
    for label, url in (("day page (district admin)", "/daily-reports/"), ("Excel", "/daily-reports/?format=xlsx")):
        p50, p95, queries = common.time_page(client, url, runs)
        flag = "" if p95 < 150 else "  <-- over 150 ms"
        print(f"{label:42} {p50:7.1f} {p95:7.1f} {queries:8d}{flag}")
    api = Client(headers={"Authorization": f"Bearer {ApiToken.issue(admin)}"})
    p50, p95, queries = common.time_page(api, "/api/v1/daily-reports", runs)
    print(f"{'API GET /daily-reports':42} {p50:7.1f} {p95:7.1f} {queries:8d}")
    ids = [c.pk for c in communities]
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        prefill(ids, timezone.localdate())
        samples.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as captured:
        prefill(ids, timezone.localdate())
    p50, p95 = common.percentiles(samples)
    print(f"{'pre-fill of every community':42} {p50:7.1f} {p95:7.1f} {len(captured):8d}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure(args.database, args.runs)
    else:
        common.run_per_database(
            __file__, [args.only] if args.only else ["sqlite", "postgres"], "--runs", str(args.runs)
        )
