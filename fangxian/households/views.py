"""The household's own page, opened by its private link without an account: its permits as
codes the gate can scan from the phone's screen, its errands and vegetable orders, a way to
ask for either, and for anyone under observation the twice-daily report.

It shows this household only, names masked, and nothing a stranger holding the phone could
use against it: no phone numbers, no ID numbers."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from fangxian.gate.models import Permit
from fangxian.gate.printing import qr
from fangxian.lib.masking import mask_name
from fangxian.people import links
from fangxian.people.models import HouseholdLink
from fangxian.watch.models import Observation


def household_for(token: str) -> HouseholdLink:
    link = links.live(token)
    if link is None:
        raise Http404
    return link


def private(response: HttpResponse) -> HttpResponse:
    # The token is the key: keep it out of Referers and out of shared caches.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def page(request: HttpRequest, token: str) -> HttpResponse:
    link = household_for(token)
    dwelling = link.dwelling
    now = timezone.now()
    residents = dwelling.residents.filter(moved_out_on__isnull=True).order_by("id")
    permits = (
        Permit.objects.filter(resident__in=residents, revoked_at__isnull=True, valid_until__gt=now)
        .select_related("resident")
        .order_by("resident_id", "-issued_at")
    )
    cards = [
        {"name": mask_name(p.resident.name), "until": p.valid_until, "qr": qr(p.code).svg_data_uri(border=4)}
        for p in permits
    ]
    observations = Observation.objects.filter(resident__in=residents, released_at__isnull=True).select_related(
        "resident"
    )
    reports = [
        {
            "name": mask_name(o.resident.name),
            "ends_on": o.ends_on,
            "url": reverse("watch:self_report", args=[o.report_token]),
        }
        for o in observations
        if o.link_open
    ]
    context = {"dwelling": dwelling, "cards": cards, "reports": reports}
    return private(render(request, "households/page.html", context))
