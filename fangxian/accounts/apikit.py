"""What every API router shares: bearer-token auth, the one way to answer an error, and the
types that keep what a client sends inside what the databases can hold."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, NoReturn

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination
from ninja.security import HttpBearer
from pydantic import AfterValidator, field_validator

from fangxian.lib.ids import MAX_ID

from .guards import unreadable
from .models import AccessVersion, ApiToken, token_digest

# A row id as both databases store it (64-bit): a larger number is refused with 422 at the
# door instead of overflowing inside SQLite or PostgreSQL.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Dates and times people and phones send: a real calendar range, so that arithmetic on them
# (an observation's end, a time-zone shift) cannot fall off the calendar.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2099, 12, 31)


def calendar_day(value: datetime.date) -> datetime.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(_("A date between %(first)s and %(last)s.") % {"first": EARLIEST, "last": LATEST})
    return value


def calendar_moment(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(_("The time needs its time zone, like 2020-02-01T08:00:00+08:00."))
    calendar_day(value.date())
    return value


Day = Annotated[datetime.date, AfterValidator(calendar_day)]
Moment = Annotated[datetime.datetime, AfterValidator(calendar_moment)]


class Page(LimitOffsetPagination):
    """Every list pages by limit and offset, bounded so that no number overflows a query."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10_000_000)


class Input(Schema):
    """Every input the API takes: text that no database can store (a NUL character, broken
    Unicode) or that hides what it says (an invisible character), anywhere inside a field,
    refuses the item with 422 naming the field. A batch validates each of its items on its
    own, so such an item costs only itself."""

    @field_validator("*")
    @classmethod
    def storable_text(cls, value: Any) -> Any:
        why = unreadable(value)  # nested Inputs have checked themselves
        if why:
            raise ValueError(why)
        return value


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
