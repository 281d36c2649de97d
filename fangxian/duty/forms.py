"""The one set of rules for what a coordinator sends about people on duty, posts and rosters.

The pages turn their forms into the same shape the API receives (`person_data`, `post_data`,
`roster_data`); `clean_person`, `clean_post` and `clean_roster` check it and return model
values, or raise a ValidationError keyed by field with every problem at once, in the user's
language. The API answers those as 422; the pages show them."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.accounts.fields import Errors, flag, required, text
from fangxian.lib.ids import FIRST_DAY, LAST_DAY, as_day

from .models import Person, Post

MAX_DAYS = 31
MAX_PATTERNS = 24  # a shift starting at every hour of the day
MAX_HOURS_WEEK = 84
MAX_PROJECT_PEOPLE = 10_000
# The page's choice of shifts: start hour and length of each.
PRESETS = {"6x4": [(h, 4) for h in range(0, 24, 4)], "day": [(8, 4), (12, 4), (16, 4)], "2x12": [(8, 12), (20, 12)]}
TEXTS = {"phone": 20, "sending_unit": 100, "skills": 200, "languages": 100, "team": 100}


def whole(value: Any, low: int, high: int) -> int | None:
    """A whole number within bounds, from a form's text or JSON; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.lstrip("-").isdigit() or len(value) > 6:
            return None
        value = int(value)
    return value if isinstance(value, int) and low <= value <= high else None


def choice(data: Mapping[str, Any], key: str, allowed: list[str], default: str, errors: Errors) -> str:
    value = data.get(key) or default
    if value not in allowed:
        errors.add(key, _("Not one of the allowed values."))
    return str(value)


def clean_bands(raw: Any, key: str, errors: Errors) -> dict[str, list[int]]:
    """{weekday: [bands]}: weekdays 0-6 (Monday 0), bands 0-5 (four hours each from midnight)."""
    cleaned: dict[str, list[int]] = {}
    if not isinstance(raw, Mapping):
        raw = {}
        errors.add(
            key, _("Availability is weekdays 0-6 (Monday 0), each with bands 0-5 (four hours each from midnight).")
        )
    for day, values in raw.items():
        bands = [whole(b, 0, 5) for b in (values if isinstance(values, list) else [values])]
        if whole(day, 0, 6) is None or None in bands:
            errors.add(
                key, _("Availability is weekdays 0-6 (Monday 0), each with bands 0-5 (four hours each from midnight).")
            )
            continue
        if bands:
            cleaned[str(whole(day, 0, 6))] = sorted({b for b in bands if b is not None})
    return cleaned


def clean_person(data: Mapping[str, Any]) -> dict[str, Any]:
    """A person signed up for the roster: the model's values, plus `team` (a name) and `leader`."""
    errors = Errors()
    values: dict[str, Any] = {
        "name": required(data, "name", 50, _("The name is required."), errors),
        **{key: text(data, key, limit, errors) for key, limit in TEXTS.items()},
    }
    values["kind"] = choice(data, "kind", Person.Kind.values, Person.Kind.VOLUNTEER, errors)
    values["level"] = choice(data, "level", Person.Level.values, "", errors)
    values["birth_year"] = None
    if data.get("birth_year") not in (None, ""):
        this_year = timezone.localdate().year
        values["birth_year"] = whole(data["birth_year"], 1900, this_year)
        if values["birth_year"] is None:
            errors.add("birth_year", _("A year of birth between 1900 and %(year)s.") % {"year": this_year})
    hours = data.get("max_hours_week")
    values["max_hours_week"] = 40 if hours in (None, "") else whole(hours, 1, MAX_HOURS_WEEK)
    if values["max_hours_week"] is None:
        errors.add("max_hours_week", _("Hours a week: a whole number from 1 to %(n)s.") % {"n": MAX_HOURS_WEEK})
    values["availability"] = clean_bands(data.get("availability") or {}, "availability", errors)
    values["preferred"] = clean_bands(data.get("preferred") or {}, "preferred", errors)
    values["is_new"] = flag(data.get("is_new", True))
    values["leader"] = flag(data.get("leader", False))
    if values["leader"] and not values["team"]:
        errors.add("leader", _("Name the team this person leads."))
    errors.raise_any()
    return values


