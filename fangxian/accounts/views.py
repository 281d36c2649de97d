from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import audit, staff
from .exports import counted, export_list, wants_xlsx
from .forms import GrantForm
from .models import ApiToken, AuditEvent, Role
from .scoping import Can, can, visible


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(self.request, AuditEvent.Action.LOGIN)
        return response


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """Too many wrong passwords for this account or from this address (django-axes)."""
    message = _(
        "Too many wrong passwords: this account and address are locked for %(minutes)s minutes. "
        "Ask your secretary if you have forgotten the password."
    ) % {"minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}
    if request.path.startswith("/api/"):
        locked = JsonResponse({"detail": message}, status=429)
    else:
        locked = render(
            request, "accounts/login.html", {"locked": message, "next": request.POST.get("next", "")}, status=429
        )
    locked["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return locked


def community_of(user) -> int | None:
    """The community an account works in, for the audit log of whose staff it is."""
    role = user.roles.select_related("grid").first()
    return (role.community_id or (role.grid.community_id if role.grid_id else None)) if role else None


def tokens_in_view(user):
    """A user's own API tokens, and those of the accounts they manage."""
    return ApiToken.objects.filter(Q(user=user) | Q(user__in=staff.managed_users(user))).select_related("user")


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """Devices and scripts that hold an API token: when each was last used, and a way to stop it."""
    return render(request, "accounts/tokens.html", {"tokens": tokens_in_view(request.user)})


def revoke_token_of(request: HttpRequest, token: ApiToken) -> None:
    audit.record(
        request,
        AuditEvent.Action.TOKEN_REVOKED,
        token,
        community_id=community_of(token.user),
        username=token.user.username,
        device=token.name,
    )
    token.delete()


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens_in_view(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404
    revoke_token_of(request, token)
    messages.success(request, _("The token no longer works."))
    return redirect("tokens")


@login_required
@require_POST
def deactivate_user(request: HttpRequest, pk: int) -> HttpResponse:
    """Switches an account off at once: its sessions and API tokens stop working."""
    account = staff.managed_users(request.user).filter(pk=pk, is_active=True).first()
    if account is None:
        raise Http404
    switch_off(request, account, community_of(account))
    messages.success(request, _("%(user)s can no longer log in.") % {"user": account.username})
    return redirect("staff")


@transaction.atomic
def switch_off(request: HttpRequest, account, community_id: int | None) -> None:
    account.is_active = False
    account.save(update_fields=["is_active"])
    for token in account.api_tokens.all():
        revoke_token_of(request, token)
    audit.record(request, AuditEvent.Action.DEACTIVATE, account, community_id=community_id, username=account.username)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Can.VIEW_AUDIT):
        raise PermissionDenied
    events = visible(request.user, Can.VIEW_AUDIT, AuditEvent.objects.select_related("community"))
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    who = request.GET.get("who", "").strip()
    if who:
        events = events.filter(username__icontains=who)
    if wants_xlsx(request):
        headers = [_("when"), _("who"), _("what"), _("community"), _("whose"), _("from"), _("detail")]
        events = list(events[:100_000])
        data = [
            [
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                e.username,
                e.get_action_display(),
                str(e.community or ""),
                audit.describe(e),
                e.ip or "",
                json.dumps(e.detail, ensure_ascii=False),
            ]
            for e in events
        ]
        return export_list(request, "audit", headers, data, counted(e.community_id for e in events))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit.html",
        {
            "page": page,
            "rows": [(e, audit.describe(e)) for e in page],
            "actions": AuditEvent.Action.choices,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Can.MANAGE_STAFF):
        raise PermissionDenied
    roles = staff.roles_in_view(request.user).order_by("user__username", "kind")
    form = GrantForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = data["user"]
        with transaction.atomic():
            if user is None:
                user = get_user_model().objects.create_user(
                    username=data["username"], password=data["password"], first_name=data["full_name"]
                )
            role = Role.objects.create(user=user, kind=data["kind"], **{Role.LEVELS[data["kind"]]: data["place_obj"]})
            audit.record(
                request,
                AuditEvent.Action.GRANT,
                role,
                community_id=role.community_id or getattr(role.grid, "community_id", None),
                username=user.username,
                role=role.kind,
            )
        messages.success(request, _("%(user)s is now %(role)s.") % {"user": user.username, "role": role})
        return redirect("staff")
    return render(
        request,
        "accounts/staff.html",
        {
            "roles": roles,
            "form": form,
            "managed": set(staff.managed_users(request.user).filter(is_active=True).values_list("pk", flat=True)),
        },
    )


@login_required
@require_POST
def revoke_role(request: HttpRequest, pk: int) -> HttpResponse:
    role = staff.roles_in_view(request.user).filter(pk=pk).first()
    if role is None:
        raise Http404
    if role.user_id == request.user.pk:
        messages.error(request, _("You cannot remove your own role."))
        return redirect("staff")
    community_id = role.community_id or getattr(role.grid, "community_id", None)
    audit.record(
        request, AuditEvent.Action.REVOKE, role, community_id=community_id, username=role.user.username, role=role.kind
    )
    role.delete()
    account = role.user
    if account.is_active and not account.is_staff and not account.roles.exists():
        # With no role left the account is no office's to look after, and would go on
        # logging in and taking tokens: it is switched off with its last role.
        switch_off(request, account, community_id)
        messages.success(
            request, _("Role removed; %(user)s had no other and can no longer log in.") % {"user": account.username}
        )
    else:
        messages.success(request, _("Role removed."))
    return redirect("staff")
