"""Issue 13's measure, its parts one after the other (each prints its own figures and its
ratio to the goal):

- registration at sampling tables through the API, as on a mass-testing morning
  (bench/testing_registration.py; goal 2,000 registrations/s, p99 ≤ 100 ms at 1,000/s offered);
- importing a lab file of 100,000 tubes (bench/testing_results.py; goal < 10 s);
- the full-coverage list of a 100,000-resident street (bench/testing_coverage.py; goal < 1 s);
- tracing one case over 3,000,000 passes (bench/tracing.py; goal < 2 s).

Each part runs on SQLite and on PostgreSQL (127.0.0.1:5432) in a database of its own, made
and dropped by bench/common.py; run them one at a time, not beside the test suite.

    .venv/bin/python bench/testing.py [registration results coverage tracing]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = {
    "registration": "testing_registration.py",
    "results": "testing_results.py",
    "coverage": "testing_coverage.py",
    "tracing": "tracing.py",
}


def main(parts: list[str]) -> int:
    failed = []
    for part in parts:
        print(f"\n=== bench/{PARTS[part]}", flush=True)
        started = time.perf_counter()
        if subprocess.run([sys.executable, str(HERE / PARTS[part])]).returncode:
            failed.append(part)
        print(f"=== {part}: {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    unknown = set(sys.argv[1:]) - set(PARTS)
    if unknown:
        sys.exit(f"parts are {', '.join(PARTS)}; not {', '.join(sorted(unknown))}")
    sys.exit(main(sys.argv[1:] or list(PARTS)))
