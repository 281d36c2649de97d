"""The sampler's phone page, and the page that orders tube labels.

The sampler's phone page at the table: choose the campaign and site, then per person scan
the permit (or type the ID number) and the tube; it works offline and syncs once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangxian.accounts.scoping import Can, can, visible
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.lib.ids import as_id
from fangxian.places.models import Community

from . import labels
from .models import Campaign, LabelSheet


def table_campaigns(user) -> list[dict]:
    campaigns = visible(user, Can.SAMPLE, Campaign.objects.filter(status=Campaign.Status.OPEN)).prefetch_related(
        "sites"
    )
    return [
        {
            "id": c.pk,
            "name": c.name,
            "pool_size": c.pool_size,
            "households_together": c.households_together,
            "sites": [{"id": s.pk, "name": s.name} for s in c.sites.all()],
        }
        for c in campaigns
    ]


@login_required
def table(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Can.SAMPLE):
        raise PermissionDenied
    words = {
        "pick_campaign": _("Choose the campaign and the sampling site first."),
        "scan_tube": _("Scan or type the tube number."),
        "person_first": _("Scan the permit or type the ID number."),
        "id_invalid": _("This ID number is not valid: check it digit by digit."),
        "saved": _("Registered on the phone: it is sent when there is a network."),
        "synced": _("Sent."),
        "tube_full": _("Tube full and closed: take a new tube."),
        "closed": _("Tube closed: take a new tube."),
        "refused": _("Not registered by the office:"),
        "refused_some": _("Sent, but the office did not register some: correct them below."),
        "correct": _("Correct it"),
        "discard": _("Discard"),
        "log_in": _("Not sent yet: log in again, then it is sent."),
        "no_camera": _("No camera here: type the number."),
    }
    return render(request, "testing/table.html", {"campaigns": table_campaigns(request.user), "words": words})


def label_communities(user):
    return visible(user, Can.RUN_TESTING, Community.objects.all())


def order_labels(user, community: Community, pages: int) -> Job:
    """Numbers allocated now (so they are taken even if the printing waits), printed as a job."""
    sheet = labels.allocate(community, pages, user)
    return running.start(
        user,
        community,
        _("Tube labels %(first)s–%(last)s (A4 PDF)")
        % {
            "first": labels.number(community, sheet.first),
            "last": labels.number(community, sheet.first + sheet.count - 1),
        },
        labels.print_labels,
        Can.RUN_TESTING,
        params={"sheet": sheet.pk},
    )


@login_required
def label_sheets(request: HttpRequest) -> HttpResponse:
    """Order A4 sheets of new tube numbers (30 a page)."""
    communities = list(label_communities(request.user))
    if not communities:
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        chosen = next((c for c in communities if c.pk == as_id(request.POST.get("community"))), None)
        pages = as_id(request.POST.get("pages")) or 0
        if chosen is None:
            raise Http404
        try:
            job = order_labels(request.user, chosen, pages)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("jobs:job", pk=job.pk)
    sheets = LabelSheet.objects.filter(community__in=communities).select_related("community")[:20]
    rows = [(s, labels.number(s.community, s.first), labels.number(s.community, s.first + s.count - 1)) for s in sheets]
    return render(
        request,
        "testing/labels.html",
        {"communities": communities, "sheets": rows, "error": error, "max_pages": labels.MAX_PAGES},
    )
