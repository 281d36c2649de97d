"""Tests that need a system package: skipped on a developer's machine without it, with the
package to install; a failure under CI (the environment variable CI set), which installs
everything. scripts/sysdeps.sh is the one list of what is needed and which package brings it.

Mark a test `@pytest.mark.needs("pdftotext", "fonts")`; the names are those of sysdeps.sh."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import pytest

SYSDEPS = Path(__file__).resolve().parent.parent / "scripts" / "sysdeps.sh"


@functools.cache
def missing(needs: tuple[str, ...]) -> dict[str, str]:
    """{need: the Debian packages that bring it} for each of `needs` this machine lacks."""
    out = subprocess.run(["bash", str(SYSDEPS), "missing", *needs], capture_output=True, text=True, check=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines())


def require(*needs: str) -> None:
    lacking = missing(tuple(sorted(needs)))
    if not lacking:
        return
    packages = " ".join(dict.fromkeys(" ".join(lacking.values()).split()))
    message = (
        f"needs {', '.join(lacking)}: sudo apt-get install -y --no-install-recommends {packages}"
        " (or `make sysdeps` as root)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI installs every system package, yet this test {message}", pytrace=False)
    pytest.skip(message)
