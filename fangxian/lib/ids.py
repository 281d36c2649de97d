"""Row ids as people and programs type them."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # what a 64-bit database column holds


def as_id(text: str | None) -> int | None:
    """A positive whole number that fits a row id, typed in ASCII digits; anything else (empty,
    "abc", "²", "-1", twenty digits) is None, so a filter on it finds nothing instead of failing."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
