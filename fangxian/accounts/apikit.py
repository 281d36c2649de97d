"""What every API router shares: bearer-token auth, the one way to answer an error, and the
types that keep what a client sends inside what the databases can hold."""

from __future__ import annotations

import datetime
import time
from typing import Annotated, NoReturn

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination
from ninja.security import HttpBearer
from pydantic import AfterValidator

# A row id as both databases store it (64-bit): a larger number is refused with 422 at the
# door instead of overflowing inside SQLite or PostgreSQL.
MAX_ID = 2**63 - 1
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


class ErrorOut(Schema):
    """Every refusal: `detail` says why in the caller's language (a dict of field errors for 422)."""

    detail: str | dict | list

from .models import ApiToken, token_digest

TOUCH_EVERY = timezone.timedelta(minutes=5)


def error(message: str, status: int = 400) -> NoReturn:
    """Answers {"detail": message} with the status; messages are in the caller's language."""
    raise HttpError(status, message)


TOKEN_CACHE_SECONDS = 60


class BearerAuth(HttpBearer):
    """A gate phone sends a token with every scan; each worker remembers a token for a
    minute, so deactivating an account reaches the API within that minute."""

    cache: dict[str, tuple[float, ApiToken]] = {}

    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        digest = token_digest(token)
        cached = self.cache.get(digest)
        if cached is not None and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
            row = cached[1]
        else:
            row = ApiToken.objects.select_related("user").filter(digest=digest).first()
            if row is None:
                return None
            self.cache[digest] = (time.monotonic(), row)
        now = timezone.now()
        if row.expires_at <= now or not row.user.is_active:
            return None
        # Writing on every request would make each scan a write; once in a while is enough to audit use.
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            row.last_used_at = now
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


def not_found() -> NoReturn:
    error(_("Not found, or not yours to see."), 404)