def person_data(post: QueryDict) -> dict[str, Any]:
    """The sign-up form, as the API would send it."""
    data: dict[str, Any] = {
        key: post.get(key, "") for key in ("name", "kind", "level", "birth_year", "max_hours_week", *TEXTS)
    }
    data["availability"] = {str(day): post.getlist(f"day{day}") for day in range(7) if post.getlist(f"day{day}")}
    data["is_new"], data["leader"] = post.get("is_new") == "on", post.get("leader") == "on"
    return data


def clean_post(data: Mapping[str, Any]) -> dict[str, Any]:
    """A post and its daily shifts, at most 24 and none listed twice: each starts at 0-23,
    lasts 1-24 hours, for 1-50 people."""
    errors = Errors()
    name = required(data, "name", 100, _("A post needs a name."), errors)
    kind = choice(data, "kind", Post.Kind.values, Post.Kind.GATE, errors)
    patterns = []
    raw = data.get("patterns")
    if not isinstance(raw, list) or not raw:
        errors.add("patterns", _("A post needs at least one shift."))
        raw = []
    elif len(raw) > MAX_PATTERNS:
        # Each pattern is a shift on every day of a roster: 10,000 of them made 10,010 shifts a day.
        errors.add("patterns", _("A post has at most %(n)s shifts a day.") % {"n": MAX_PATTERNS})
        raw = []
    for item in raw:
        item = item if isinstance(item, Mapping) else {}
        pattern = {
            "start": whole(item.get("start"), 0, 23),
            "hours": whole(item.get("hours"), 1, 24),
            "headcount": whole(item.get("headcount", 2), 1, 50),
        }
        if None in pattern.values():
            errors.add("patterns", _("A shift starts at 0-23 and lasts 1-24 hours, for 1-50 people."))
            continue
        patterns.append(
            pattern
            | {need: flag(item.get(need, False)) for need in ("needs_health", "adults_only", "needs_experienced")}
        )
    if len({tuple(sorted(p.items())) for p in patterns}) < len(patterns):
        errors.add("patterns", _("The same shift is listed twice: ask for more people in one instead."))
    errors.raise_any()
    return {"name": name, "kind": kind, "patterns": patterns}


def post_data(post: QueryDict) -> dict[str, Any]:
    """The page's form, as the API would send it: a preset or one shift; a health worker asked
    for by day only and adults only at night, as the checkboxes say."""
    hours = PRESETS.get(post.get("preset", ""))
    shifts: list[tuple[Any, Any]] = list(hours) if hours else [(post.get("start", ""), post.get("hours", ""))]
    patterns = []
    for start, length in shifts:
        hour = whole(start, 0, 23)
        patterns.append(
            {
                "start": start,
                "hours": length,
                "headcount": post.get("headcount") or 2,
                "needs_health": post.get("needs_health") == "on" and hour is not None and 8 <= hour < 20,
                "adults_only": post.get("adults_only") == "on" and hour is not None and (hour < 8 or hour >= 20),
                "needs_experienced": post.get("needs_experienced") == "on",
            }
        )
    return {"name": post.get("name", ""), "kind": post.get("kind", ""), "patterns": patterns}


def clean_roster(data: Mapping[str, Any]) -> dict[str, Any]:
    """A roster's first day and how many days it covers."""
    errors = Errors()
    starts_on = data.get("starts_on")
    if not isinstance(starts_on, datetime.date):
        starts_on = as_day(str(starts_on or ""))
    if starts_on is None or not FIRST_DAY <= starts_on <= LAST_DAY:
        errors.add("starts_on", _("The start is not a date."))
    # Left empty on the page: a week. A 0 is a value out of range like any other.
    days = 7 if data.get("days") in (None, "") else whole(data["days"], 1, MAX_DAYS)
    if days is None:
        errors.add("days", _("A roster covers 1 to %(n)s days.") % {"n": MAX_DAYS})
    errors.raise_any()
    return {"starts_on": starts_on, "days": days}


def people_needed(raw: Any) -> int:
    """How many people a volunteer project needs, as typed: empty means one; 0, a word or more
    than MAX_PROJECT_PEOPLE is refused (ValueError), never read as one."""
    needed = 1 if raw in (None, "") else whole(raw, 1, MAX_PROJECT_PEOPLE)
    if needed is None:
        raise ValueError(raw)
    return needed


def roster_data(post: QueryDict) -> dict[str, Any]:
    return {"starts_on": post.get("starts_on", ""), "days": post.get("days", "")}
