from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import audit, staff
from .exports import counted, export_list, wants_xlsx
from .forms import GrantForm
from .models import AuditEvent, Role
from .scoping import Can, can, visible


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(self.request, AuditEvent.Action.LOGIN)
        return response


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
        headers = ["at", "username", "action", "community", "target_type", "target_id", "ip", "detail"]
        events = list(events[:100_000])
        data = [[e.at.isoformat(), e.username, e.action, str(e.community or ""), e.target_type, e.target_id, e.ip or "", str(e.detail)] for e in events]
        return export_list(request, "audit", headers, data, counted(e.community_id for e in events))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page, "actions": AuditEvent.Action.choices, "query": request.GET.urlencode()})


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
                user = get_user_model().objects.create_user(username=data["username"], password=data["password"],
                                                             first_name=data["full_name"])
            role = Role.objects.create(user=user, kind=data["kind"], **{Role.LEVELS[data["kind"]]: data["place_obj"]})
            audit.record(request, AuditEvent.Action.GRANT, role, community_id=role.community_id or getattr(role.grid, "community_id", None),
                         username=user.username, role=role.kind)
        messages.success(request, _("%(user)s is now %(role)s.") % {"user": user.username, "role": role})
        return redirect("staff")
    return render(request, "accounts/staff.html", {"roles": roles, "form": form})


@login_required
@require_POST
def revoke_role(request: HttpRequest, pk: int) -> HttpResponse:
    role = staff.roles_in_view(request.user).filter(pk=pk).first()
    if role is None:
        raise Http404
    if role.user_id == request.user.pk:
        messages.error(request, _("You cannot remove your own role."))
        return redirect("staff")
    audit.record(request, AuditEvent.Action.REVOKE, role, community_id=role.community_id or getattr(role.grid, "community_id", None),
                 username=role.user.username, role=role.kind)
    role.delete()
    messages.success(request, _("Role removed."))
    return redirect("staff")
