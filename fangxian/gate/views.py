from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from .api import usable_gates
from .models import Pass, Permit, Verdict


@login_required
def gates(request: HttpRequest) -> HttpResponse:
    return render(request, "gate/gates.html", {"gates": usable_gates(request.user).select_related("community")})


@login_required
def scan_page(request: HttpRequest, pk: int) -> HttpResponse:
    gate = usable_gates(request.user).filter(pk=pk).select_related("community").first()
    if gate is None:
        raise Http404
    context = {
        "gate": gate,
        "verdicts": {v.value: str(v.label) for v in Verdict},
        "refusals": Pass.Refusal.choices,
        "stale_hours": settings.BUNDLE_STALE_HOURS,
        "common_temperatures": ["36.2", "36.4", "36.5", "36.6", "36.8", "37.0"],
    }
    return render(request, "gate/scan.html", context)


def service_worker(request: HttpRequest) -> HttpResponse:
    # Served from /gate/ so that its scope covers every gate page.
    response = HttpResponse(render_to_string("gate/sw.js"), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def permit_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder's photo for the keeper's face check, at gates that accept the issuer."""
    row = Permit.objects.filter(pk=pk).select_related("resident").first()
    if row is None or not row.resident.photo or not usable_gates(request.user).filter(accepts=row.community_id).exists():
        raise Http404
    response = FileResponse(row.resident.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response
