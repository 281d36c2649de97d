"""Exact quantities of supplies: counted things in pieces and packs, weights in grams.

Donations are written in whatever unit they came in (18,000 masks, 2,306 斤 of alcohol,
3 箱 of 20 thermometers), and the ledger must add them up to the last piece. So every
quantity is stored as a whole number of the item's smallest quantum (a piece, or a gram),
and an amount in another unit is accepted only when it converts exactly: half a 箱 of 20
is 10 pieces, a third of one is refused, as is 0.3 克.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

# Weights convert between themselves whatever the item: 1 斤 = 500 g, 1 公斤 = 1,000 g.
WEIGHTS: dict[str, int] = {"克": 1, "g": 1, "斤": 500, "公斤": 1000, "千克": 1000, "kg": 1000}
AMOUNT = re.compile(r"(\d{1,12})(?:\.(\d{1,6}))?|(\d{1,12})/(\d{1,6})")
MOST = 10**15  # more than any community's store could hold, less than a 64-bit column


class UnitError(ValueError):
    """`code` is one of: amount (not a number), unit (not this item's), inexact, zero, large."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def units_for(unit: str, pack_name: str = "", pack_size: int = 0) -> dict[str, int]:
    """The units an item may be counted in, each with its number of quanta.

    A weighed item (斤, kg …) is kept in grams and takes every weight; a counted one is kept
    in its own unit and, if it comes packed, in packs of `pack_size`."""
    if unit in WEIGHTS:
        return dict(WEIGHTS)
    units = {unit: 1}
    if pack_name and pack_size > 0:
        units[pack_name] = pack_size
    return units


def parse_amount(text: str) -> Fraction:
    """'3', '2.5', '1/2' (ASCII or full-width digits) as an exact fraction."""
    cleaned = text.strip().translate({ord("０") + i: ord("0") + i for i in range(10)}).replace("．", ".")
    cleaned = cleaned.replace(",", "").replace("，", "")
    match = AMOUNT.fullmatch(cleaned)
    if not match:
        raise UnitError("amount")
    if match.group(3) is not None:
        denominator = int(match.group(4))
        if denominator == 0:
            raise UnitError("amount")
        return Fraction(int(match.group(3)), denominator)
    try:
        return Fraction(Decimal(cleaned))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise UnitError("amount") from None


def to_quanta(amount: Fraction | int | str, unit: str, units: dict[str, int]) -> int:
    """The amount in `unit` as a whole number of quanta, or UnitError."""
    if unit not in units:
        raise UnitError("unit")
    value = parse_amount(amount) if isinstance(amount, str) else Fraction(amount)
    quanta = value * units[unit]
    if quanta.denominator != 1:
        raise UnitError("inexact")
    if quanta <= 0:
        raise UnitError("zero")
    if quanta > MOST:
        raise UnitError("large")
    return int(quanta)


def show(quanta: int, unit: str, units: dict[str, int]) -> str:
    """Quanta in the item's unit, exactly: '2306' 斤, '2.5' 斤 (1,250 g), '10.002' kg."""
    value = Fraction(quanta, units[unit])
    if value.denominator == 1:
        return str(value.numerator)
    # Every unit's size is 2ᵃ5ᵇ or a pack size; a decimal that does not end is written as a fraction.
    text = _terminating(value)
    return text if text is not None else f"{value.numerator}/{value.denominator}"


def _terminating(value: Fraction) -> str | None:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return None
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value.numerator) * 10**places // value.denominator, 10**places)
    return f"{sign}{whole}.{fraction:0{places}d}"
