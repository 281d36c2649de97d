"""Tracing pages: the traces, opening one for a confirmed case, a trace's contacts with their
reasons and the map of their dwellings, home observation in one step, the export for the
disease-control centre."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangxian.accounts import exports
from fangxian.accounts.scoping import Can, can, get_visible_or_404, visible
from fangxian.lib.ids import FIRST_DAY, LAST_DAY, as_day, as_id
from fangxian.lib.tabular import write_xlsx
from fangxian.people.models import Resident
from fangxian.places.models import Building
from fangxian.watch import mapping
from fangxian.watch.views import drawn

from . import finding, shown
from .models import Contact, Trace


def traces_for(user):
    if not can(user, Can.TRACE):
        raise PermissionDenied
    return visible(user, Can.TRACE, Trace.objects.all())


def trace_or_404(request: HttpRequest, pk: int) -> Trace:
    return get_visible_or_404(
        request.user, Can.TRACE, Trace.objects.select_related("resident__dwelling__building", "community"), pk=pk
    )


@login_required
def trace_list(request: HttpRequest) -> HttpResponse:
    traces = traces_for(request.user).select_related("resident", "community")[:200]
    return render(request, "tracing/list.html", {"traces": traces})


def moment(value: str, field: str) -> datetime.datetime | None:
    """A datetime-local field (2020-02-01T18:00) on the community's clock; empty is none."""
    if not value.strip():
        return None
    try:
        when = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        when = None
    if when is None or not FIRST_DAY <= when.date() <= LAST_DAY:
        raise ValidationError({field: _("A date and a time, like 2020-02-01 18:00.")})
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def day(value: str, field: str) -> datetime.date | None:
    if not value.strip():
        return None
    parsed = as_day(value)
    if parsed is None:
        raise ValidationError({field: _("A date, like 2020-02-01.")})
    return parsed


def whole(value: str, field: str, default: int) -> int:
    if not value.strip():
        return default
    number = as_id(value) if value.strip() != "0" else 0
    if number is None:
        raise ValidationError({field: _("A whole number.")})
    return number


@login_required
def new_trace(request: HttpRequest) -> HttpResponse:
    """Find the case in the registry (name, phone or ID number), then its dates."""
    residents = visible(request.user, Can.TRACE, Resident.objects.current())
    if not can(request.user, Can.TRACE):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()[:50]
    case_id = as_id(request.POST.get("resident") or request.GET.get("resident"))
    case = (
        get_visible_or_404(request.user, Can.TRACE, Resident.objects.current(), pk=case_id)
        if case_id is not None
        else None
    )
    found = []
    if q and case is None:
        found = residents.filter(
            Q(name__contains=q) | Q(name_initials__startswith=q.upper()) | Q(phone=q) | Q(id_number=q.upper())
        ).select_related("dwelling__building")[:20]
    values = {"onset_on": "", "tested_on": "", "days_before": "2", "isolated_at": "", "gate_minutes": "15"}
    errors: dict = {}
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in values})
        try:
            if case is None:
                raise ValidationError({"resident": _("Choose the confirmed case in the registry.")})
            trace, added = finding.open_trace(
                case,
                request.user,
                onset_on=day(values["onset_on"], "onset_on"),
                tested_on=day(values["tested_on"], "tested_on"),
                days_before=whole(values["days_before"], "days_before", 2),
                isolated_at=moment(values["isolated_at"], "isolated_at"),
                gate_minutes=whole(values["gate_minutes"], "gate_minutes", 15),
            )
        except ValidationError as exc:
            errors = exc.message_dict
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Traced: %(n)s new contacts.") % {"n": added})
            return redirect("tracing:trace", pk=trace.pk)
    context = {"q": q, "found": found, "case": case, "values": values, "errors": errors}
    return render(request, "tracing/new.html", context, status=400 if errors else 200)


def contact_map(request: HttpRequest, trace: Trace, people: list[shown.Shown]) -> list:
    """The epidemic map of the buildings where the case and its contacts live, the case's
    dwelling and the contacts' marked on it."""
    dwellings = {p.dwelling_id for p in people if p.dwelling_id}
    case_dwelling = trace.resident.dwelling_id
    buildings = visible(
        request.user,
        Can.VIEW_RESIDENTS,
        Building.objects.filter(dwellings__in=dwellings | {case_dwelling}).distinct(),
    ).order_by("number")
    maps = mapping.maps_for(buildings)
    for building_map in maps:
        for _floor, entrances in building_map.rows:
            for cells in entrances:
                for cell in cells:
                    if cell.dwelling.pk == case_dwelling:
                        cell.mark("confirmed_case")
                    elif cell.dwelling.pk in dwellings:
                        cell.mark("close_contact")
    return drawn(maps)


