"""Pages for lab results: upload (the preview follows), apply, the imports so far, the recall list."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangxian.accounts.exports import audit_export, xlsx_response
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.lib.ids import as_id
from fangxian.lib.tabular import write_xlsx
from fangxian.places.models import Community

from . import recalls, results
from .models import Campaign, ResultImport


def importing_communities(user):
    """Whole communities only: a lab file speaks for every tube of one."""
    communities = visible(user, Can.RUN_TESTING, Community.objects.all())
    return [c for c in communities.order_by("name_zh") if holds_community(user, Can.RUN_TESTING, c.pk)]


class UploadForm(forms.Form):
    community = forms.ModelChoiceField(queryset=None, label=gettext_lazy("community"))
    file = forms.FileField(label=gettext_lazy("the lab's file (.xlsx, .csv or HL7)"))

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(pk__in=[c.pk for c in communities])
        if len(communities) == 1:
            self.fields["community"].initial = communities[0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB: split it.") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    communities = importing_communities(request.user)
    if not communities:
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        imp = results.upload(form.cleaned_data["community"], request.user, upload.name or "", upload.read())
        return redirect("testing:result_import", pk=imp.pk)
    recent = ResultImport.objects.filter(community__in=communities).defer("data")[:20]
    return render(
        request, "testing/results_upload.html", {"form": form, "recent": recent}, status=400 if form.errors else 200
    )


def visible_import(request: HttpRequest, pk: int) -> ResultImport:
    imports = ResultImport.objects.select_related("community").defer("data")
    imp = get_visible_or_404(request.user, Can.RUN_TESTING, imports, pk=pk)
    if not holds_community(request.user, Can.RUN_TESTING, imp.community_id):
        raise Http404
    return imp


@login_required
def result_import(request: HttpRequest, pk: int) -> HttpResponse:
    imp = visible_import(request, pk)
    report = imp.report
    return render(
        request,
        "testing/results_preview.html",
        {
            "imp": imp,
            "file_error": report.get("file_error"),
            "errors": report.get("errors", []),
            "error_count": report.get("error_count", 0),
            "preview": report.get("preview", []),
            "plan": report.get("plan", {}),
            "already": report.get("already"),
            "words": {"negative": _("negative"), "positive": _("positive"), "invalid": _("invalid, sample again")},
        },
    )


@login_required
@require_POST
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    imp = visible_import(request, pk)
    try:
        results.apply(imp, request.user)
    except results.NotApplied as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The results are applied."))
    return redirect("testing:result_import", pk=pk)


@login_required
def error_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows with their errors, as a spreadsheet. It names tubes and lines, no one's
    personal data; it leaves the system all the same, so it is written to the audit log."""
    imp = visible_import(request, pk)
    header, rows = results.error_rows(imp)
    if not rows:
        raise Http404
    audit_export(request, "result_errors", {imp.community_id: len(rows)})
    return xlsx_response(write_xlsx(header, rows, sheet_title="errors"), f"errors-{imp.pk}.xlsx")


@login_required
def recall_list(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Can.RUN_TESTING):
        raise Http404
    campaign_id = as_id(request.GET.get("campaign", ""))
    campaigns = visible(request.user, Can.RUN_TESTING, Campaign.objects.filter(recalls__isnull=False))
    campaign = None
    if campaign_id is not None:
        campaign = get_visible_or_404(request.user, Can.RUN_TESTING, Campaign.objects.all(), pk=campaign_id)
    pending_only = request.GET.get("show") == "pending"
    listed = recalls.recall_list(request.user, campaign.pk if campaign else None, pending_only)
    return render(
        request,
        "testing/recalls.html",
        {
            "listed": listed,
            "campaign": campaign,
            "campaigns": campaigns.distinct(),
            "pending_only": pending_only,
            # Each reveal is checked and audited per resident by the registry's own view.
            "may_reveal": can(request.user, Can.REVEAL_PHONE),
        },
    )
