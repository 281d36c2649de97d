"""What every API router shares: bearer-token auth and the one way to answer an error."""

from __future__ import annotations

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


class BearerAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        row = ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()
        now = timezone.now()
        if row is None or row.expires_at <= now or not row.user.is_active:
            return None
        # Writing on every request would make each scan a write; once in a while is enough to audit use.
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


def not_found() -> NoReturn:
    error(_("Not found, or not yours to see."), 404)
