"""Body temperatures as the gate, the health reports and the census take them."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

RANGE = (Decimal("34.0"), Decimal("43.0"))
COMMON = ["36.2", "36.4", "36.5", "36.6", "36.8", "37.0"]  # one tap each on the gate and report pages


def clean_temperature(value) -> Decimal | None:
    """As people type it on a phone: "36,6" (a keypad's decimal comma), "３６．６" (full width)
    and "36。6" are 36.6. 3.66 and 366 are slips, refused rather than guessed."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip().replace(",", ".").replace("。", ".")
        value = re.sub(r"\s*(°C|℃|°|度)$", "", value)  # "36.6度", "36.6 ℃": the unit as people write it
    try:
        temperature = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValueError(out_of_range()) from None
    if not temperature.is_finite() or not RANGE[0] <= temperature <= RANGE[1]:
        raise ValueError(out_of_range())
    return temperature


def device_rule() -> dict:
    """The range as a page checks a typed temperature before keeping it (offline/rules.js reads
    it as clean_temperature does), with the same words."""
    return {"temperature": [float(RANGE[0]), float(RANGE[1]), out_of_range()]}


def out_of_range() -> str:
    return _("A temperature is between 34.0 and 43.0 °C, like 36.6.")


def is_fever(temperature: Decimal | None) -> bool:
    return temperature is not None and temperature * 10 >= settings.FEVER_AT_TENTHS
