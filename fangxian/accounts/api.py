from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema

from . import audit
from .apikit import error
from .models import ApiToken, AuditEvent

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/auth/token", auth=None, response=TokenOut)
def take_token(request, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        error(_("Wrong username or password."), 401)
    audit.record(request, AuditEvent.Action.TOKEN, user=user)
    return {"token": ApiToken.issue(user)}
