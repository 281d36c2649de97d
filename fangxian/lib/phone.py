"""Phone numbers: mainland mobiles (11 digits, 1[3-9]…) and landlines with an area code."""

from __future__ import annotations

import re

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-\d{7,8}")
FULL_WIDTH_DIGITS = {ord("０") + i: ord("0") + i for i in range(10)}


class PhoneError(ValueError):
    """`code` is one of: length, characters, prefix."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalise(raw: str) -> str:
    text = raw.strip().replace(" ", "").replace("－", "-")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text.translate(FULL_WIDTH_DIGITS)


def parse(raw: str) -> str:
    number = normalise(raw)
    if MOBILE.fullmatch(number) or LANDLINE.fullmatch(number):
        return number
    digits = number.replace("-", "")
    if not (digits.isascii() and digits.isdigit()):
        raise PhoneError("characters")
    if digits.startswith("1") and len(digits) != 11:
        raise PhoneError("length")
    if digits.startswith("0"):
        raise PhoneError("length")
    raise PhoneError("prefix")
