"""The vegetable station's pages: rounds, a round with its packages, orders and totals, the
phone-in order, pick lists (A4 PDF as a job, Excel) and the deliverer's route (offline too)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fangxian.accounts.exports import audit_export, counted, pdf_bytes, require_export, xlsx_response
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.lib.tabular import write_xlsx
from fangxian.places.models import Building, Community

from . import forms, ordering, printing
from .models import Order, Package, Round


def problems(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def run_communities(user) -> list[Community]:
    """The communities whose rounds this user runs (as a whole: a grid worker runs none)."""
    return [
        c
        for c in visible(user, Can.VIEW_PLACES, Community.objects.all())
        if holds_community(user, Can.RUN_SERVICES, c.pk)
    ]


def served_round(request: HttpRequest, pk: int) -> Round:
    """A round in view (404 otherwise) whose households the user serves (403 otherwise)."""
    row = get_visible_or_404(request.user, Can.VIEW_PLACES, Round.objects.select_related("community"), pk=pk)
    if not can(request.user, Can.SERVE, row):
        raise PermissionDenied
    return row


def run_round(request: HttpRequest, pk: int) -> Round:
    row = get_visible_or_404(request.user, Can.VIEW_PLACES, Round.objects.select_related("community"), pk=pk)
    if not holds_community(request.user, Can.RUN_SERVICES, row.community_id):
        raise PermissionDenied
    return row


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    """The rounds of the communities the user serves; runners start a new one here."""
    if not can(request.user, Can.SERVE):
        raise PermissionDenied
    rows = visible(request.user, Can.SERVE, Round.objects.select_related("community"))[:50]
    return render(
        request,
        "stations/rounds.html",
        {"rounds": rows, "runs": bool(run_communities(request.user)), "now": timezone.now()},
    )


def round_form_context(row: Round | None, data: dict | None = None) -> dict:
    if data is None and row is not None:
        data = {
            "name": row.name,
            "supplier_name": row.supplier_name,
            "supplier_phone": row.supplier_phone,
            "opens_at": forms.local_input(row.opens_at),
            "closes_at": forms.local_input(row.closes_at),
            "delivery_day": row.delivery_day.isoformat(),
        }
    if data is None:
        now = timezone.localtime()
        data = {
            "opens_at": forms.local_input(now),
            "closes_at": forms.local_input(now.replace(hour=20, minute=0) + timezone.timedelta(days=1)),
            "delivery_day": (now + timezone.timedelta(days=2)).date().isoformat(),
            "package_cap": "1",
        }
    return {"row": row, "data": data}


@login_required
def new_round(request: HttpRequest) -> HttpResponse:
    """A round, its supplier and window, and its first package (more on the round's page)."""
    communities = run_communities(request.user)
    if not communities:
        raise PermissionDenied
    data = None
    if request.method == "POST":
        community = next((c for c in communities if str(c.pk) == request.POST.get("community")), None)
        if community is None:
            raise PermissionDenied
        data = forms.round_data(request.POST)
        try:
            row = ordering.create_round(community, forms.clean_round(data), request.user)
        except ValidationError as exc:
            messages.error(request, problems(exc))
            data = dict(request.POST.items())
        else:
            messages.success(request, _("Round opened. Households can order until the window closes."))
            return redirect("stations:round", pk=row.pk)
    return render(request, "stations/round_form.html", {"communities": communities, **round_form_context(None, data)})


@login_required
def edit_round(request: HttpRequest, pk: int) -> HttpResponse:
    row = run_round(request, pk)
    data = None
    if request.method == "POST":
        data = forms.round_data(request.POST)
        data.pop("packages", None)
        try:
            ordering.update_round(row, forms.clean_round(data))
        except ValidationError as exc:
            messages.error(request, problems(exc))
            data = dict(request.POST.items())
        else:
            messages.success(request, _("Saved."))
            return redirect("stations:round", pk=row.pk)
    return render(request, "stations/round_form.html", round_form_context(row, data))


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Packages, totals for the supplier, the phone-in order and the orders in view."""
    row = served_round(request, pk)
    runs = holds_community(request.user, Can.RUN_SERVICES, row.community_id)
    takes = can(request.user, Can.RUN_SERVICES, row)  # a grid worker takes orders for the grid
    orders = visible(request.user, Can.SERVE, row.orders.all())
    state = request.GET.get("state", "")
    shown = orders.filter(state=state) if state in Order.State.values else orders
    shown = list(shown.select_related("dwelling__building").order_by("-placed_at", "-id")[:100])
    lines = ordering.lines_by_order(shown)
    packages = list(row.packages.all())
    names = {p.pk: p.name for p in packages}
    for o in shown:
        o.items = [(names.get(p, ""), q) for p, q in lines.get(o.pk, {}).items()]
        o.cancellable = takes and o.state == Order.State.PLACED and not o.paid
    buildings = (
        visible(request.user, Can.RUN_SERVICES, Building.objects.filter(community=row.community)) if takes else []
    )
    context = {
        "row": row,
        "packages": packages,
        "refusal": ordering.window_refusal(row),
        "runs": runs,
        "takes": takes,
        "orders": shown,
        "state": state,
        "states": Order.State.choices,
        "totals": ordering.totals(row, None if runs else orders),
        "buildings": sorted(buildings, key=lambda b: ordering.building_key(b.number)),
    }
    return render(request, "stations/round.html", context)


@login_required
@require_POST
def add_package(request: HttpRequest, pk: int) -> HttpResponse:
    row = run_round(request, pk)
    try:
        ordering.add_package(row, forms.clean_package(forms.package_data(request.POST)))
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("Package added."))
    return redirect("stations:round", pk=row.pk)


@login_required
@require_POST
def edit_package(request: HttpRequest, pk: int) -> HttpResponse:
    """Stock and cap as the supplier's delivery changes; the price until the first order."""
    package = get_visible_or_404(request.user, Can.VIEW_PLACES, Package.objects.select_related("round"), pk=pk)
    run_round(request, package.round_id)
    data = {k: v for k, v in forms.package_data(request.POST).items() if k in request.POST}
    try:
        ordering.update_package(package, forms.clean_package(data, partial=True))
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect("stations:round", pk=package.round_id)


@login_required
@require_POST
def take_order(request: HttpRequest, pk: int) -> HttpResponse:
    """An order taken on the phone for a household named by building, entrance and room."""
    row = served_round(request, pk)
    if not can(request.user, Can.RUN_SERVICES, row):
        raise PermissionDenied
    try:
        dwelling = forms.find_dwelling(
            row.community, request.POST.get("building"), request.POST.get("entrance"), request.POST.get("room")
        )
        if not can(request.user, Can.RUN_SERVICES, dwelling):
            raise ValidationError(_("This household is not one you take orders for."))
        order = ordering.place(
            row,
            dwelling,
            forms.quantities_data(request.POST),
            Order.Via.PHONE,
            request.user,
            request.POST.get("client_id") or None,
        )
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(
            request,
            _("Order %(number)s for %(where)s: %(amount)s yuan.")
            % {"number": order.pk, "where": dwelling.label, "amount": order.total_yuan},
        )
    return redirect("stations:round", pk=row.pk)


@login_required
@require_POST
def cancel_order(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_visible_or_404(request.user, Can.VIEW_PLACES, Order.objects.all(), pk=pk)
    if not can(request.user, Can.RUN_SERVICES, order):
        raise PermissionDenied
    try:
        ordering.cancel(order, request.user)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("Order cancelled; its packages are back in stock."))
    return redirect("stations:round", pk=order.round_id)


@login_required
@require_POST
def close_round(request: HttpRequest, pk: int) -> HttpResponse:
    row = run_round(request, pk)
    try:
        ordering.close(row, request.user)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("The window is closed: the orders are frozen for the pick lists."))
    return redirect("stations:round", pk=row.pk)


