"""Inspection pages: the rounds and their progress, a round set up, a visit's record (its page
and its A4 PDF), what is left to rectify, a business's staff list, the checklists, and the
inspector's phone page, which works without a network (inspections/phone.js)."""

from __future__ import annotations

import base64
import dataclasses
import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from fangxian.accounts.exports import counted, export_list, pdf_response, wants_xlsx
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, holds_place, visible
from fangxian.lib.ids import as_day, as_id
from fangxian.lib.masking import mask_id_number, mask_phone
from fangxian.places.models import Business, Community, Street

from . import rules
from .models import Finding, Inspection, Round, Template


def problems(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def inspects(request: HttpRequest) -> None:
    if not can(request.user, Can.INSPECT):
        raise PermissionDenied


def rounds_of(request: HttpRequest):
    return visible(request.user, Can.INSPECT, Round.objects.select_related("street", "community"))


def places_to_run(request: HttpRequest) -> list[tuple[str, str]]:
    """Where the user may set up a round: their communities, and their street as a whole."""
    communities = visible(request.user, Can.INSPECT, Community.objects.select_related("street"))
    found = []
    for street in Street.objects.filter(pk__in=communities.values("street_id")):
        if holds_place(request.user, Can.INSPECT, "street", street.pk):
            found.append((f"s{street.pk}", _("%(street)s, all communities") % {"street": street.name}))
    for community in communities:
        if holds_community(request.user, Can.INSPECT, community.pk):
            found.append((f"c{community.pk}", community.name))
    return found


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    inspects(request)
    rows = []
    for row in rounds_of(request)[:100]:
        rows.append((row, rules.totals(rules.progress(row))))
    left = visible(request.user, Can.INSPECT, Finding.objects.filter(rules.TO_RECTIFY))
    context = {
        "rows": rows,
        "may_set_up": bool(places_to_run(request)),
        "to_rectify": left.count(),
        "overdue": left.filter(deadline__lt=rules.today()).count(),
    }
    return render(request, "inspections/rounds.html", context)


@login_required
def new_round(request: HttpRequest) -> HttpResponse:
    inspects(request)
    places = places_to_run(request)
    if not places:
        raise PermissionDenied
    today = rules.today()
    values = {
        "where": places[0][0],
        "name": "",
        "team": "",
        "visits": "2",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=14)).isoformat(),
        "kinds": [],
    }
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in values if k != "kinds"})
        values["kinds"] = request.POST.getlist("kinds")
        try:
            row = set_up(request, values, dict(places))
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("Round set up: %(n)s businesses.") % {"n": row.businesses.count()})
            return redirect("inspections:round", pk=row.pk)
    context = {"places": places, "values": values, "kinds": Business.Kind.choices}
    return render(request, "inspections/new_round.html", context)


def set_up(request: HttpRequest, values: dict, places: dict) -> Round:
    where = values["where"]
    if where not in places:
        raise ValidationError(_("Choose where the round goes."))
    pk = int(where[1:])
    if where[0] == "s":
        street, community = Street.objects.get(pk=pk), None
        businesses = Business.objects.filter(community__street=street)
    else:
        community = Community.objects.select_related("street").get(pk=pk)
        street, businesses = community.street, Business.objects.filter(community=community)
    kinds = [k for k in values["kinds"] if k in Business.Kind.values]
    if kinds:
        businesses = businesses.filter(kind__in=kinds)
    starts_on, ends_on = as_day(values["starts_on"]), as_day(values["ends_on"])
    if starts_on is None or ends_on is None:
        raise ValidationError(_("The dates as 2020-02-10."))
    return rules.new_round(
        request.user,
        street=street,
        community=community,
        name=values["name"],
        team=values["team"],
        visits=as_id(values["visits"]) or 0,
        starts_on=starts_on,
        ends_on=ends_on,
        businesses=businesses,
    )


def seen_round(request: HttpRequest, pk: int) -> Round:
    return get_visible_or_404(request.user, Can.INSPECT, rounds_of(request), pk=pk)


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = seen_round(request, pk)
    rows = rules.progress(row)
    if wants_xlsx(request):
        return round_workbook(request, row, rows)
    inspections = row.inspections.select_related("business", "inspector")[:200]
    context = {
        "round": row,
        "rows": rows,
        "totals": rules.totals(rows),
        "inspections": inspections,
        "runs": rules.may_run_round(request.user, row.street, row.community),
    }
    return render(request, "inspections/round.html", context)


