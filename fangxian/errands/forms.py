"""What the pages send, turned into what requests.py takes: the rules themselves are there."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.lib.ids import FIRST_DAY, LAST_DAY

from . import requests
from .models import Errand


def needed_by(text: str | None) -> datetime.datetime:
    """A datetime-local field's value (2020-02-01T18:00), in the community's time zone."""
    try:
        moment = datetime.datetime.fromisoformat(str(text or "").strip())
    except ValueError:
        raise ValidationError(
            {"needed_by": [_("When is it needed? A date and a time, like 2020-02-01 18:00.")]}
        ) from None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise ValidationError({"needed_by": [_("When is it needed? A date and a time, like 2020-02-01 18:00.")]})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def default_needed_by() -> str:
    """Four hours from now, on the hour: what a caller most often means by "today"."""
    soon = timezone.localtime() + datetime.timedelta(hours=4)
    return soon.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


class DeliverForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("code the household reads out"), required=False, max_length=10)
    photo = forms.FileField(label=gettext_lazy("or a photo at the door"), required=False)
    advanced = forms.CharField(label=gettext_lazy("money advanced (yuan)"), required=False, max_length=20)

    def clean_advanced(self) -> int | None:
        text = self.cleaned_data.get("advanced")
        if not text:
            return None
        try:
            return requests.fen_from_yuan(text)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


KINDS = Errand.Kind.choices
URGENCIES = Errand.Urgency.choices
