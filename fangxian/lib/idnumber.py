"""Mainland resident ID numbers (GB 11643-1999): 6-digit region, 8-digit birth date,
3-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character.

Django-free so it can be read and fuzzed alone. Errors are codes; callers translate them.
"""

from __future__ import annotations

import datetime
import operator
from dataclasses import dataclass

WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"
# First two digits: provinces and regions in use (GB/T 2260), so typos in the region are caught.
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
EARLIEST_BIRTH = datetime.date(1890, 1, 1)


class IdNumberError(ValueError):
    """`code` is one of: length, characters, region, birth_date, future_birth, check_digit."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class MainlandId:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F"


def check_char(first17: str) -> str:
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))  # no Python call per digit: imports check 100,000
    return CHECK_CHARS[total % 11]


FULL_WIDTH = {ord("０") + i: ord("0") + i for i in range(10)} | {ord("Ｘ"): ord("X")}


def normalise(raw: str) -> str:
    # Spreadsheets hand us lower-case x, spaces and full-width digits.
    text = raw.strip().replace(" ", "").upper()
    return text.translate(FULL_WIDTH)


def parse(raw: str, today: datetime.date) -> MainlandId:
    """`today` is the community's day (timezone.localdate()), not the server's."""
    number = normalise(raw)
    if len(number) != 18:
        raise IdNumberError("length")
    if not (number[:17].isascii() and number[:17].isdigit()) or number[17] not in "0123456789X":
        raise IdNumberError("characters")
    if number[:2] not in PROVINCES:
        raise IdNumberError("region")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("birth_date") from None
    if birth < EARLIEST_BIRTH:
        raise IdNumberError("birth_date")
    if birth > today:
        raise IdNumberError("future_birth")
    if check_char(number[:17]) != number[17]:
        raise IdNumberError("check_digit")
    return MainlandId(number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F")


def make(region: str, birth: datetime.date, sequence: int, sex: str) -> str:
    """Builds a valid number; the demo and tests use it to make plausible residents."""
    seq = sequence % 500 * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)