def round_workbook(request: HttpRequest, row: Round, rows: list[rules.Progress]) -> HttpResponse:
    """The round as one sheet: a line per finding of every visit, and a line for each business
    not visited yet."""
    headers = [
        _("business"),
        _("kind of premises"),
        _("community"),
        _("address"),
        _("visits"),
        _("visited at"),
        _("kind"),
        _("inspector"),
        pgettext("inspection", "item"),
        _("result"),
        _("fixed on the spot"),
        _("rectify by"),
        _("note"),
        _("checked again"),
        pgettext("inspection", "case"),
    ]
    findings = (
        Finding.objects.filter(inspection__round=row)
        .select_related("inspection__inspector", "case")
        .order_by("inspection__visited_at", "id")
    )
    by_business: dict[int, list[Finding]] = {}
    for f in findings:
        by_business.setdefault(f.inspection.business_id, []).append(f)
    data = []
    yes, no = _("yes"), _("no")
    for p in rows:
        b = p.business
        head = [b.name, b.get_kind_display(), b.community.name, b.address, f"{p.visits}/{p.needed}"]
        for f in by_business.get(b.pk, []) or [None]:
            if f is None:
                data.append(head + [""] * 10)
                continue
            i = f.inspection
            data.append(
                head
                + [
                    timezone.localtime(i.visited_at).strftime("%Y-%m-%d %H:%M"),
                    i.get_kind_display(),
                    i.inspector.get_username() if i.inspector else "",
                    f.text,
                    f.get_result_display(),
                    yes if f.fixed_on_spot else "",
                    f.deadline.isoformat() if f.deadline else "",
                    f.note,
                    yes if f.settled_at else (no if f.to_rectify else ""),
                    f.case.hotline_number or str(f.case_id) if f.case_id else "",
                ]
            )
    return export_list(
        request, "inspection_round", headers, data, counted(p.business.community_id for p in rows), round=row.pk
    )


@login_required
@require_POST
def close_round(request: HttpRequest, pk: int) -> HttpResponse:
    row = seen_round(request, pk)
    if not rules.may_run_round(request.user, row.street, row.community):
        raise PermissionDenied
    try:
        rules.close_round(row, request.user)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("Round closed."))
    return redirect("inspections:round", pk=pk)


def seen_inspection(request: HttpRequest, pk: int) -> Inspection:
    return get_visible_or_404(
        request.user,
        Can.INSPECT,
        Inspection.objects.select_related("business__community", "round", "template", "inspector"),
        pk=pk,
    )


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = seen_inspection(request, pk)
    findings = list(inspection.findings.select_related("rechecks", "case"))
    return render(request, "inspections/inspection.html", {"i": inspection, "findings": findings})


def photo_source(finding: Finding) -> str:
    # WeasyPrint reads the photo from the page itself: nothing is fetched while printing.
    with finding.photo.open("rb") as f:
        return "data:image/jpeg;base64," + base64.b64encode(f.read()).decode()


