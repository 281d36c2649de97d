"""What the rules modules share when they read a form or a JSON body as one dict: errors kept
by field (all of them told at once), a checkbox, and text bounded in length."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class Errors(dict[str, list[str]]):
    def add(self, key: str, message: str) -> None:
        self.setdefault(key, []).append(message)

    def raise_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def flag(value: Any) -> bool:
    return value is True or value in ("on", "true", "1")


def text(data: Mapping[str, Any], key: str, limit: int, errors: Errors) -> str:
    value = str(data.get(key) or "").strip()
    if len(value) > limit:
        errors.add(key, _("At most %(n)s characters.") % {"n": limit})
    return value


def required(data: Mapping[str, Any], key: str, limit: int, missing: str, errors: Errors) -> str:
    value = text(data, key, limit, errors)
    if not value:
        errors.add(key, missing)
    return value
