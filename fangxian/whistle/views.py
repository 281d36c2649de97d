"""Whistle pages: the calls (the community's, the department's, the street's escalated ones),
making a call, a call's page with the next step for whoever takes it, the street's
departments and their staff, and the figures per department and month."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangxian.accounts import exports
from fangxian.accounts.fields import flag
from fangxian.accounts.scoping import Can, get_visible_or_404
from fangxian.casework.models import Case
from fangxian.lib.ids import FIRST_DAY, LAST_DAY, as_id
from fangxian.places.models import Building, Community

from . import calling
from .figures import figures as department_figures
from .figures import month_bounds
from .models import Call, Department, Member

SHOWS = {
    "open": gettext_lazy("open"),
    "overdue": gettext_lazy("overdue"),
    "escalated": gettext_lazy("escalated"),
    "done": gettext_lazy("to confirm"),
    "all": gettext_lazy("all"),
}


def problems(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def moment(value: str | None, field: str) -> datetime.datetime:
    """A datetime-local field's value (2020-02-01T18:00), on the community's clock."""
    try:
        when = datetime.datetime.fromisoformat(str(value or "").strip())
    except ValueError:
        when = None
    if when is None or not FIRST_DAY <= when.date() <= LAST_DAY:
        raise ValidationError({field: _("A date and a time, like 2020-02-01 18:00.")})
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def listing(user, show: str):
    calls = calling.calls_for(user).select_related("department", "community")
    now = timezone.now()
    if show == "open":
        return calls.filter(state__in=Call.OPEN)
    if show == "overdue":
        return calls.filter(calling.overdue_at(now))
    if show == "escalated":
        return calls.filter(level__gt=Call.Level.NONE, state__in=Call.OPEN).order_by("-level", "needed_by")
    if show == "done":
        return calls.filter(state=Call.State.DONE)
    return calls


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    mine = calling.departments_of(user)
    may_call = calling.may_call(user)
    streets = calling.managed_streets(user)
    if not calling.uses_whistle(user):
        raise PermissionDenied
    show = request.GET.get("show", "open")
    if show not in SHOWS:
        show = "open"
    page = Paginator(listing(user, show), 50).get_page(request.GET.get("page"))
    context = {
        "show": show,
        "shows": list(SHOWS.items()),
        "page": page,
        "query": f"show={show}",
        "may_call": may_call,
        "departments": list(mine),
        "manages": streets.exists(),
        "escalated": calling.calls_for(user).filter(level__gt=Call.Level.NONE, state__in=Call.OPEN).count(),
    }
    return render(request, "whistle/list.html", context)


def chosen_community(user, communities: list[Community], value) -> Community:
    """One of the communities the user whistles for; 403 for another one in view, 404 beyond."""
    community = next((c for c in communities if str(c.pk) == str(value)), None)
    if community is None:
        get_visible_or_404(user, Can.VIEW_PLACES, Community.objects.all(), pk=as_id(value) or 0)
        raise PermissionDenied
    return community


@login_required
def call_new(request: HttpRequest) -> HttpResponse:
    """The community whistles: which department, what is needed, where and by when; from a
    case's page, about that case (passed to the department with the call)."""
    user = request.user
    communities = list(calling.calling_communities(user))
    if not communities:
        raise PermissionDenied
    case = None
    case_id = as_id(request.GET.get("case") or request.POST.get("case"))
    if case_id is not None:
        case = get_visible_or_404(user, Can.HANDLE_CASES, Case.objects.all(), pk=case_id)
    streets = {c.street_id for c in communities}
    departments = Department.objects.filter(street_id__in=streets, active=True)
    default = timezone.localtime() + datetime.timedelta(hours=24)
    values = {
        "community": str(case.community_id if case and case.community_id else communities[0].pk),
        "department": "",
        "what": case.what if case else "",
        "address": case.address if case else "",
        "building": str(case.building_id or "") if case else "",
        "needed_by": default.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M"),
    }
    errors: dict = {}
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in values})
        try:
            community = chosen_community(user, communities, values["community"])
            department = departments.filter(pk=as_id(values["department"]), street_id=community.street_id).first()
            if department is None:
                raise ValidationError({"department": _("Choose the department.")})
            building = Building.objects.filter(community=community, pk=as_id(values["building"])).first()
            call = calling.whistle(
                community=community,
                department=department,
                what=values["what"],
                address=values["address"] or (building.label if building else ""),
                needed_by=moment(values["needed_by"], "needed_by"),
                by=user,
                case=case,
                building=building,
                client_id=request.POST.get("client_id") or None,
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("Whistled: %(department)s has the call.") % {"department": department.name})
            return redirect("whistle:call", pk=call.pk)
    context = {
        "communities": communities,
        "departments": departments.select_related("street"),
        "buildings": Building.objects.filter(community__in=communities).select_related("community"),
        "several": len(communities) > 1,
        "case": case,
        "values": values,
        "errors": errors,
        "client_id": request.POST.get("client_id") or uuid.uuid4(),
    }
    return render(request, "whistle/new.html", context)


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    call = calling.get_call_or_404(
        user, pk, Call.objects.select_related("department", "community", "called_by", "acknowledged_by", "arrived_by")
    )
    answers = calling.answers_for(user, call)
    speaks = calling.calls_from(user, call)
    context = {
        "call": call,
        "late": call.late(),
        "steps": call.steps.select_related("by"),
        "answers": answers,
        "speaks": speaks,
        "outcomes": [c for c in Call.Outcome.choices if c[0]],
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        # The case stays the community's: a department sees only what the call says.
        "case": call.case if speaks or calling.overseen(user).filter(pk=call.pk).exists() else None,
    }
    return render(request, "whistle/call.html", context)


