"""Imports a generated 100,000-resident workbook into SQLite and PostgreSQL.

Prints the seconds for reading the file alone (the floor), checking every row, and the full
import; then re-imports the same file (every row unchanged). Goal: < 30 s, < 10× the read.

    .venv/bin/python bench/import_residents.py [--rows 100000] [--only sqlite|postgres]
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

WORKBOOK = Path("/tmp/fangxian-bench-residents.xlsx")
BUILDINGS, ENTRANCES, FLOORS, ROOMS = 250, 2, 18, 4  # 36,000 dwellings


def make_workbook(rows: int) -> None:
    sys.path.insert(0, str(common.ROOT))
    from faker import Faker

    from fangxian.lib import idnumber
    from fangxian.lib.tabular import write_xlsx

    rng = random.Random(1)
    fake = Faker("zh_CN")
    fake.seed_instance(1)
    names = [fake.name() for _ in range(5000)]
    tags = ["", "", "", "", "独居老人", "党员", "慢性病、党员"]
    data = []
    for i in range(rows):
        sex = "M" if i % 2 else "F"
        # An ID number has 500 sequence slots per birth date and sex: spread rows over dates.
        birth = datetime.date(1930, 1, 1) + datetime.timedelta(days=(i // 500) * 97 % 32000)
        data.append([
            str(rng.randint(1, BUILDINGS)), str(rng.randint(1, ENTRANCES)), f"{rng.randint(1, FLOORS)}{rng.randint(1, ROOMS):02d}",
            names[i % len(names)], "男" if sex == "M" else "女", "居民身份证", idnumber.make("110102", birth, i, sex), "",
            f"13{rng.randint(0, 999_999_999):09d}", "其他", "人户一致", rng.choice(tags),
        ])
    header = ["楼号", "单元", "房号", "姓名", "性别", "证件类型", "证件号码", "出生日期", "手机号码", "与户主关系", "人户状态", "标签"]
    WORKBOOK.write_bytes(write_xlsx(header, data, sheet_title="residents"))


def measure(database_url: str) -> None:
    common.setup_django(database_url)
    from fangxian.lib.tabular import read_table
    from fangxian.people.importing import run_import
    from fangxian.people.models import Resident

    community = common.make_community("110102015001", BUILDINGS, ENTRANCES, FLOORS, ROOMS)
    data = WORKBOOK.read_bytes()
    t0 = time.perf_counter()
    rows = len(read_table(data)) - 1
    read = time.perf_counter() - t0
    t0 = time.perf_counter()
    checked = run_import("residents", community, data, apply=False)
    check = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = run_import("residents", community, data, apply=True)
    full = time.perf_counter() - t0
    assert report.ok, report.errors[:3]
    assert Resident.objects.count() == rows == checked.rows
    t0 = time.perf_counter()
    again = run_import("residents", community, data, apply=True)
    reimport = time.perf_counter() - t0
    assert again.summary["created"] == 0 and Resident.objects.count() == rows
    print(f"rows                 {rows}")
    print(f"read file (floor)    {read:6.2f} s")
    print(f"check only (preview) {check:6.2f} s   {check / read:4.1f}x read")
    print(f"import               {full:6.2f} s   {full / read:4.1f}x read   {rows / full:,.0f} rows/s   {report.summary}")
    print(f"re-import unchanged  {reimport:6.2f} s   {reimport / read:4.1f}x read   {again.summary}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        measure(args.database)
    else:
        t0 = time.perf_counter()
        make_workbook(args.rows)
        print(f"generated {args.rows} residents in {time.perf_counter() - t0:.1f} s ({WORKBOOK.stat().st_size / 1e6:.1f} MB)")
        common.run_per_database(__file__, [args.only] if args.only else ["sqlite", "postgres"])
