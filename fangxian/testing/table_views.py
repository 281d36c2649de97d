"""The sampler's phone page at the table: choose the campaign and site, then per person scan
the permit (or type the ID number) and the tube; it works offline and syncs once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fangxian.accounts.scoping import Can, can, visible

from .models import Campaign


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
        "correct": _("Correct it"),
        "discard": _("Discard"),
        "log_in": _("Not sent yet: log in again, then it is sent."),
        "no_camera": _("No camera here: type the number."),
    }
    return render(request, "testing/table.html", {"campaigns": table_campaigns(request.user), "words": words})
