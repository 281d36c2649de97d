from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import audit
from .exports import export_list, wants_xlsx
from .models import AuditEvent
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
        data = [[e.at.isoformat(), e.username, e.action, str(e.community or ""), e.target_type, e.target_id, e.ip or "", str(e.detail)] for e in events[:100_000]]
        return export_list(request, "audit", headers, data)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page, "actions": AuditEvent.Action.choices, "query": request.GET.urlencode()})