def step(request: HttpRequest, pk: int, side: str, action) -> HttpResponse:
    """A step on a call by the department ("answers") or the community ("speaks")."""
    call = calling.get_call_or_404(request.user, pk)
    allowed = calling.answers_for(request.user, call) if side == "answers" else calling.calls_from(request.user, call)
    if not allowed:
        raise PermissionDenied
    try:
        action(call)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    return redirect("whistle:call", pk=pk)


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    def go(call):
        calling.acknowledge(call, request.user, request.POST.get("note", ""))
        messages.success(request, _("Acknowledged: the community sees who took it."))

    return step(request, pk, "answers", go)


@login_required
@require_POST
def arrive(request: HttpRequest, pk: int) -> HttpResponse:
    def go(call):
        at = moment(request.POST["arrived_at"], "arrived_at") if request.POST.get("arrived_at") else None
        calling.arrive(call, request.user, request.POST.get("note", ""), request.FILES.get("photo"), at)
        messages.success(request, _("Reported on site."))

    return step(request, pk, "answers", go)


@login_required
@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    def go(call):
        calling.report(call, request.user, request.POST.get("outcome", ""), request.POST.get("note", ""))
        messages.success(request, _("Outcome reported: the community confirms it."))

    return step(request, pk, "answers", go)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    def go(call):
        calling.confirm(call, request.user, request.POST.get("note", ""))
        messages.success(request, _("Confirmed. The call is closed."))

    return step(request, pk, "speaks", go)


@login_required
@require_POST
def send_back(request: HttpRequest, pk: int) -> HttpResponse:
    def go(call):
        calling.send_back(call, request.user, request.POST.get("note", ""))
        messages.success(request, _("Sent back to the department."))

    return step(request, pk, "speaks", go)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    call = calling.get_call_or_404(request.user, pk)
    if not call.arrival_photo:
        raise Http404
    return FileResponse(call.arrival_photo.open("rb"), content_type="image/jpeg")


# The street's departments ----------------------------------------------------------------


def managed_or_403(request: HttpRequest):
    streets = calling.managed_streets(request.user)
    if not streets.exists():
        raise PermissionDenied
    return streets


