from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.scoping import Can, can, get_visible_or_404, visible
from fangxian.people.models import Resident
from fangxian.people.search import search_residents

from . import observations
from .api import observations_seen_by
from .models import Observation


@login_required
def observation_list(request: HttpRequest) -> HttpResponse:
    """Who is on observation, soonest end first; those due for release on top."""
    if not can(request.user, Can.VIEW_RESIDENTS):
        raise PermissionDenied
    running = observations_seen_by(request.user).filter(released_at=None).select_related("resident__dwelling__building")
    q = request.GET.get("q", "").strip()
    found = []
    if q and can(request.user, Can.WATCH):
        found = search_residents(visible(request.user, Can.WATCH, Resident.objects.current().filter(under_observation=False)), q)[:20]
    context = {"running": running, "found": found, "q": q, "can_watch": can(request.user, Can.WATCH), "today": timezone.localdate(),
               "kinds": Observation.Kind.choices}
    return render(request, "watch/observations.html", context)


@login_required
@require_POST
def start_observation(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = get_visible_or_404(request.user, Can.WATCH, Resident.objects.select_related("community__street__district"), pk=resident_id)
    try:
        raw = request.POST.get("start", "")
        begins = datetime.date.fromisoformat(raw) if raw else timezone.localdate()
        observations.start(resident, request.POST.get("kind", Observation.Kind.HOME), begins, request.user,
                           facility=request.POST.get("facility", "")[:100], room=request.POST.get("room", "")[:20])
    except ValueError:
        messages.error(request, _("The start is not a date."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is under observation: the gates will stop them.") % {"name": resident.name})
    return redirect("watch:observations")


@login_required
@require_POST
def release_observation(request: HttpRequest, pk: int) -> HttpResponse:
    observation = get_visible_or_404(request.user, Can.WATCH, Observation.objects.select_related("resident"), pk=pk)
    try:
        observations.release(observation, request.user, request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Released: the gates admit %(name)s again.") % {"name": observation.resident.name})
    return redirect("watch:observations")
