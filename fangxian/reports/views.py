"""Daily report pages: a day of the communities one reads (who reported, on time or late, who
is missing, totals by street and district), a community's report with its versions and the
secretary's form, the A4 prints of a report and of a street's day, and the Excel of the day.

Both prints are a page or two of figures and take well under a second, so they are printed
at once, not as jobs."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.exports import counted, export_list, pdf_response, wants_xlsx
from fangxian.accounts.scoping import Can, holds_place
from fangxian.lib.ids import as_day
from fangxian.places.models import Community, Street

from . import reporting
from .counting import prefill
from .models import FIGURES, DailyReport


def day_asked(request: HttpRequest) -> datetime.date:
    """The day in ?day=, today if none; a day that is not one is said so, and today is shown."""
    text = request.GET.get("day") or request.POST.get("day")
    day = as_day(text)
    if text and day is None:
        messages.error(request, _("Not a day: %(text)s. Today is shown.") % {"text": text[:20]})
    return day or timezone.localdate()


def readable_or_403(request: HttpRequest):
    communities = reporting.readable_communities(request.user)
    if not communities.exists():
        raise PermissionDenied
    return communities


@login_required
def day(request: HttpRequest) -> HttpResponse:
    day = day_asked(request)
    rollup = reporting.rollup(readable_or_403(request), day)
    if wants_xlsx(request):
        return workbook(request, rollup)
    streets = [t.place_id for t in rollup.streets]
    context = {
        "day": day,
        "rollup": rollup,
        "labels": [reporting.LABELS[k] for k in FIGURES],
        "figures": FIGURES,
        "previous": day - datetime.timedelta(days=1),
        "next": day + datetime.timedelta(days=1) if day < timezone.localdate() else None,
        # A street's print holds all its communities: for readers of the whole street only.
        "printable": reporting.streets_held(request.user, Can.READ_REPORTS, streets),
        "sets_deadline": reporting.streets_held(request.user, Can.MANAGE_TERRITORY, streets),
    }
    return render(request, "reports/day.html", context)


def seen_community(request: HttpRequest, pk: int) -> Community:
    return reporting.readable_community(request.user, pk, Community.objects.select_related("street__district"))


def form_values(request: HttpRequest) -> dict:
    return {
        "figures": {k: request.POST.get(k, "") for k in FIGURES},
        "zero_report": request.POST.get("zero_report") == "on",
        "notes": request.POST.get("notes", ""),
        "reason": request.POST.get("reason", ""),
    }


@login_required
def community_day(request: HttpRequest, pk: int) -> HttpResponse:
    """The community's report for the day and its versions; for the secretary, the form,
    pre-filled from the system (or from the latest version, to correct it)."""
    community = seen_community(request, pk)
    day = day_asked(request)
    submits = reporting.may_submit(request.user, community)
    errors: dict = {}
    if request.method == "POST":
        if not submits:
            raise PermissionDenied
        values = form_values(request)
        try:
            reporting.submit(community, day, request.user, **values)
        except ValidationError as exc:
            errors = exc.message_dict
            messages.error(request, _("The report was not submitted: see the marked fields."))
        else:
            messages.success(request, _("The daily report is submitted."))
            return redirect(f"{reverse('reports:community', args=[community.pk])}?day={day.isoformat()}")
    report = DailyReport.objects.filter(community=community, day=day).first()
    versions = reporting.versions_of(report) if report else []
    for v in versions:
        v.changed_labels = [str(reporting.LABELS[k]) for k in v.changed]
    counted_now = prefill([community.pk], day)[community.pk]
    if request.method != "POST":
        latest = versions[0] if versions else None
        values = {
            "figures": dict(latest.figures if latest and not latest.zero_report else counted_now),
            "zero_report": False,
            "notes": latest.notes if latest else "",
            "reason": "",
        }
    due_at = reporting.deadline_for(community, day)
    context = {
        "community": community,
        "day": day,
        "report": report,
        "versions": versions,
        "status": reporting.STATUS_LABELS[reporting.status_of(report, due_at, timezone.now())],
        "due_at": due_at,
        "submits": submits,
        "future": day > timezone.localdate(),
        "rows": [
            {
                "key": k,
                "label": reporting.LABELS[k],
                "counted": counted_now[k],
                "value": values["figures"].get(k, ""),
                "error": errors.get(k),
            }
            for k in FIGURES
        ],
        "shown": [(reporting.LABELS[k], versions[0].figures.get(k)) for k in FIGURES] if versions else [],
        "values": values,
        "errors": errors,
    }
    return render(request, "reports/community.html", context, status=400 if errors else 200)


@login_required
def community_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    community = seen_community(request, pk)
    day = day_asked(request)
    report = DailyReport.objects.filter(community=community, day=day).first()
    if report is None:
        raise Http404
    versions = reporting.versions_of(report)
    html = render_to_string(
        "reports/report_print.html",
        {
            "community": community,
            "report": report,
            "version": versions[0],
            "versions": versions,
            "rows": [(reporting.LABELS[k], versions[0].figures[k]) for k in FIGURES],
            "printed_at": timezone.localtime(),
        },
    )
    return pdf_response(
        request,
        "daily_report",
        html,
        f"daily-report-{community.code}-{day.isoformat()}.pdf",
        {community.pk: 1},
        day=day.isoformat(),
    )


@login_required
def street_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A street's day on A4: every community of the street, so only for those who read the
    whole street (its office and those above); a community of it gets 403, others 404."""
    street = get_visible_street(request, pk)
    day = day_asked(request)
    rollup = reporting.rollup(Community.objects.filter(street=street), day)
    html = render_to_string(
        "reports/street_print.html",
        {
            "street": street,
            "rollup": rollup,
            "total": rollup.total,
            "labels": [reporting.LABELS[k] for k in FIGURES],
            "figures": FIGURES,
            "printed_at": timezone.localtime(),
        },
    )
    return pdf_response(
        request,
        "daily_report_street",
        html,
        f"daily-reports-{street.code}-{day.isoformat()}.pdf",
        counted(r.community.pk for r in rollup.rows),
        day=day.isoformat(),
    )


