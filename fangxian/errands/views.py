"""Errand pages: the list, a phone call taken down, an errand's own page, and the deliverer's
phone page (my errands), which keeps working without a network (errands/phone.js)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.lib.ids import as_id
from fangxian.people.models import Resident
from fangxian.places.models import Building, Dwelling
from fangxian.supplies.models import Item, Store

from . import forms, requests
from .models import Errand

SHOW_LABELS = {
    "open": gettext_lazy("open"),
    "claimed": gettext_lazy("claimed"),
    "overdue": gettext_lazy("overdue"),
    "mine": gettext_lazy("mine"),
    "done": gettext_lazy("done"),
}


def problems(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def served(request: HttpRequest, pk: int) -> Errand:
    return get_visible_or_404(
        request.user,
        Can.SERVE,
        Errand.objects.select_related("dwelling__building", "resident", "claimed_by", "delivered_by", "taken_by"),
        pk=pk,
    )


@login_required
def errand_list(request: HttpRequest) -> HttpResponse:
    """A community's or a grid's errands, overdue first; filters with their counts."""
    if not can(request.user, Can.SERVE):
        raise PermissionDenied
    show = request.GET.get("show", "open")
    if show not in requests.SHOWS:
        show = "open"
    counts = requests.counts(request.user)
    page = Paginator(requests.listing(request.user, show), 50).get_page(request.GET.get("page"))
    shows = [(key, label, counts.get(key)) for key, label in SHOW_LABELS.items()]
    context = {
        "show": show,
        "shows": shows,
        "counts": counts,
        "page": page,
        "rows": requests.shown(list(page.object_list), request.user),
        "query": f"show={show}",
        "takes_calls": can(request.user, Can.RUN_SERVICES),
    }
    return render(request, "errands/list.html", context)


@login_required
def take_call(request: HttpRequest) -> HttpResponse:
    """A phone call written down: first the household (building, entrance, room), then what it
    needs. The code the household will read out at the door is shown to tell the caller."""
    if not can(request.user, Can.RUN_SERVICES):
        raise PermissionDenied
    buildings = visible(request.user, Can.RUN_SERVICES, Building.objects.select_related("community"))
    building = buildings.filter(pk=as_id(request.GET.get("building") or request.POST.get("building"))).first()
    entrance = as_id(request.GET.get("entrance") or request.POST.get("entrance")) or 1
    room = (request.GET.get("room") or request.POST.get("room") or "").strip()[:20]
    dwelling = None
    if building is not None and room:
        dwelling = Dwelling.objects.filter(building=building, entrance=entrance, room=room).first()
        if dwelling is None:
            messages.error(request, _("No such room in that entrance of the building."))
    residents = list(Resident.objects.current().filter(dwelling=dwelling)) if dwelling else []
    values = {"kind": "", "what": "", "urgency": "normal", "needed_by": forms.default_needed_by(), "resident": ""}
    errors: dict = {}
    if request.method == "POST" and dwelling is not None:
        values.update({k: request.POST.get(k, "") for k in values})
        resident = next((r for r in residents if str(r.pk) == values["resident"]), None)
        try:
            errand = requests.ask(
                dwelling,
                resident,
                values["kind"],
                values["what"],
                values["urgency"],
                forms.needed_by(values["needed_by"]),
                Errand.Via.PHONE,
                request.user,
                request.POST.get("client_id") or None,
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            messages.error(request, problems(exc))
        else:
            messages.success(
                request,
                _("Errand taken. Tell the household its code for the door: %(code)s") % {"code": errand.code},
            )
            return redirect("errands:errand", pk=errand.pk)
    context = {
        "buildings": buildings,
        "several": len({b.community_id for b in buildings}) > 1,
        "building": building,
        "entrance": entrance,
        "room": room,
        "dwelling": dwelling,
        "residents": residents,
        "observed": any(r.under_observation for r in residents),
        "values": values,
        "errors": errors,
        # One errand however often the form is sent (a double tap, a resend after a timeout).
        "client_id": request.POST.get("client_id") or uuid.uuid4(),
        "kinds": forms.KINDS,
        "urgencies": forms.URGENCIES,
    }
    return render(request, "errands/take_call.html", context)


@login_required
def errand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    errand = served(request, pk)
    [row] = requests.shown([errand], request.user)
    runs = can(request.user, Can.RUN_SERVICES, errand)
    supplies = list(requests.supplies_of(errand))
    for movement in supplies:
        movement.shown = movement.item.show(movement.quantity)
    context = {
        "errand": errand,
        "row": row,
        "runs": runs,
        "may_claim": errand.state == Errand.State.OPEN,
        "may_deliver": errand.state == Errand.State.OPEN
        or (errand.state == Errand.State.CLAIMED and errand.claimed_by_id == request.user.pk),
        "may_repay": errand.advanced > 0
        and errand.state != Errand.State.CANCELLED
        and (runs or errand.delivered_by_id == request.user.pk),
        "advanced": requests.yuan(errand.advanced),
        "repaid": requests.yuan(errand.repaid),
        "owed": requests.yuan(errand.owed),
        "form": forms.DeliverForm(),
        "supplies": supplies,
    }
    if holds_community(request.user, Can.RUN_SERVICES, errand.community_id) and errand.state != Errand.State.CANCELLED:
        context["items"] = Item.objects.filter(community_id=errand.community_id)
        context["stores"] = Store.objects.filter(community_id=errand.community_id)
    return render(request, "errands/errand.html", context)


def said(request: HttpRequest, pk: int, action) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, problems(exc))
    return redirect("errands:errand", pk=pk)


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    errand = served(request, pk)

    def go():
        requests.claim(errand, request.user, request.POST.get("client_id") or None)
        when = timezone.localtime(errand.needed_by).strftime("%m-%d %H:%M")
        messages.success(request, _("It is yours: deliver it by %(when)s.") % {"when": when})

    return said(request, pk, go)


@login_required
@require_POST
def deliver(request: HttpRequest, pk: int) -> HttpResponse:
    errand = served(request, pk)
    form = forms.DeliverForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect("errands:errand", pk=pk)

    def go():
        data = form.cleaned_data
        done = requests.deliver(
            errand, request.user, data["code"], data["photo"], data["advanced"], request.POST.get("client_id") or None
        )
        messages.success(request, _("Delivered. Thank you."))
        if done.door_only:
            messages.warning(request, _("Door delivery only: someone in this household is under observation."))

    return said(request, pk, go)


@login_required
@require_POST
def repay(request: HttpRequest, pk: int) -> HttpResponse:
    errand = served(request, pk)
    if errand.delivered_by_id != request.user.pk and not can(request.user, Can.RUN_SERVICES, errand):
        raise PermissionDenied

    def go():
        requests.repaid(errand, requests.fen_from_yuan(request.POST.get("repaid")), request.user)
        messages.success(request, _("Repayment recorded."))

    return said(request, pk, go)


def run(request: HttpRequest, pk: int) -> Errand:
    errand = served(request, pk)
    if not can(request.user, Can.RUN_SERVICES, errand):
        raise PermissionDenied
    return errand


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    errand = run(request, pk)

    def go():
        requests.close(errand, request.user)
        messages.success(request, _("Closed."))

    return said(request, pk, go)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    errand = run(request, pk)

    def go():
        requests.cancel(errand, request.user, request.POST.get("reason", ""))
        messages.success(request, _("Cancelled."))

    return said(request, pk, go)


@login_required
@require_POST
def issue_supplies(request: HttpRequest, pk: int) -> HttpResponse:
    """Supplies from the ledger go with the errand: whoever keeps the community's ledger records it."""
    errand = served(request, pk)
    if not holds_community(request.user, Can.RUN_SERVICES, errand.community_id):
        raise PermissionDenied
    item = Item.objects.filter(community_id=errand.community_id, pk=as_id(request.POST.get("item"))).first()
    store = Store.objects.filter(community_id=errand.community_id, pk=as_id(request.POST.get("store"))).first()

    def go():
        if item is None or store is None:
            raise ValidationError(_("Choose the item and the store it comes from."))
        movement = requests.issue_supplies(errand, item, store, request.POST.get("quantity", ""), request.user)
        messages.success(
            request, _("%(what)s goes with the errand.") % {"what": f"{item.name} {item.show(movement.quantity)}"}
        )

    return said(request, pk, go)


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    # A photo of a household's door is personal data: served through the scoping layer only.
    errand = served(request, pk)
    if not errand.photo:
        raise Http404
    response = FileResponse(errand.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The deliverer's phone page: open errands to claim and their own to deliver, offline too."""
    if not can(request.user, Can.SERVE):
        raise PermissionDenied
    words = {
        "kinds": {k: str(v) for k, v in Errand.Kind.choices},
        "overdue": _("overdue"),
        "urgent": _("urgent"),
        "door_only": _("Door delivery only"),
        "claimed_by": _("claimed by %(who)s"),
        "mine": _("yours"),
        "waiting": _("waiting to sync"),
        "delivered": _("delivered"),
        "needed_by": _("needed by"),
        "advanced": _("advanced"),
        "none": _("Nothing here right now."),
        "log_in": _("Not sent yet: log in again, then it is sent."),
        "tell_office": _("If you handed it over already, tell the community office."),
        "amount": _("An amount in yuan, like 12.50."),
        "code_or_photo": _("Ask the household for its code, or take a photo at the door."),
    }
    return render(request, "errands/mine.html", {"words": words})
