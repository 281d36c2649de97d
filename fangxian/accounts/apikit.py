"""What every API router shares: bearer-token auth, the one way to answer an error, and the
types that keep what a client sends inside what the databases can hold."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Annotated, Any, NoReturn, TypeVar

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination
from ninja.schema import DjangoGetter
from ninja.security import HttpBearer
from pydantic import AfterValidator, BeforeValidator, ConfigDict, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from fangxian.lib.ids import FIRST_DAY, LAST_DAY, MAX_ID

from .guards import unreadable
from .models import AccessVersion, ApiToken, token_digest


def not_true_or_false(value: Any) -> Any:
    # pydantic reads JSON's true as 1 and false as 0 ({"dwelling_id": true} moved a resident to
    # dwelling 1): an id, a count or a number of days comes as a number, or is refused.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "not a whole number")  # told in our words by WORDS
    return value


# Every whole number the API takes: JSON's true and false are not numbers. (Bounds go before
# the validator, as in Id: after it, the OpenAPI would show them as "ge"/"le", unknown there.)
NOT_TRUE_OR_FALSE = BeforeValidator(not_true_or_false)
Whole = Annotated[int, NOT_TRUE_OR_FALSE]
# A row id as both databases store it (64-bit): a larger number is refused with 422 at the
# door instead of overflowing inside SQLite or PostgreSQL.
Id = Annotated[int, Field(ge=1, le=MAX_ID), NOT_TRUE_OR_FALSE]
# Dates and times people and phones send: within the calendar of lib.ids (the pages' too), so
# that arithmetic on them (an observation's end, a time-zone shift) cannot fall off it.


def calendar_day(value: datetime.date) -> datetime.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(_("A date between %(first)s and %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY})
    return value


def calendar_moment(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(_("The time needs its time zone, like 2020-02-01T08:00:00+08:00."))
    calendar_day(value.date())
    return value


def written(kind: str) -> Callable[[Any], Any]:
    # pydantic reads a number as seconds since 1970 ({"opens_at": -1} opened a round on
    # 1969-12-31): a day or a time comes written out, as ISO 8601, or is refused.
    def check(value: Any) -> Any:
        if isinstance(value, (int, float)):
            raise PydanticCustomError(f"{kind}_type", "not written out")  # told in our words by WORDS
        return value

    return check


Day = Annotated[datetime.date, BeforeValidator(written("date")), AfterValidator(calendar_day)]
Moment = Annotated[datetime.datetime, BeforeValidator(written("datetime")), AfterValidator(calendar_moment)]


class Page(LimitOffsetPagination):
    """Every list pages by limit and offset, bounded so that no number overflows a query."""

    class Input(Schema):
        limit: Whole = Field(100, ge=1, le=500)
        offset: Whole = Field(0, ge=0, le=10_000_000)


class Input(Schema):
    """Every input the API takes: an object (anything else is refused as not one) in which
    text that no database can store (a NUL character, broken Unicode) or that hides what it
    says (an invisible character), anywhere inside a field, refuses the item with 422 naming
    the field. A batch validates each of its items on its own, so such an item costs only
    itself."""

    @model_validator(mode="before")
    @classmethod
    def an_object(cls, value: Any) -> Any:
        # A Schema reads anything through its attributes (ninja hands it over wrapped in a
        # DjangoGetter): 5, null or [] would be an object lacking every field. An input comes
        # from JSON, and is an object or is refused as not one.
        if not isinstance(value._obj if isinstance(value, DjangoGetter) else value, dict):
            raise ValueError(an_object())
        return value

    @field_validator("*")
    @classmethod
    def storable_text(cls, value: Any) -> Any:
        why = unreadable(value)  # nested Inputs have checked themselves
        if why:
            raise ValueError(why)
        return value


def as_typed(value: Any) -> Any:
    # Phones type full-width digits and stray spaces; the stored text is the plain one.
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


# A phone number as a visitor or a courier gives it: a courier's is often a relay number with
# an extension (170 1234 5678-1234, 转1234). Pages check it with this same pattern.
PHONE_PATTERN = r"^[0-9+\-# 转]*$"
Phone = Annotated[str, Field(max_length=20, pattern=PHONE_PATTERN), BeforeValidator(as_typed)]
PATTERN_WORDS: dict[str, Callable[[], str]] = {
    PHONE_PATTERN: lambda: _("A phone number: digits, with + - # if need be."),
}


def expected_values(ctx: dict) -> str:
    # pydantic lists them in English ("'a', 'b' or 'c'"); the values themselves are ours.
    return ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))


def an_object() -> str:
    return _('An object, like {"name": "…"}.')


def kinds(names: str, words: Callable[[dict], str]) -> dict[str, Callable[[dict], str]]:
    return dict.fromkeys(names.split(), words)


# What is wrong, by pydantic's error type, in the user's language: pydantic's own wording is
# English and names its internals. Our own ValueErrors (value_error) are told as they are.
WORDS: dict[str, Callable[[dict], str]] = {
    "missing": lambda ctx: _("Required."),
    "extra_forbidden": lambda ctx: _("Not a field this takes."),
    **kinds("int_type int_parsing int_parsing_size int_from_float", lambda ctx: _("A whole number, like 3.")),
    **kinds(
        "float_type float_parsing decimal_type decimal_parsing finite_number decimal_max_digits "
        "decimal_max_places decimal_whole_digits",
        lambda ctx: _("A number, like 36.6."),
    ),
    **kinds("bool_type bool_parsing", lambda ctx: _("true or false.")),
    **kinds("string_type string_sub_type string_unicode", lambda ctx: _("A text, in quotes.")),
    **kinds("list_type tuple_type set_type frozen_set_type iterable_type", lambda ctx: _("A list, like [1, 2].")),
    **kinds("dict_type model_type model_attributes_type dataclass_type", lambda ctx: an_object()),
    **kinds("uuid_type uuid_parsing uuid_version", lambda ctx: _("A UUID, like 123e4567-e89b-42d3-a456-426614174000.")),
    **kinds(
        "date_type date_parsing date_from_datetime_parsing date_from_datetime_inexact",
        lambda ctx: _("A date, like 2020-02-01."),
    ),
    **kinds(
        "datetime_type datetime_parsing datetime_from_date_parsing datetime_object_invalid timezone_aware",
        lambda ctx: _("A date and time with its time zone, like 2020-02-01T08:00:00+08:00."),
    ),
    "greater_than_equal": lambda ctx: _("At least %(limit)s.") % {"limit": ctx["ge"]},
    "greater_than": lambda ctx: _("More than %(limit)s.") % {"limit": ctx["gt"]},
    "less_than_equal": lambda ctx: _("At most %(limit)s.") % {"limit": ctx["le"]},
    "less_than": lambda ctx: _("Less than %(limit)s.") % {"limit": ctx["lt"]},
    "string_too_short": lambda ctx: (
        _("Cannot be empty.") if ctx["min_length"] == 1 else _("At least %(n)s characters.") % {"n": ctx["min_length"]}
    ),
    "string_too_long": lambda ctx: _("At most %(n)s characters.") % {"n": ctx["max_length"]},
    "string_pattern_mismatch": lambda ctx: PATTERN_WORDS.get(ctx.get("pattern", ""), lambda: "")(),
    "too_short": lambda ctx: _("At least %(n)s items.") % {"n": ctx["min_length"]},
    "too_long": lambda ctx: _("At most %(n)s items.") % {"n": ctx["max_length"]},
    **kinds("enum literal_error", lambda ctx: _("One of: %(values)s.") % {"values": expected_values(ctx)}),
    **kinds("value_error assertion_error", lambda ctx: str(ctx.get("error", ""))),
}


def field_errors(errors: Iterable[dict]) -> dict[str, list[str]]:
    """pydantic's errors as {field: [what is wrong]} in the user's language, fields named as the
    client sends them (`patterns.2.start`); what is wrong with an item as a whole is `__all__`."""
    detail: dict[str, list[str]] = {}
    for e in errors:
        words = WORDS.get(e["type"])
        message = (words(e.get("ctx", {})) if words else "") or _("Not a value this takes.")
        messages = detail.setdefault(".".join(str(part) for part in e["loc"]) or "__all__", [])
        if message not in messages:
            messages.append(message)
    return detail


def device_rules(schema: type[Schema], **special: dict) -> dict[str, dict]:
    """The limits of an input as a page checks them before it keeps an entry, each with the
    words the server answers when it is broken, so that a phone refuses at once, offline too,
    what the server would refuse at sync: {field: {"maxLength": [50, "At most 50
    characters."], …}}. `special` adds rules a JSON schema cannot say (a temperature's range
    as people type it, one field or another)."""
    described = schema.model_json_schema()
    rules: dict[str, dict] = {}
    for name, prop in described["properties"].items():
        rule: dict = {}
        for part in prop.get("anyOf", [prop]):
            for key, kind, limit in (
                ("minLength", "string_too_short", "min_length"),
                ("maxLength", "string_too_long", "max_length"),
            ):
                if key in part:
                    rule[key] = [part[key], WORDS[kind]({limit: part[key]})]
            if "pattern" in part:
                rule["pattern"] = [part["pattern"], WORDS["string_pattern_mismatch"]({"pattern": part["pattern"]})]
        rule.update(special.get(name, {}))
        if rule:
            rules[name] = rule
    rules.update({name: rule for name, rule in special.items() if name not in described["properties"]})
    return rules


class Refused(Exception):
    """One item of a batch that cannot be taken; `errors` says why, keyed by field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


S = TypeVar("S", bound="Input")


def batch_item(schema: type[S], raw: Any) -> S:
    """One item of a batch checked on its own, or Refused."""
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        raise Refused(field_errors(exc.errors())) from None


def not_null(value: Any) -> Any:
    if value is None:
        raise ValueError(_("Cannot be null: leave it out to keep what is stored."))
    return value


NotNull = BeforeValidator(not_null)


class Patch(Input):
    """A change to a record: only the fields sent change, a field that is not one of these is
    refused, and so is a null where the record cannot be without the value. Such a field is
    declared `Annotated[type, NotNull] = None`: left out it is unset (unchanged); sent as null
    it is refused. A field whose model stores null takes `type | None`, null meaning none."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    """Every refusal: `detail` says why in the caller's language (a dict of field errors for 422)."""

    detail: str | dict | list


def answers(ok: dict, *refusals: int) -> dict:
    """An operation's responses: its successes, and the refusals it gives besides those every
    operation documents (fangxian/api.py: 400, 401, 403 for changes, 404 for paths, 422)."""
    return {**ok, **dict.fromkeys(refusals, ErrorOut)}


TOUCH_EVERY = timezone.timedelta(minutes=5)


def error(message: str, status: int = 400) -> NoReturn:
    """Answers {"detail": message} with the status; messages are in the caller's language."""
    raise HttpError(status, message)


TOKEN_SQL: dict[str, str] = {}


def token_query() -> str:
    """The token, its account and the access version in one statement, built once per
    process: a gate phone sends its token with every scan."""
    if connection.vendor not in TOKEN_SQL:
        q = connection.ops.quote_name
        TOKEN_SQL[connection.vendor] = (
            f"SELECT t.{q('id')}, t.{q('user_id')}, t.{q('last_used_at')} IS NULL OR t.{q('last_used_at')} < %s, "
            f"COALESCE((SELECT {q('version')} FROM {q(AccessVersion._meta.db_table)} WHERE {q('id')} = 1), 0) "
            f"FROM {q(ApiToken._meta.db_table)} t JOIN {q(get_user_model()._meta.db_table)} u ON u.{q('id')} = t.{q('user_id')} "
            f"WHERE t.{q('digest')} = %s AND t.{q('expires_at')} > %s AND u.{q('is_active')}"
        )
    return TOKEN_SQL[connection.vendor]


class BearerAuth(HttpBearer):
    """Every request checks its token against the database (a revoked token or a switched-off
    account stops at once); the account itself, with its roles, is kept per worker for as long
    as the access version has not moved."""

    users: dict[int, tuple[int, object]] = {}

    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        now = timezone.now()
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(token_query(), [adapt(now - TOUCH_EVERY), token_digest(token), adapt(now)])
            row = cursor.fetchone()
        if row is None:
            return None
        token_id, user_id, stale, version = row
        # Writing on every request would make each scan a write; once in a while is enough to audit use.
        if stale:
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        cached = self.users.get(user_id)
        if cached is None or cached[0] != version:
            cached = (version, get_user_model().objects.get(pk=user_id))
            self.users[user_id] = cached
        request.user = cached[1]
        request.access_version = version
        return request.user


def access_version(request) -> int:
    """The access version this request was authenticated under (read once per request)."""
    if not hasattr(request, "access_version"):
        request.access_version = AccessVersion.current()
    return request.access_version


def not_found() -> NoReturn:
    error(_("Not found, or not yours to see."), 404)