@login_required
def departments(request: HttpRequest) -> HttpResponse:
    streets = list(managed_or_403(request))
    values = {"street": str(streets[0].pk), "kind": "", "name": "", "contact": ""}
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in values})
        street = next((s for s in streets if str(s.pk) == values["street"]), None)
        try:
            if street is None:
                raise ValidationError({"street": _("Choose the street.")})
            made = calling.keep_department(street, values["kind"], values["name"], values["contact"])
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("Department added: %(name)s.") % {"name": made.name})
            return redirect("whistle:department", pk=made.pk)
    context = {
        "streets": streets,
        "several": len(streets) > 1,
        "rows": Department.objects.filter(street__in=streets)
        .select_related("street")
        .prefetch_related("members__user"),
        "kinds": Department.Kind.choices,
        "values": values,
    }
    return render(request, "whistle/departments.html", context)


def managed_department(request: HttpRequest, pk: int) -> Department:
    """404 for another street's department; 403 for one in view that the user does not keep."""
    department = get_object_or_404(calling.department_choices(request.user), pk=pk)
    if not calling.manages_street(request.user, department.street_id):
        raise PermissionDenied
    return department


@login_required
def department(request: HttpRequest, pk: int) -> HttpResponse:
    department = managed_department(request, pk)
    if request.method == "POST":
        try:
            calling.keep_department(
                department.street,
                request.POST.get("kind", ""),
                request.POST.get("name", ""),
                request.POST.get("contact", ""),
                flag(request.POST.get("active")),
                department=department,
            )
        except ValidationError as exc:
            messages.error(request, problems(exc))
            department.refresh_from_db()
        else:
            messages.success(request, _("Saved."))
            return redirect("whistle:department", pk=pk)
    members = department.members.select_related("user")
    context = {
        "department": department,
        "members": members,
        "kinds": Department.Kind.choices,
        "liaisons": calling.liaisons_of(department.street).exclude(departments__department=department),
    }
    return render(request, "whistle/department.html", context)


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    department = managed_department(request, pk)
    user = get_user_model().objects.filter(pk=as_id(request.POST.get("user"))).first()
    try:
        if user is None:
            raise ValidationError({"user": _("Choose the account.")})
        calling.add_member(department, user)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("%(user)s now sees the department's calls.") % {"user": user.get_username()})
    return redirect("whistle:department", pk=pk)


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member: int) -> HttpResponse:
    department = managed_department(request, pk)
    get_object_or_404(Member, pk=member, department=department).delete()
    messages.success(request, _("Removed from the department."))
    return redirect("whistle:department", pk=pk)


# Figures --------------------------------------------------------------------------------


def chosen_month(value: str | None) -> datetime.date:
    try:
        month = datetime.date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        month = None
    if month is None or not FIRST_DAY <= month <= LAST_DAY:
        return timezone.localdate().replace(day=1)
    return month


def shown_minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def shown_rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    streets = list(managed_or_403(request))
    street = next((s for s in streets if s.pk == as_id(request.GET.get("street"))), streets[0])
    month = chosen_month(request.GET.get("month"))
    rows = department_figures(street, month)
    headers = [
        _("department"),
        _("calls"),
        _("acknowledged in time"),
        _("response, mean (min)"),
        _("response, median (min)"),
        _("arrival, mean (min)"),
        _("arrival, median (min)"),
        _("confirmed"),
        _("resolution rate"),
        _("overdue"),
        _("escalated"),
    ]
    table = [
        [
            r.department.name,
            r.calls,
            f"{r.acknowledged_in_time} ({shown_rate(r.in_time_rate)})",
            shown_minutes(r.response_mean),
            shown_minutes(r.response_median),
            shown_minutes(r.arrival_mean),
            shown_minutes(r.arrival_median),
            r.confirmed,
            shown_rate(r.resolution_rate),
            r.overdue,
            r.escalated,
        ]
        for r in rows
    ]
    if exports.wants_xlsx(request):
        start, end = month_bounds(month)
        # The file counts each community's calls: the communities they came from hear of it.
        communities = exports.counted(
            Call.objects.filter(street=street, called_at__gte=start, called_at__lt=end).values_list(
                "community_id", flat=True
            )
        )
        return exports.export_list(
            request, "whistle-figures", headers, table, communities, street=street.pk, month=month.isoformat()[:7]
        )
    context = {
        "streets": streets,
        "street": street,
        "month": month.isoformat()[:7],
        "headers": headers,
        "table": table,
    }
    return render(request, "whistle/figures.html", context)
