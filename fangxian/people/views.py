from __future__ import annotations

import os
from collections.abc import Callable

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts import audit
from fangxian.accounts.exports import audit_export, counted, export_list, require_export, wants_xlsx, xlsx_response
from fangxian.accounts.models import AuditEvent
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.lib.ids import as_id
from fangxian.lib.masking import mask_id_number, mask_phone
from fangxian.lib.tabular import write_xlsx
from fangxian.places.models import Building, Community, Dwelling, Grid

from . import importing, links, registry
from .forms import ImportForm, MoveOutForm, ResidentForm
from .models import ImportBatch, Move, Resident, Tag
from .registry import move_out, save_resident
from .search import search_residents

PAGE_SIZE = 50


def residents_of(user, capability: Can = Can.VIEW_RESIDENTS):
    return visible(user, capability, Resident.objects.select_related("dwelling__building"))


def require(user, capability: Can, obj=None) -> None:
    if not can(user, capability, obj):
        raise PermissionDenied


@login_required
def resident_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Can.VIEW_RESIDENTS)
    rows = residents_of(request.user)
    params = request.GET
    rows = rows.exclude(moved_out_on=None) if params.get("status") == "moved_out" else rows.current()
    if as_id(params.get("community")):
        rows = rows.filter(community_id=as_id(params["community"]))
    if as_id(params.get("building")):
        rows = rows.filter(dwelling__building_id=as_id(params["building"]))
    if as_id(params.get("grid")):
        rows = rows.filter(dwelling__building__grid_id=as_id(params["grid"]))
    if params.get("tag") in Tag.values:
        rows = rows.with_tag(params["tag"])
    if params.get("residence") in Resident.Residence.values:
        rows = rows.filter(residence=params["residence"])
    rows = search_residents(request.user, rows, params.get("q", ""))
    if wants_xlsx(request):
        return export_residents(request, rows)
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))
    context = {
        "page": page,
        "query": params.urlencode(),
        "tags": Tag.choices,
        "residences": Resident.Residence.choices,
        "buildings": visible(request.user, Can.VIEW_PLACES, Building.objects.all()),
        "grids": visible(request.user, Can.VIEW_PLACES, Grid.objects.all()),
        "can_edit": can(request.user, Can.EDIT_REGISTRY),
        "can_export": can(request.user, Can.EXPORT),
    }
    template = "people/_resident_rows.html" if request.headers.get("HX-Request") else "people/residents.html"
    return render(request, template, context)


def birth_exported(resident: Resident, full_id: bool) -> str:
    """The whole date goes out with the whole ID number; beside a masked mainland number, the year."""
    if resident.birth_date is None:
        return ""
    if full_id or not resident.birth_inside_id:
        return resident.birth_date.isoformat()
    return str(resident.birth_year)


def export_residents(request: HttpRequest, rows) -> HttpResponse:
    """Exported in the import template's layout, so an edited export imports straight back.
    Full numbers only for rows the user may reveal; every export is audited."""
    rows = list(
        rows.filter(id__in=visible(request.user, Can.EXPORT, Resident.objects.all()).values("id")).select_related(
            "dwelling__building"
        )
    )
    ids = [r.id for r in rows]
    full_ids = set(
        visible(request.user, Can.REVEAL_ID, Resident.objects.filter(id__in=ids)).values_list("id", flat=True)
    )
    full_phones = set(
        visible(request.user, Can.REVEAL_PHONE, Resident.objects.filter(id__in=ids)).values_list("id", flat=True)
    )
    headers = [importing.column_label(c) for c in importing.RESIDENT_COLUMNS]
    data = [
        [
            r.dwelling.building.number,
            r.dwelling.entrance,
            r.dwelling.room,
            r.name,
            r.get_sex_display(),
            r.get_id_type_display(),
            r.id_number if r.id in full_ids else mask_id_number(r.id_number),
            birth_exported(r, r.id in full_ids),
            r.phone if r.id in full_phones else mask_phone(r.phone),
            r.get_relation_display(),
            r.get_residence_display(),
            "、".join(r.tag_labels()),
        ]
        for r in rows
    ]
    return export_list(
        request,
        "residents",
        headers,
        data,
        counted(r.community_id for r in rows),
        full_ids=len(full_ids),
        full_phones=len(full_phones),
    )


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    resident = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, residents_of(request.user), pk=pk)
    context = {
        "resident": resident,
        "moves": resident.moves.select_related("from_dwelling__building", "to_dwelling__building"),
        "can_edit": can(request.user, Can.EDIT_REGISTRY, resident),
        "can_reveal_id": can(request.user, Can.REVEAL_ID, resident),
        "can_reveal_phone": can(request.user, Can.REVEAL_PHONE, resident),
        "move_out_form": MoveOutForm(initial={"moved_on": timezone.localdate()}),
    }
    return render(request, "people/resident.html", context)


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    resident = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Resident.objects.all(), pk=pk)
    try:
        value = registry.reveal(request, resident, field)
    except KeyError:
        raise Http404 from None
    return render(request, "people/_revealed.html", {"value": value, "field": field})


