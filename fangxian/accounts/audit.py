"""Writing the audit log: who did what to whose data, when, and from where."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent


def client_ip(request: HttpRequest) -> str | None:
    # X-Forwarded-For is believed only behind our own proxy (docs/operations.md), which
    # overwrites it; otherwise any client could write someone else's address into the log.
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or None


def record(request: HttpRequest | None, action: str, target=None, community_id=None, user=None, **detail) -> AuditEvent:
    user = user or (request.user if request is not None else None)
    if target is not None and community_id is None:
        community_id = getattr(target, "community_id", None)
    return AuditEvent.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=user.get_username() if user is not None and user.is_authenticated else "",
        action=action,
        community_id=community_id,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        detail=detail,
        ip=client_ip(request) if request is not None else None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else "",
    )


def login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    """Every wrong password, on the page or the API, with the account it named (if it exists)
    and that account's community, so that its secretary sees someone trying."""
    from django.contrib.auth import get_user_model

    from .models import Role

    username = str(credentials.get("username", ""))[:150]
    account = get_user_model().objects.filter(username=username).first()
    role = Role.objects.filter(user=account).select_related("grid").first() if account else None
    community_id = (role.community_id or (role.grid.community_id if role.grid_id else None)) if role else None
    AuditEvent.objects.create(
        user=account,
        username=username,
        action=AuditEvent.Action.LOGIN_FAILED,
        community_id=community_id,
        detail={"locked": bool(getattr(request, "axes_locked_out", False))},
        ip=client_ip(request) if request is not None else None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300] if request is not None else "",
    )


# What each exported or printed list is called in the log (the names export_list, pdf_response
# and jobs are given).
LIST_LABELS = {
    "audit": _("audit log"),
    "buildings": _("buildings"),
    "businesses": _("businesses"),
    "certificate": _("certificate of hours"),
    "communities": _("communities"),
    "dwellings": _("dwellings"),
    "epidemic_map": _("epidemic map"),
    "import_errors": _("import errors"),
    "passes": _("gate records"),
    "permit_cards": _("permit cards"),
    "pick_list": _("vegetable pick list"),
    "release_notice": _("release notice"),
    "residents": _("residents"),
    "roster": _("roster"),
    "supplies_public": _("public ledger of donations"),
    "supplies_receipt": _("donation receipt and thank-you letter"),
}


def target_label(target_type: str) -> str:
    """A record's kind as people call it ("角色", not "role"): target_type is its model's name."""
    for models in apps.all_models.values():
        if target_type in models:
            return str(models[target_type]._meta.verbose_name)
    return target_type


def describe(event: AuditEvent) -> str:
    """What the event touched, in the reader's language: a record and its number, or a list
    and its rows."""
    what = f"{target_label(event.target_type)} {event.target_id}".strip() if event.target_type else ""
    listed = event.detail.get("list") if isinstance(event.detail, dict) else None
    if listed:
        rows = _("%(list)s, %(rows)s rows") % {
            "list": LIST_LABELS.get(listed, listed),
            "rows": event.detail.get("rows"),
        }
        what = f"{what} {rows}".strip()
    return what
