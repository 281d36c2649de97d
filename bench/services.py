"""Issue 11's measure, its four parts one after the other (each prints its own figures):

- the vegetable station: 5,000 orders placed through the API for the seed's 5,152-household
  community (orders/s); pick lists for its 46 buildings as PDF and Excel (seconds);
- errands: the errand list with 10,000 errands (goal p95 < 150 ms);
- the supplies ledger: stock at a date over 100,000 movements (goal < 200 ms);
- emergency kits: the list from the registry, the distribution page, hand-overs/s.

Each part runs on SQLite and on PostgreSQL (127.0.0.1:5432) in a database of its own, made
and dropped by bench/common.py; run them one at a time, not beside the test suite.

    .venv/bin/python bench/services.py [stations errands supplies kits]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ["stations", "errands", "supplies", "kits"]


def main(parts: list[str]) -> int:
    failed = []
    for part in parts:
        print(f"\n=== bench/services_{part}.py", flush=True)
        started = time.perf_counter()
        if subprocess.run([sys.executable, str(HERE / f"services_{part}.py")]).returncode:
            failed.append(part)
        print(f"=== {part}: {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    unknown = set(sys.argv[1:]) - set(PARTS)
    if unknown:
        sys.exit(f"parts are {', '.join(PARTS)}; not {', '.join(sorted(unknown))}")
    sys.exit(main(sys.argv[1:] or PARTS))
