"""A 12345 export of N rows for a street, and the time its import takes.

`export(street, rows)` gives the workbook's bytes (fangxian.casework.workorders.sample_export:
85 % of the addresses name one of the street's communities and a building, the rest nothing
known); bench/casework.py may call it. Run alone, it makes a street of 8 communities, writes
a 10,000-row export, and times reading and checking it, the import, and importing it again
(every order unchanged). Goal: the import under 5 s.

    .venv/bin/python bench/hotline_rows.py [--rows 10000] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

COMMUNITIES = 8


def export(street, rows: int, start: int = 1) -> bytes:
    from fangxian.casework.workorders import sample_export

    return sample_export(street, rows, start=start)


def street_of_communities(count: int = COMMUNITIES):
    community = None
    for n in range(1, count + 1):
        community = common.make_community(f"110102015{n:03d}", buildings=20, entrances=2, floors=6, rooms=2)
    return community.street


def measure(rows: int) -> None:
    from django.db import connection

    from fangxian.casework import workorders
    from fangxian.casework.models import Case

    street = street_of_communities()
    data = export(street, rows)
    print(f"{rows:,} rows, {len(data) / 1024:,.0f} KB, {connection.vendor}")
    t0 = time.perf_counter()
    report = workorders.check_file(street, data)[0]
    print(f"read and check: {time.perf_counter() - t0:.2f} s ({report.held_count:,} held by the street)")
    t0 = time.perf_counter()
    report = workorders.run_import(street, data, None)
    took = time.perf_counter() - t0
    assert report.ok and report.summary["created"] == rows, (report.file_error, report.errors[:3])
    print(f"import: {took:.2f} s (goal < 5 s) {'ok' if took < 5 else 'SLOW'}")
    t0 = time.perf_counter()
    report = workorders.run_import(street, data, None)
    print(f"import again, every order unchanged: {time.perf_counter() - t0:.2f} s {report.summary}")
    assert Case.objects.filter(street=street).count() == rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--database")
    args = parser.parse_args()
    if args.database:
        common.setup_django(args.database)
        measure(args.rows)
        return
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    common.run_per_database(__file__, kinds, "--rows", str(args.rows))


if __name__ == "__main__":
    main()