@login_required
def resident_photo(request: HttpRequest, pk: int) -> HttpResponse:
    # Photos are personal data: served through the scoping layer, never from a public URL.
    resident = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Resident.objects.all(), pk=pk)
    if not resident.photo:
        raise Http404
    response = FileResponse(resident.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def editable_buildings(user):
    return visible(user, Can.EDIT_REGISTRY, Building.objects.select_related("community"))


@login_required
def resident_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    resident = None
    if pk is not None:
        resident = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, residents_of(request.user), pk=pk)
        require(request.user, Can.EDIT_REGISTRY, resident)
    else:
        require(request.user, Can.EDIT_REGISTRY)
    buildings = editable_buildings(request.user)
    initial = {}
    dwelling_id = as_id(request.GET.get("dwelling"))
    if resident is None and dwelling_id:
        dwelling = visible(request.user, Can.EDIT_REGISTRY, Dwelling.objects.all()).filter(pk=dwelling_id).first()
        if dwelling is not None:
            initial = {"building": dwelling.building_id, "entrance": dwelling.entrance, "room": dwelling.room}
    form = ResidentForm(
        request.POST or None, request.FILES or None, buildings=buildings, instance=resident, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_resident(
                form.cleaned_data["values"], form.cleaned_data["dwelling"], request.user, instance=resident
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            photo = form.cleaned_data.get("photo")
            if photo:
                saved.photo.save(f"{saved.pk}.jpg", photo)
            messages.success(request, _("Saved."))
            return redirect("people:resident", pk=saved.pk)
    return render(request, "people/resident_form.html", {"form": form, "resident": resident})


@login_required
@require_POST
def resident_move_out(request: HttpRequest, pk: int) -> HttpResponse:
    resident = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Resident.objects.current(), pk=pk)
    require(request.user, Can.EDIT_REGISTRY, resident)
    form = MoveOutForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["moved_on"] > timezone.localdate():
            messages.error(request, _("The move-out date is in the future."))
        else:
            move_out(resident, request.user, form.cleaned_data["moved_on"], form.cleaned_data["reason"])
            messages.success(request, _("Moved out; the record is kept in the history."))
    else:
        messages.error(request, _("Give the date of the move."))
    return redirect("people:resident", pk=pk)


@login_required
def household(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = get_visible_or_404(
        request.user, Can.VIEW_PLACES, Dwelling.objects.select_related("building", "community"), pk=pk
    )
    require(request.user, Can.VIEW_RESIDENTS, dwelling)
    residents = residents_of(request.user).filter(dwelling=dwelling)
    moves = Move.objects.filter(Q(from_dwelling=dwelling) | Q(to_dwelling=dwelling)).select_related("resident")
    can_link = can(request.user, Can.RUN_SERVICES, dwelling)
    new_token = request.session.pop(f"new_link_{dwelling.pk}", None) if can_link else None
    context = {
        "dwelling": dwelling,
        "current": [r for r in residents if r.moved_out_on is None],
        "moves": moves,
        "can_edit": can(request.user, Can.EDIT_REGISTRY, dwelling),
        "can_link": can_link,
        "link": dwelling.links.filter(revoked_at__isnull=True).first() if can_link else None,
    }
    if new_token:
        context["new_link"] = request.build_absolute_uri(reverse("households:page", args=[new_token]))
        # Inline SVG: the Content-Security-Policy keeps data: images out of pages.
        context["new_link_qr"] = mark_safe(
            segno.make_qr(context["new_link"], error="m").svg_inline(border=4, omitsize=True)
        )
    return render(request, "people/household.html", context)


@login_required
@require_POST
def household_link(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Give the household its link (a new one replaces the old), or take it back."""
    dwelling = get_visible_or_404(request.user, Can.VIEW_PLACES, Dwelling.objects.all(), pk=pk)
    require(request.user, Can.RUN_SERVICES, dwelling)
    if action == "issue":
        # Shown once, on the next page: the token is never listed anywhere afterwards.
        request.session[f"new_link_{dwelling.pk}"] = links.issue(dwelling, request).token
        messages.success(request, _("The household has a new link; any earlier one no longer opens."))
    elif action == "revoke":
        if links.revoke(dwelling, request):
            messages.success(request, _("The household's link no longer opens."))
        else:
            messages.info(request, _("The household had no link to revoke."))
    else:
        raise Http404
    return redirect("people:household", pk=pk)


def importable_communities(user):
    return visible(user, Can.IMPORT, Community.objects.all())


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Takes the file and answers at once: its check runs as a job (seconds for a large
    file), and the batch's page follows it until the preview is ready."""
    communities = importable_communities(request.user)
    if not communities.exists():
        raise PermissionDenied
    form = ImportForm(
        request.POST or None, request.FILES or None, communities=communities, max_bytes=settings.IMPORT_MAX_BYTES
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = ImportBatch.objects.create(
            community=form.cleaned_data["community"],
            kind=form.cleaned_data["kind"],
            filename=stored_name(upload.name),
            data=upload.read(),
            status=ImportBatch.Status.CHECKING,
            uploaded_by=request.user,
        )
        start_import_job(request, batch, _("Checking %(name)s") % {"name": batch.filename}, check_job)
        return redirect("people:import_preview", pk=batch.pk)
    recent = visible(request.user, Can.IMPORT, ImportBatch.objects.defer("data", "report", "error_report"))[:10]
    return render(
        request,
        "people/import_upload.html",
        {"form": form, "recent": recent, "kinds": ImportBatch.Kind.choices, "keep_days": settings.IMPORT_KEEP_DAYS},
    )


def import_key(batch: ImportBatch) -> str:
    """One job at a time per upload: its check, then a confirmation; two confirmations of
    one file make one job."""
    return f"people.import.{batch.pk}"


def start_import_job(request: HttpRequest, batch: ImportBatch, title: str, work: Callable[[Job], None]) -> None:
    try:
        running.start(
            request.user,
            batch.community,
            title,
            work,
            Can.IMPORT,
            params={"batch": batch.pk},
            key=import_key(batch),
            next_url=reverse("people:import_preview", args=[batch.pk]),
        )
    except running.Busy:
        messages.error(request, _("Someone else is importing this file right now: its result will show here."))


def job_batch(job: Job) -> ImportBatch:
    """The job's upload, if the person who asked may still import for its community."""
    batch = (
        visible(job.user, Can.IMPORT, ImportBatch.objects.select_related("community"))
        .filter(pk=job.params["batch"])
        .first()
    )
    if batch is None or not holds_community(job.user, Can.IMPORT, batch.community_id):
        raise ValidationError(_("You may no longer import spreadsheets for this community."))
    return batch


def check_job(job: Job) -> None:
    """The upload's check: the preview, the plan's digest and the rows with their errors."""
    batch = job_batch(job)
    report = importing.check_file(batch.kind, batch.community, bytes(batch.data), progress=job.report)[0]
    batch.status = ImportBatch.Status.PREVIEWED if report.ok else ImportBatch.Status.INVALID
    batch.row_count = report.rows
    batch.error_count = len(report.errors)
    batch.report = report.as_json()
    batch.error_report = report.error_report
    batch.plan_digest = report.digest
    batch.save(update_fields=["status", "row_count", "error_count", "report", "error_report", "plan_digest"])


def stored_name(name: str) -> str:
    """Cut to fit its column, keeping the extension, which says what the file was."""
    limit = ImportBatch._meta.get_field("filename").max_length
    if len(name) <= limit:
        return name
    stem, extension = os.path.splitext(name)
    extension = extension[:10]
    return stem[: limit - len(extension)] + extension


def import_batch(request: HttpRequest, pk: int) -> ImportBatch:
    """The batch without its file and rows with errors: megabytes each, read only where needed."""
    batches = ImportBatch.objects.select_related("community").defer("data", "error_report")
    batch = get_visible_or_404(request.user, Can.IMPORT, batches, pk=pk)
    if not holds_community(request.user, Can.IMPORT, batch.community_id):
        raise Http404
    return batch


# What the last confirmation found instead of writing, said on the batch's page.
NOTICES = {
    "registry_changed": lambda: _(
        "The registry changed after you checked this file, so nothing was imported. "
        "Look at the changes below again and confirm."
    ),
    "errors_now": lambda: _("Nothing was imported: the file has errors now."),
}


@login_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = import_batch(request, pk)
    errors = batch.report.get("errors", [])
    latest = Job.objects.filter(key=import_key(batch)).first()
    notice = batch.report.get("notice")
    context = {
        "batch": batch,
        # The asker's check or confirmation, under way or failed; another person's only as "under way".
        "job": latest if latest and latest.user_id == request.user.pk and latest.state != Job.State.DONE else None,
        "underway": latest is not None and latest.state in Job.ACTIVE,
        "notice": NOTICES[notice]() if notice in NOTICES else "",
        "file_error": batch.report.get("file_error"),
        "header": batch.report.get("header", []),
        "preview": batch.report.get("preview", []),
        "changes": batch.report.get("changes", []),
        "absent": batch.report.get("absent", []),
        "plan": batch.report.get("plan", {}),
        "keep_days": settings.IMPORT_KEEP_DAYS,
        "errors": errors,
        "more_errors": max(batch.error_count - len(errors), 0),
        # Uploads checked before the count was kept have every error in their report.
        "error_lines": batch.report.get("error_lines", len({e[0] for e in errors})),
    }
    return render(request, "people/import_preview.html", context)


def not_confirmable(batch: ImportBatch) -> str:
    """Why the batch cannot be imported now, or nothing."""
    if batch.status == ImportBatch.Status.PREVIEWED and batch.cleared_at is not None:
        return _("This file was deleted unconfirmed: upload it again.")
    if batch.status != ImportBatch.Status.PREVIEWED:
        return _("This file has already been imported, or has errors.")
    return ""


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirming checks the file again and writes it, as a job; the batch's page follows it."""
    batch = import_batch(request, pk)
    problem = not_confirmable(batch)
    if problem:
        messages.error(request, problem)
    else:
        start_import_job(request, batch, _("Importing %(name)s") % {"name": batch.filename}, confirm_job)
    return redirect("people:import_preview", pk=pk)


def confirm_job(job: Job) -> None:
    batch = job_batch(job)
    # Nothing said inside the transaction is seen before it ends: one line for the whole of it.
    job.report(_("Checking the file again and writing it…"))
    try:
        with transaction.atomic():
            # Locked, and its status checked again: a confirmation queued behind another imports nothing.
            batch = ImportBatch.objects.select_for_update().select_related("community").get(pk=batch.pk)
            problem = not_confirmable(batch)
            if problem:
                raise ValidationError(problem)
            # Checked again: the registry may have changed since the preview, and then only the
            # plan she saw is written.
            report = importing.run_import(
                batch.kind, batch.community, bytes(batch.data), apply=True, seen=batch.plan_digest
            )
            apply_report(job.user, batch, report)
    except IntegrityError:
        raise ValidationError(
            _("The registry changed while importing; nothing was imported. Check the file again.")
        ) from None


def apply_report(user, batch: ImportBatch, report: importing.Report) -> None:
    batch.report = report.as_json()
    batch.error_count = len(report.errors)
    batch.error_report = report.error_report
    if report.ok and not report.summary:
        # Not what the preview showed: the fresh preview replaces it, to be looked at and confirmed.
        batch.plan_digest = report.digest
        batch.report["notice"] = "registry_changed"
    elif report.ok:
        batch.status = ImportBatch.Status.APPLIED
        batch.summary = report.summary
        batch.applied_at = batch.cleared_at = timezone.now()
        # Written to the registry: the file and its rows need not be kept twice. Counts stay.
        batch.data, batch.report = b"", {}
        audit.record(
            None,
            AuditEvent.Action.IMPORT,
            batch,
            community_id=batch.community_id,
            user=user,
            kind=batch.kind,
            filename=batch.filename,
            **report.summary,
        )
    else:
        batch.status = ImportBatch.Status.INVALID
        batch.report["notice"] = "errors_now"
    batch.save()


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The file as uploaded with one more column saying what is wrong with each row, as the
    check wrote it: never rebuilt for a download."""
    batch = import_batch(request, pk)
    if batch.cleared_at is not None:
        raise Http404
    require_export(request, {batch.community_id: 1}, Can.IMPORT)
    data = ImportBatch.objects.filter(pk=batch.pk).values_list("error_report", flat=True).get()
    if not data:
        raise Http404
    audit_export(request, "import_errors", {batch.community_id: batch.row_count}, batch=batch.pk)
    return xlsx_response(bytes(data), f"errors-{batch.pk}.xlsx")


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in ImportBatch.Kind.values:
        raise Http404
    headers, examples = importing.template_rows(kind)
    return xlsx_response(write_xlsx(headers, examples, sheet_title=kind), f"fangxian-{kind}-template.xlsx")
