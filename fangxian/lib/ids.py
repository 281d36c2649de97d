"""Row ids and days as people and programs type them in a page's address or form."""

from __future__ import annotations

import datetime

MAX_ID = 2**63 - 1  # what a 64-bit database column holds


def as_id(text: str | None) -> int | None:
    """A positive whole number that fits a row id, typed in ASCII digits; anything else (empty,
    "abc", "²", "-1", twenty digits) is None, so a filter on it finds nothing instead of failing."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


# The one calendar of pages and API (accounts.apikit.Day): a day outside it is no day anyone
# means, and at the edges of the calendar a day plus a time zone leaves it.
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)


def as_day(text: str | None) -> datetime.date | None:
    """A real day written YYYY-MM-DD between FIRST_DAY and LAST_DAY; anything else (empty,
    "2026-02-30", "9999-99-99", "0001-01-01") is None."""
    if not text or len(text) != 10 or not text.isascii():
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None
