"""Money as people type it and as it is stored: yuan with at most two places in, whole fen
kept (never a float). No Django here: the errands' rules turn a ValueError into their words."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation


def fen_from_yuan(text: str | int | None, most: int) -> int:
    """ "12.5", "12.50", "¥12.5", "12.5元" or full-width "１２.５" → 1250; "" → 0. Refused
    (ValueError): more than two places, a negative, not a finite number, more than `most` fen."""
    value = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    value = value.removeprefix("¥").removesuffix("元").strip() or "0"
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError("not an amount") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError("not an amount")
    # Compared before anything is computed: quantizing "1e99" or multiplying "1e999999" overflows.
    if amount.adjusted() > len(str(most)) or amount * 100 > most:
        raise ValueError("too much")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError("not an amount")
    return int(fen)


def yuan(fen: int) -> str:
    """1250 → "12.50"."""
    return f"{Decimal(fen) / 100:.2f}"