@login_required
def trace_page(request: HttpRequest, pk: int) -> HttpResponse:
    trace = trace_or_404(request, pk)
    people = shown.contacts(trace, request.user)
    start, end = finding.window(trace)
    context = {
        "trace": trace,
        "start": start,
        "end": end,
        "groups": [
            (_("Close contacts"), [p for p in people if p.contact.kind == Contact.Kind.CLOSE]),
            (
                _("Secondary contacts: their households"),
                [p for p in people if p.contact.kind == Contact.Kind.SECONDARY],
            ),
        ],
        "any": bool(people),
        "maps": contact_map(request, trace, people),
        "legend": [(s, None) for s in mapping.STATUSES if s.key in ("confirmed_case", "close_contact")],
        "one": True,
    }
    return render(request, "tracing/trace.html", context)


@login_required
@require_POST
def run_trace(request: HttpRequest, pk: int) -> HttpResponse:
    trace = trace_or_404(request, pk)
    added = finding.run(trace)
    messages.success(request, _("Traced again: %(n)s new contacts.") % {"n": added})
    return redirect("tracing:trace", pk=trace.pk)


@login_required
@require_POST
def observe(request: HttpRequest, pk: int) -> HttpResponse:
    trace = trace_or_404(request, pk)
    if not can(request.user, Can.WATCH, trace.community):
        raise PermissionDenied
    ids = [i for i in (as_id(v) for v in request.POST.getlist("contact")) if i is not None]
    if not ids:
        messages.error(request, _("Choose the contacts to put under home observation."))
        return redirect("tracing:trace", pk=trace.pk)
    try:
        done = finding.observe(trace, ids, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("tracing:trace", pk=trace.pk)
    messages.success(
        request,
        _("Under home observation from today: %(started)s; already under observation: %(already)s.")
        % {"started": len(done.started), "already": len(done.already)},
    )
    if done.elsewhere:
        messages.warning(
            request,
            _(
                "%(n)s contacts are outside this community's registry: tell their community or the disease-control centre."
            )
            % {"n": len(done.elsewhere)},
        )
    return redirect("tracing:trace", pk=trace.pk)


EXPORT_HEADERS = [
    gettext_lazy("kind"),
    gettext_lazy("name"),
    gettext_lazy("ID number"),
    gettext_lazy("phone"),
    gettext_lazy("community"),
    gettext_lazy("address"),
    gettext_lazy("reasons and records"),
    gettext_lazy("under observation since"),
]


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The contacts for the disease-control centre, as .xlsx: part of tracing, so asked of
    whoever traces (not the export capability), and audited for the case's community."""
    trace = trace_or_404(request, pk)
    people = shown.contacts(trace, request.user, reveal=True)
    communities = {trace.community_id: len(people) + 1}
    exports.require_export(request, communities, Can.TRACE)
    case = trace.resident
    phone, id_number = shown.revealed(request.user, case)
    rows = [
        [
            _("confirmed case"),
            case.name,
            id_number,
            phone,
            str(trace.community),
            str(case.dwelling.label),
            _("infectious window %(start)s to %(end)s")
            % {
                "start": timezone.localtime(trace.starts_at).strftime("%Y-%m-%d %H:%M"),
                "end": timezone.localtime(trace.ends_at()).strftime("%Y-%m-%d %H:%M"),
            },
            "",
        ]
    ]
    for p in people:
        observed = p.contact.observation
        rows.append(
            [
                p.contact.get_kind_display(),
                p.name,
                p.id_number,
                p.phone,
                p.community,
                p.address,
                "\n".join(p.reasons),
                observed.start.isoformat() if observed else "",
            ]
        )
    exports.audit_export(request, "tracing", communities, trace=trace.pk)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    data = write_xlsx([str(h) for h in EXPORT_HEADERS], rows, sheet_title=_("contacts"))
    return exports.xlsx_response(data, f"contacts-{trace.pk}-{stamp}.xlsx")