@login_required
def inspection_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """检查记录: one visit on A4, its findings with their photos, for the business to sign. One
    page prints in well under a second, so it is printed at once, not as a job."""
    inspection = seen_inspection(request, pk)
    findings = list(inspection.findings.all())
    for f in findings:
        f.source = photo_source(f) if f.photo else ""
    html = render_to_string(
        "inspections/record_print.html",
        {"i": inspection, "findings": findings, "printed_at": timezone.localtime()},
    )
    return pdf_response(
        request,
        "inspection_record",
        html,
        f"inspection-{inspection.pk}.pdf",
        {inspection.business.community_id: 1},
        inspection=inspection.pk,
    )


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_visible_or_404(request.user, Can.INSPECT, Finding.objects.all(), pk=pk)
    if not finding.photo:
        raise Http404
    response = FileResponse(finding.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def rectifications(request: HttpRequest) -> HttpResponse:
    inspects(request)
    rows = (
        visible(request.user, Can.INSPECT, Finding.objects.filter(rules.TO_RECTIFY))
        .select_related("inspection__business__community", "case")
        .order_by("deadline", "id")[:500]
    )
    return render(request, "inspections/rectifications.html", {"rows": rows, "today": rules.today()})


@login_required
def staff(request: HttpRequest, pk: int) -> HttpResponse:
    """A business's staff list, typed in, and who on it is under observation."""
    business = get_visible_or_404(request.user, Can.INSPECT, Business.objects.select_related("community"), pk=pk)
    values = {"name": "", "phone": "", "id_number": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in values}
        try:
            rules.add_staff(business, request.user, **values)
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("Added to the staff list."))
            return redirect("inspections:staff", pk=pk)
    observed = {s.pk for s in rules.observed_staff(business)}
    pending = [rules.StaffRow(**r) for r in request.session.get(import_key(pk), [])]
    rows = [
        {
            "name": s.name,
            "phone": mask_phone(s.phone),
            "id_number": mask_id_number(s.id_number),
            "observed": s.pk in observed,
        }
        for s in business.staff.all()
    ]
    preview = [
        {
            "line": r.line,
            "name": r.name,
            "phone": mask_phone(r.phone),
            "id_number": mask_id_number(r.id_number),
            "problems": r.problems,
        }
        for r in pending
    ]
    context = {
        "business": business,
        "rows": rows,
        "values": values,
        "observed": len(observed),
        "preview": preview,
        "importable": bool(preview) and not any(r["problems"] for r in preview),
    }
    return render(request, "inspections/staff.html", context)


def import_key(pk: int) -> str:
    return f"inspections-staff-import-{pk}"


@login_required
@require_POST
def staff_import(request: HttpRequest, pk: int) -> HttpResponse:
    """A staff list uploaded (.xlsx or .csv), shown row by row first and kept all or nothing.
    The rows wait in the session between the two steps, not in the page."""
    business = get_visible_or_404(request.user, Can.INSPECT, Business.objects.all(), pk=pk)
    key = import_key(pk)
    action = request.POST.get("action", "check")
    try:
        if action == "check":
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError(_("Choose the file of the staff list."))
            if upload.size > settings.IMPORT_MAX_BYTES:
                raise ValidationError(
                    _("The file is larger than %(mb)s MB.") % {"mb": settings.IMPORT_MAX_BYTES // 2**20}
                )
            request.session[key] = [dataclasses.asdict(r) for r in rules.read_staff(business, upload.read())]
        elif action == "confirm":
            rows = [rules.StaffRow(**r) for r in request.session.get(key, [])]
            n = rules.import_staff(business, request.user, rows)
            request.session.pop(key, None)
            messages.success(request, _("%(n)s added to the staff list.") % {"n": n})
        else:
            request.session.pop(key, None)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    return redirect("inspections:staff", pk=pk)


@login_required
def checklists(request: HttpRequest) -> HttpResponse:
    inspects(request)
    kinds = []
    for kind, label in Business.Kind.choices:
        template = Template.current(kind)
        kinds.append((label, template, list(template.items.all()) if template else []))
    return render(request, "inspections/checklists.html", {"kinds": kinds})


@login_required
def phone(request: HttpRequest) -> HttpResponse:
    """The inspector's phone page: choose a business of an open round, go through its checklist,
    or revisit what is left to rectify; all of it works offline and syncs once."""
    inspects(request)
    words = {
        "pass": pgettext("inspection", "pass"),
        "fail": _("fail"),
        "na": _("n.a."),
        "fixed": _("fixed on the spot"),
        "deadline": _("rectify by"),
        "note": _("note"),
        "photo": _("photo"),
        "visits": _("visits"),
        "waiting": _("waiting to sync"),
        "saved": _("Saved on the phone: it is sent when there is a network."),
        "synced": _("Sent."),
        "none": _("No open round has businesses for you."),
        "all_items": _("Give every item a result."),
        "fail_needs": _("A failure is fixed on the spot or given a date to rectify by."),
        "log_in": _("Not sent yet: log in again, then it is sent."),
        "correct": _("Correct it"),
        "discard": _("Discard"),
        "refused": _("Not saved by the office:"),
        "revisit": _("Revisit"),
        "nothing_left": _("Nothing is left to rectify here."),
        "visit": _("Inspect"),
    }
    return render(request, "inspections/phone.html", {"words": words})
