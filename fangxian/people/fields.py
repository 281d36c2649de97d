"""Turning what people type or paste into clean resident values, with errors in their language.

Forms, the spreadsheet import and the API all call these, so a bad ID number reads the same
everywhere."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.lib import idnumber, phone

from .models import Resident, Tag

ID_MESSAGES = {
    "length": lambda: _("A resident ID number has 18 characters."),
    "characters": lambda: _("A resident ID number is 17 digits and a last digit or X."),
    "region": lambda: _("The first two digits of this ID number are not a province code."),
    "birth_date": lambda: _("The birth date inside this ID number (digits 7 to 14) is not a real date."),
    "future_birth": lambda: _("The birth date inside this ID number is in the future."),
    "check_digit": lambda: _("The last character (the check digit) of this ID number is wrong: look for a typo."),
}
PHONE_MESSAGES = {
    "length": lambda: _("A mobile number has 11 digits."),
    "characters": lambda: _("A phone number has only digits (and a dash after a landline's area code)."),
    "prefix": lambda: _("Not a mainland mobile (1…, 11 digits) or a landline with its area code (010-…)."),
}


def clean_id(
    id_type: str, raw: str, sex: str | None = None, today: datetime.date | None = None
) -> tuple[str, datetime.date | None, str | None]:
    """Returns (number, birth date, sex); mainland numbers carry the last two themselves."""
    raw = raw.strip()
    if not raw:
        raise ValidationError(_("The ID number is required."))
    if id_type != Resident.IdType.MAINLAND:
        if len(raw) > 40:
            raise ValidationError(_("An ID number has at most 40 characters."))
        return raw.upper(), None, None
    try:
        parsed = idnumber.parse(raw, today=today or timezone.localdate())
    except idnumber.IdNumberError as exc:
        raise ValidationError(ID_MESSAGES[exc.code]()) from None
    if sex and sex != parsed.sex:
        raise ValidationError(_("The sex does not match the ID number (its 17th digit)."))
    return parsed.number, parsed.birth_date, parsed.sex


def clean_phone(raw: str) -> str:
    raw = raw.strip()
    if not raw:
        return ""
    try:
        return phone.parse(raw)
    except phone.PhoneError as exc:
        raise ValidationError(PHONE_MESSAGES[exc.code]()) from None


def clean_date(raw: str, label: str, today: datetime.date | None = None) -> datetime.date | None:
    raw = raw.strip().replace("/", "-").replace(".", "-")
    if not raw:
        return None
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S"):
        try:
            value = datetime.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 (a date: no zone to lose)
            break
        except ValueError:
            continue
    else:
        raise ValidationError(_("%(field)s is not a date like 1990-01-31.") % {"field": label})
    if value > (today or timezone.localdate()):
        raise ValidationError(_("%(field)s is in the future.") % {"field": label})
    return value


def choice_lookup(choices: type) -> dict[str, str]:
    """Accepts the stored value, the English label or the Chinese label, in any case."""
    from django.utils import translation

    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[value.lower()] = value
        for lang in ("en", "zh-hans"):
            with translation.override(lang):
                table[str(label).lower()] = value
    return table


def quoted(raw: str, limit: int = 30) -> str:
    """What was typed, cut short: an error is kept for each of up to 200,000 rows."""
    return raw if len(raw) <= limit else raw[: limit - 1] + "…"


EXTRA_SEX_WORDS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}


def clean_choice(table: dict[str, str], raw: str, label: str, default: str | None = None) -> str:
    key = raw.strip().lower()
    if not key:
        if default is None:
            raise ValidationError(_("%(field)s is required.") % {"field": label})
        return default
    if key not in table:
        raise ValidationError(
            _("%(field)s: %(value)s is not one of the allowed values.") % {"field": label, "value": quoted(raw)}
        )
    return table[key]


TAG_SEPARATORS = str.maketrans(dict.fromkeys("、，;；/| ", ","))


def clean_tags(raw: str, table: dict[str, str]) -> list[str]:
    tags = []
    for word in raw.translate(TAG_SEPARATORS).split(","):
        if not word:
            continue
        if word.lower() not in table:
            raise ValidationError(_("Unknown tag: %(tag)s.") % {"tag": quoted(word)})
        tags.append(table[word.lower()])
    return tags


def tag_table() -> dict[str, str]:
    return choice_lookup(Tag)
