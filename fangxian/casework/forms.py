"""What the case pages send, read into what cases.py and handling.py take: the rules are there."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.lib.ids import as_id
from fangxian.places.models import Street

from .cases import GROUPS, STREET_HELD
from .models import Case, Category, Step

A = Step.Action
# What a person takes down at the office; Open311 requests arrive only through Open311.
TAKEN_AT_THE_OFFICE = [s for s in Case.Source if s != Case.Source.OPEN311]
NEW_FIELDS = (
    "source",
    "category",
    "community",
    "building",
    "entrance",
    "room",
    "business",
    "address",
    "what",
    "reporter_name",
    "reporter_phone",
    "hotline_number",
)


def state_filters() -> list[tuple[str, str]]:
    return [
        ("", _("every state")),
        ("open", _("open")),
        ("to_call_back", _("to call back")),
        *Case.State.choices,
    ]


def page_sources() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in TAKEN_AT_THE_OFFICE]


def list_filters(data: Mapping[str, str]) -> dict:
    """The list's filters as typed in its address; anything unknown is no filter."""
    state = data.get("state", "")
    if state not in GROUPS and state not in Case.State.values:
        state = ""
    source = data.get("source", "")
    community = data.get("community", "")
    return {
        "state": state,
        "category": data.get("category", "")[:40],
        "source": source if source in Case.Source.values else "",
        "overdue": data.get("overdue") == "1",
        "mine": data.get("mine") == "1",
        "community": community if community == STREET_HELD else (as_id(community) or ""),
    }


def new_values(data: Mapping[str, str]) -> dict[str, str]:
    values = {key: str(data.get(key, "") or "").strip() for key in NEW_FIELDS}
    values["source"] = values["source"] or Case.Source.PHONE
    return values


def where(values: Mapping[str, str], streets: list[Street]) -> dict:
    """The place fields as cases.place takes them. The community select offers the street
    itself (street-<id>) for a case no community owns yet."""
    community = values["community"]
    street_id = None
    if community.startswith("street-"):
        street_id = as_id(community.removeprefix("street-"))
        if street_id is None:
            raise ValidationError({"community": _("Choose the community the case belongs to.")})
        community = ""
    elif not community and len(streets) != 1:
        raise ValidationError({"community": _("Choose the community the case belongs to.")})
    entrance = as_id(values["entrance"]) or 1
    return {
        "street_id": street_id,
        "community_id": as_id(community),
        "building_id": as_id(values["building"]),
        "business_id": as_id(values["business"]),
        "entrance": entrance,
        "room": values["room"][:20],
    }


def category(code: str) -> Category:
    found = Category.objects.filter(code=code[:40], active=True).first()
    if found is None:
        raise ValidationError({"category": _("Choose the category.")})
    return found


def source(value: str) -> str:
    if value not in TAKEN_AT_THE_OFFICE:
        raise ValidationError({"source": _("Not a source of cases.")})
    return value


def deadlines_said(case: Case) -> dict[str, str]:
    return {
        "respond": timezone.localtime(case.respond_by).strftime("%m-%d %H:%M"),
        "resolve": timezone.localtime(case.resolve_by).strftime("%m-%d %H:%M"),
    }


# Which form of the case page holds each step (resolve, unfounded and pass share one).
FORMS = {A.RESOLVE: "handle", A.UNFOUNDED: "handle", A.PASS: "handle"}


def form_of(action: str) -> str:
    return FORMS.get(action, action)


def done_words(action: str) -> str:
    words = {
        A.ASSIGN: _("Assigned."),
        A.VISIT: _("On-site notes kept."),
        A.RESOLVE: _("Resolved: now call the reporter back."),
        A.UNFOUNDED: _("Found unfounded: now call the reporter back."),
        A.PASS: _("Passed to the department: call the reporter back when it is done."),
        A.CALLBACK: _("Callback recorded."),
        A.CLOSE: _("Closed."),
        A.REOPEN: _("Reopened."),
        A.NOTE: _("Note kept."),
    }
    return words.get(action, _("Done."))
