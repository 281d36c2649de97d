"""The street's 12345 pages: upload the hotline's export, see where each order goes, confirm;
download the rows with their errors, the template, and the answer (handled orders in the
hotline's columns). Only whoever handles the street's cases (its admin) uses them: another
street's imports answer 404."""

from __future__ import annotations

import datetime
import os

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangxian.accounts import audit
from fangxian.accounts.exports import audit_export, xlsx_response
from fangxian.accounts.models import AuditEvent
from fangxian.accounts.scoping import CAPABILITIES, Can, holds_place, roles_of
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.lib.ids import as_day, as_id
from fangxian.lib.tabular import write_xlsx
from fangxian.places.models import Street

from . import workorders
from .models import WorkOrderImport

Status = WorkOrderImport.Status


def hotline_streets(user):
    """The streets whose work orders the user takes in: a street admin's own."""
    if user.is_superuser:
        return Street.objects.all()
    ids = [r.street_id for r in roles_of(user) if r.street_id and Can.HANDLE_CASES in CAPABILITIES.get(r.kind, ())]
    return Street.objects.filter(id__in=ids).order_by("code")


def may_take(user, street_id: int) -> bool:
    return holds_place(user, Can.HANDLE_CASES, "street", street_id)


class UploadForm(forms.Form):
    street = forms.ModelChoiceField(queryset=None, label=gettext_lazy("street"))
    file = forms.FileField(label=gettext_lazy("the 12345 export (.xlsx or .csv)"))

    def __init__(self, *args, streets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets
        if streets.count() == 1:
            self.fields["street"].initial = streets.first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB: split it.") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


def stored_name(name: str) -> str:
    limit = WorkOrderImport._meta.get_field("filename").max_length
    if len(name) <= limit:
        return name
    stem, extension = os.path.splitext(name)
    return stem[: limit - len(extension[:10])] + extension[:10]


def clear_abandoned(keep_days: int) -> int:
    """Uploads never confirmed lose their file and rows after `keep_days`: callers' names
    and phones are not kept for an import no one wanted. Counts stay."""
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    return workorders.clear(WorkOrderImport.objects.exclude(status=Status.APPLIED).filter(created_at__lt=cutoff))


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    clear_abandoned(settings.IMPORT_KEEP_DAYS)
    streets = hotline_streets(request.user)
    if not streets.exists():
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, streets=streets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"]
        batch = WorkOrderImport.objects.create(
            street=form.cleaned_data["street"],
            filename=stored_name(data.name),
            data=data.read(),
            uploaded_by=request.user,
        )
        start_job(request, batch, _("Checking %(name)s") % {"name": batch.filename}, check_job)
        return redirect("hotline:preview", pk=batch.pk)
    recent = WorkOrderImport.objects.filter(street__in=streets).defer("data", "report", "error_report")[:10]
    columns = [(c.zh, c.required, workorders.COLUMN_HELP.get(c.key, "")) for c in workorders.COLUMNS]
    return render(
        request,
        "casework/hotline_upload.html",
        {
            "form": form,
            "recent": recent,
            "columns": columns,
            "streets": streets,
            "keep_days": settings.IMPORT_KEEP_DAYS,
        },
    )


def job_key(batch: WorkOrderImport) -> str:
    return f"casework.hotline.{batch.pk}"


def start_job(request: HttpRequest, batch: WorkOrderImport, title: str, work) -> None:
    """A job names a community; a street's import names the street's first. A street without
    communities has nothing to route to, and its check runs in the request."""
    community = batch.street.communities.order_by("code").first()
    if community is None:
        try:
            work(Job(user=request.user, params={"batch": batch.pk}))
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        return
    try:
        running.start(
            request.user,
            community,
            title,
            work,
            Can.HANDLE_CASES,
            params={"batch": batch.pk},
            key=job_key(batch),
            next_url=reverse("hotline:preview", args=[batch.pk]),
        )
    except running.Busy:
        messages.error(request, _("Someone else is importing this file right now: its result will show here."))


def job_batch(job: Job) -> WorkOrderImport:
    batch = WorkOrderImport.objects.select_related("street").filter(pk=job.params["batch"]).first()
    if batch is None or not may_take(job.user, batch.street_id):
        raise ValidationError(_("You may no longer import work orders for this street."))
    return batch


def check_job(job: Job) -> None:
    batch = job_batch(job)
    report = workorders.check_file(batch.street, bytes(batch.data), progress=job.report if job.pk else None)[0]
    batch.status = Status.PREVIEWED if report.ok else Status.INVALID
    batch.row_count = report.rows
    batch.error_count = len(report.errors)
    batch.report = report.as_json()
    batch.error_report = report.error_report
    batch.plan_digest = report.digest
    batch.save(update_fields=["status", "row_count", "error_count", "report", "error_report", "plan_digest"])


def not_confirmable(batch: WorkOrderImport) -> str:
    if batch.status == Status.PREVIEWED and batch.cleared_at is not None:
        return _("This file was deleted unconfirmed: upload it again.")
    if batch.status != Status.PREVIEWED:
        return _("This file has already been imported, or has errors.")
    return ""


def confirm_job(job: Job) -> None:
    batch = job_batch(job)
    if job.pk:
        job.report(_("Checking the file again and writing it…"))
    try:
        with transaction.atomic():
            batch = WorkOrderImport.objects.select_for_update().select_related("street").get(pk=batch.pk)
            problem = not_confirmable(batch)
            if problem:
                raise ValidationError(problem)
            report = workorders.run_import(batch.street, bytes(batch.data), job.user, seen=batch.plan_digest)
            apply(job.user, batch, report)
    except IntegrityError:
        raise ValidationError(
            _("The work orders changed while importing; nothing was imported. Check the file again.")
        ) from None


def apply(user, batch: WorkOrderImport, report: workorders.Report) -> None:
    batch.report = report.as_json()
    batch.error_count = len(report.errors)
    batch.error_report = report.error_report
    if report.ok and not report.summary:
        batch.plan_digest = report.digest
        batch.report["notice"] = "changed"
    elif report.ok:
        batch.status = Status.APPLIED
        batch.summary = report.summary
        batch.applied_at = batch.cleared_at = timezone.now()
        # The street's cases hold the orders now: the file with callers' names and phones goes.
        routed, held = batch.report.get("routed", {}), batch.report.get("held_count", 0)
        batch.data, batch.error_report = b"", b""
        batch.report = {"routed": routed, "held_count": held}
        audit.record(
            None,
            AuditEvent.Action.IMPORT,
            batch,
            user=user,
            kind="work_orders",
            street=batch.street_id,
            filename=batch.filename,
            **report.summary,
        )
    else:
        batch.status = Status.INVALID
        batch.report["notice"] = "errors_now"
    batch.save()


NOTICES = {
    "changed": lambda: _(
        "The street's work orders changed after you checked this file, so nothing was imported. "
        "Look at the preview again and confirm."
    ),
    "errors_now": lambda: _("Nothing was imported: the file has errors now."),
}


def street_batch(request: HttpRequest, pk: int) -> WorkOrderImport:
    batch = WorkOrderImport.objects.select_related("street", "uploaded_by").defer("data", "error_report")
    batch = batch.filter(pk=pk).first()
    if batch is None or not may_take(request.user, batch.street_id):
        raise Http404
    return batch


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    batch = street_batch(request, pk)
    latest = Job.objects.filter(key=job_key(batch)).first()
    report = batch.report
    notice = report.get("notice")
    unknown = sorted(report.get("unknown_categories", {}).items(), key=lambda kv: -kv[1])
    context = {
        "batch": batch,
        "job": latest if latest and latest.user_id == request.user.pk and latest.state != Job.State.DONE else None,
        "underway": latest is not None and latest.state in Job.ACTIVE,
        "notice": NOTICES[notice]() if notice in NOTICES else "",
        "report": report,
        "routed": sorted(report.get("routed", {}).items()),
        "unknown": unknown,
        "errors": report.get("errors", []),
        "more_errors": max(batch.error_count - len(report.get("errors", [])), 0),
        "keep_days": settings.IMPORT_KEEP_DAYS,
        "results": {
            "created": _("a new order"),
            "updated": _("updated"),
            "unchanged": _("unchanged"),
            "closed": _("closed here, left as it is"),
        },
    }
    return render(request, "casework/hotline_preview.html", context)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = street_batch(request, pk)
    problem = not_confirmable(batch)
    if problem:
        messages.error(request, problem)
    else:
        start_job(request, batch, _("Importing %(name)s") % {"name": batch.filename}, confirm_job)
    return redirect("hotline:preview", pk=pk)


@login_required
def errors(request: HttpRequest, pk: int) -> HttpResponse:
    """The file as uploaded with a column saying what is wrong with each row."""
    batch = street_batch(request, pk)
    data = WorkOrderImport.objects.filter(pk=batch.pk).values_list("error_report", flat=True).get()
    if batch.cleared_at is not None or not data:
        raise Http404
    audit.record(
        request, AuditEvent.Action.EXPORT, list="work_order_errors", rows=batch.row_count, street=batch.street_id
    )
    return xlsx_response(bytes(data), f"errors-{batch.pk}.xlsx")


@login_required
def template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(workorders.template(), "fangxian-12345-template.xlsx")


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The answer to the hotline: the street's handled orders in its columns, from and until
    the days asked (of handling). Whoever may take the street's orders in and export its
    communities' data; audited per community, the street's own orders under the street."""
    streets = hotline_streets(request.user)
    if not streets.exists():
        raise PermissionDenied
    street_id = as_id(request.GET.get("street")) or (streets.first().id if streets.count() == 1 else None)
    street = Street.objects.filter(pk=street_id).first() if street_id else None
    if street is None or not may_take(request.user, street.id):
        raise Http404
    since, until = as_day(request.GET.get("from")), as_day(request.GET.get("until"))
    headers, rows, counts = workorders.export_rows(street, since, until)
    if not holds_place(request.user, Can.EXPORT, "street", street.id):
        raise PermissionDenied
    communities = {c: n for c, n in counts.items() if c is not None}
    audit_export(request, "work_orders", communities, street=street.id)
    if None in counts:
        audit.record(request, AuditEvent.Action.EXPORT, list="work_orders", rows=counts[None], street=street.id)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(write_xlsx(headers, rows, sheet_title="12345"), f"12345-{street.code}-{stamp}.xlsx")