def pick_list_html(row: Round, user) -> tuple[str, int]:
    listed = ordering.pick_list(row, visible(user, Can.RUN_SERVICES, row.orders.all()))
    printing.lay_out(listed)
    html = render_to_string("stations/pick_list_print.html", {**listed, "printed_at": timezone.localtime()})
    return html, listed["count"]


@login_required
@require_POST
def pick_list_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The A4 pick lists, a page per building, printed as a job (46 buildings take seconds)."""
    row = run_round(request, pk)
    job = running.start(
        request.user,
        row.community,
        _("Pick lists of %(round)s (A4 PDF)") % {"round": row.name},
        print_pick_list,
        Can.RUN_SERVICES,
        params={"round": row.pk},
    )
    return redirect("jobs:job", pk=job.pk)


def print_pick_list(job: Job) -> None:
    row = visible(job.user, Can.RUN_SERVICES, Round.objects.all()).filter(pk=job.params["round"]).first()
    if row is None:
        raise ValidationError(_("This round is no longer yours to print."))
    job.report(_("Printing the A4 pages…"))
    html, count = pick_list_html(row, job.user)
    if not count:
        raise ValidationError(_("No order to pick in this round."))
    job.report(ngettext("Printing %(n)s order…", "Printing %(n)s orders…", count) % {"n": count})
    job.attach(pdf_bytes(html), f"pick-list-{row.pk}.pdf", "pick_list", {row.community_id: count}, round=row.pk)


@login_required
def pick_list_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The pick list as a spreadsheet, a row per household: audited as an export."""
    row = run_round(request, pk)
    listed = ordering.pick_list(row, visible(request.user, Can.RUN_SERVICES, row.orders.all()))
    headers, rows = ordering.pick_list_rows(listed)
    communities = counted([row.community_id] * max(len(rows), 1))
    require_export(request, communities, Can.RUN_SERVICES)
    audit_export(request, "pick_list", communities, round=row.pk, format="xlsx")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(write_xlsx(headers, rows, sheet_title=_("pick list")), f"pick-list-{row.pk}-{stamp}.xlsx")


@login_required
def route(request: HttpRequest, pk: int) -> HttpResponse:
    """The deliverer's phone page: doors in walking order, delivered and paid at one tap each,
    offline too (route.js keeps the list and queues the taps)."""
    row = served_round(request, pk)
    words = {
        "entrance": _("%(building)s, entrance %(entrance)s"),
        "states": {v: str(label) for v, label in Order.State.choices},
        "paid": _("paid"),
        "unpaid": _("to collect %(amount)s yuan"),
        "delivered_by": _("delivered by %(who)s"),
        "delivered": _("Delivered"),
        "pay": _("Paid"),
        "refused": {"delivered": _("Delivery not saved:"), "paid": _("Payment not saved:")},
        "door_only": _("Door delivery only: someone in this household is under observation. Leave it at the door."),
    }
    return render(request, "stations/route.html", {"row": row, "words": words})


def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from /stations/ so that it covers the route pages (as /gate/sw.js and /watch/sw.js do)."""
    response = HttpResponse(render_to_string("sw.js", {"scope": "stations"}), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response
