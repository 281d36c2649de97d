import datetime

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from . import audit
from .apikit import ErrorOut, Id, Input, error, not_found
from .models import ApiToken, AuditEvent
from .views import revoke_token_of, tokens_in_view

router = Router(tags=["auth"])


class Credentials(Input):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=200)
    device: str = Field("", max_length=100)  # "南门 phone 2": shown on the token list, to revoke it when lost


class TokenOut(Schema):
    token: str


class TokenInfo(Schema):
    id: int
    username: str = Field(..., alias="user.username")
    device: str = Field(..., alias="name")
    created_at: datetime.datetime
    expires_at: datetime.datetime
    last_used_at: datetime.datetime | None


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut})
def take_token(request, credentials: Credentials):
    """Repeated wrong passwords lock the account and the address for a while (429)."""
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        # A locked-out attempt is answered 429 by the lockout middleware, in the caller's language.
        error(_("Wrong username or password."), 401)
    audit.record(request, AuditEvent.Action.TOKEN, user=user, device=credentials.device)
    return {"token": ApiToken.issue(user, credentials.device)}


@router.get("/auth/tokens", response=list[TokenInfo])
def list_tokens(request):
    """The caller's own tokens and those of the accounts they manage."""
    return tokens_in_view(request.user)


@router.delete("/auth/tokens/{token_id}", response={204: None})
def revoke_token(request, token_id: Id):
    """Stops a token at once (a lost gate phone); audited."""
    token = tokens_in_view(request.user).filter(pk=token_id).first()
    if token is None:
        not_found()
    revoke_token_of(request, token)
    return Status(204, None)
