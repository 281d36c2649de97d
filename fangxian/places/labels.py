"""Building numbers, rooms, codes and place names as the registry compares and stores them
(lib.text.as_label), for the pages' forms, the API and the import alike."""

from __future__ import annotations

from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator

from fangxian.lib.text import as_label


def label_words(code: str) -> str:
    if code == "breaks":
        return _("A line break or tab cannot be part of a number, code or name: type it on one line.")
    return _("Only spaces: type the number, code or name.")


def form_label(value: str) -> str:
    """For forms and the import: ValidationError in the user's words."""
    try:
        return as_label(value)
    except ValueError as exc:
        raise ValidationError(label_words(str(exc))) from None


def api_label(value: str) -> str:
    try:
        return as_label(value)
    except ValueError as exc:
        raise ValueError(label_words(str(exc))) from None


# "１０１" and "101 " are the room 101.
Label = Annotated[str, AfterValidator(api_label)]