@login_required
@require_POST
def deadline(request: HttpRequest, pk: int) -> HttpResponse:
    """The street's deadline for the daily report, set by those who keep its communities."""
    if not reporting.may_set_deadline(request.user, pk):
        reporting.refuse(request.user, Community.objects.filter(street_id=pk))
    text = request.POST.get("due", "")
    try:
        due = datetime.time.fromisoformat(text) if text.isascii() and len(text) == 5 else None
    except ValueError:
        due = None
    if due is None:
        messages.error(request, _("A time of day, like 16:00."))
    else:
        reporting.set_deadline(pk, due)
        messages.success(request, _("Daily reports of the street are now due by %(due)s.") % {"due": text})
    return redirect(f"{reverse('reports:day')}?day={day_asked(request).isoformat()}")


def get_visible_street(request: HttpRequest, pk: int) -> Street:
    if holds_place(request.user, Can.READ_REPORTS, "street", pk):
        return Street.objects.get(pk=pk)
    reporting.refuse(request.user, Community.objects.filter(street_id=pk))


def workbook(request: HttpRequest, rollup: reporting.Rollup) -> HttpResponse:
    """One row per community: a missing report is a row that says so, with empty figures
    (never zeros); the figures are numbers, for the district to sum in its own sheets."""
    headers = [
        _("district"),
        _("street"),
        _("community"),
        _("community code"),
        _("status"),
        _("nothing to report"),
        _("submitted at"),
        _("version"),
        *[reporting.LABELS[k] for k in FIGURES],
        _("notes"),
    ]
    yes = _("yes")
    rows = []
    for row in rollup.rows:
        c, v = row.community, row.version
        head = [c.street.district.name, c.street.name, c.name, c.code, row.status_label]
        if v is None:
            rows.append(head + [""] * (3 + len(FIGURES)) + [""])
            continue
        rows.append(
            head
            + [
                yes if v.zero_report else "",
                timezone.localtime(row.report.first_submitted_at).strftime("%Y-%m-%d %H:%M"),
                v.number,
                *[v.figures[k] for k in FIGURES],
                v.notes,
            ]
        )
    total = rollup.total
    rows.append(
        [
            _("total"),
            "",
            _("communities reported: %(reported)s of %(expected)s")
            % {"reported": total.reported, "expected": total.expected},
            "",
            "",
            "",
            "",
            "",
            *[total.sums[k] for k in FIGURES],
            "",
        ]
    )
    return export_list(
        request,
        "daily_reports",
        headers,
        rows,
        counted(r.community.pk for r in rollup.rows),
        day=rollup.day.isoformat(),
    )
