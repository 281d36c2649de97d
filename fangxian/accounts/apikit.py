"""What every API router shares: bearer-token auth and the one way to answer an error."""

from __future__ import annotations

import time
from typing import NoReturn

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

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
