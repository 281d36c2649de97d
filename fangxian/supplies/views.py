"""The supplies ledger's pages: stock at a date, items, stores, recording and reversing
movements, a donation's receipt and the public ledger (公示).

Whoever serves a community's households reads its ledger (a grid worker and a volunteer too:
they hand out what it holds); only those who run the whole community's services write it."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts.exports import audit_export, pdf_bytes, pdf_response, require_export, xlsx_response
from fangxian.accounts.scoping import Can, get_visible_or_404, holds_community
from fangxian.gate.models import Gate
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.lib import units
from fangxian.lib.ids import as_day, as_id
from fangxian.lib.tabular import write_xlsx
from fangxian.places.models import Building, Community

from . import disclosure, forms, ledger
from .models import Item, Movement, RecipientRole, Store
from .reading import filtered_movements, readable, readable_communities

PAGE_SIZE = 50
# A month of a busy community prints in a few seconds; a longer public ledger is a job.
INLINE_LINES = 300
K = Movement.Kind


def problems(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def current_community(request: HttpRequest) -> Community:
    """The community the page is about: the one asked for, among those the user reads, or the first."""
    communities = list(readable_communities(request.user))
    if not communities:
        raise PermissionDenied
    asked = request.POST.get("community") or request.GET.get("community")
    if not asked:
        return communities[0]
    community = next((c for c in communities if c.pk == as_id(asked)), None)
    if community is None:
        raise Http404  # another community's ledger, as any other row of it
    return community


def written_community(request: HttpRequest) -> Community:
    community = current_community(request)
    if not holds_community(request.user, Can.RUN_SERVICES, community.pk):
        raise PermissionDenied
    return community


def base_context(request: HttpRequest, community: Community) -> dict:
    return {
        "community": community,
        "communities": list(readable_communities(request.user)),
        "writer": holds_community(request.user, Can.RUN_SERVICES, community.pk),
    }


def end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


@login_required
def stock(request: HttpRequest) -> HttpResponse:
    """What each store holds of each item at the end of a day (now by default), items below
    their minimum level marked."""
    community = current_community(request)
    day = as_day(request.GET.get("at"))
    at = end_of(day) if day and day < timezone.localdate() else None
    movements = Movement.objects.filter(community=community)
    held = ledger.stock(movements, at)
    items = list(Item.objects.filter(community=community))
    stores = list(Store.objects.filter(community=community).select_related("gate"))
    totals = ledger.totals_by_item(held)
    rows = [
        {
            "item": item,
            "cells": [(s, item.show(held.get((item.pk, s.pk), 0))) for s in stores],
            "total": item.show(totals.get(item.pk, 0)),
            "packed": item.show_packed(totals.get(item.pk, 0)),
            "low": item.minimum > 0 and totals.get(item.pk, 0) < item.minimum,
            "minimum": item.show(item.minimum) if item.minimum else "",
        }
        for item in items
    ]
    context = base_context(request, community) | {
        "rows": rows,
        "stores": stores,
        "day": day or timezone.localdate(),
        "today": timezone.localdate(),
        "low": sum(1 for r in rows if r["low"]),
    }
    return render(request, "supplies/stock.html", context)


def item_values(request: HttpRequest, community_id: int, item: Item | None = None) -> dict:
    """What the item form shows: what was typed if it was refused, else the item as stored."""
    if request.method == "POST":
        values = forms.item_data(request.POST)
    elif item is not None:
        values = {
            "name": item.name,
            "unit": item.unit,
            "pack_name": item.pack_name,
            "pack_size": item.pack_size or "",
            "minimum": units.show(item.minimum, item.unit, item.units) if item.minimum else "",
            "minimum_unit": "",
        }
    else:
        values = dict.fromkeys(("name", "unit", "pack_name", "pack_size", "minimum", "minimum_unit"), "")
    return values | {"community": community_id}


@login_required
def items(request: HttpRequest) -> HttpResponse:
    community = current_community(request)
    if request.method == "POST":
        community = written_community(request)
        try:
            item = Item.objects.create(
                community=community, **forms.clean_item(forms.item_data(request.POST), community)
            )
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("%(name)s added.") % {"name": item.name})
            return redirect(f"{reverse('supplies:items')}?community={community.pk}")
    context = base_context(request, community) | {
        "items": Item.objects.filter(community=community),
        "values": item_values(request, community.pk),
    }
    return render(request, "supplies/items.html", context)


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_or_404(request.user, Can.SERVE, readable(request.user, Item.objects.all()), pk=pk)
    if not holds_community(request.user, Can.RUN_SERVICES, item.community_id):
        raise PermissionDenied
    if request.method == "POST":
        try:
            values = forms.clean_item(forms.item_data(request.POST), item.community, item)
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            Item.objects.filter(pk=item.pk).update(**values)
            messages.success(request, _("%(name)s saved.") % {"name": values["name"]})
            return redirect(f"{reverse('supplies:items')}?community={item.community_id}")
    return render(
        request, "supplies/item_edit.html", {"item": item, "values": item_values(request, item.community_id, item)}
    )


@login_required
def stores(request: HttpRequest) -> HttpResponse:
    community = current_community(request)
    if request.method == "POST":
        community = written_community(request)
        try:
            store = Store.objects.create(
                community=community, **forms.clean_store(forms.store_data(request.POST), community)
            )
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("%(name)s added.") % {"name": store.name})
        return redirect(f"{reverse('supplies:stores')}?community={community.pk}")
    context = base_context(request, community) | {
        "stores": Store.objects.filter(community=community).select_related("gate"),
        "gates": Gate.objects.filter(community=community, store=None),
    }
    return render(request, "supplies/stores.html", context)


@login_required
def record(request: HttpRequest) -> HttpResponse:
    """One form for every kind: the amount typed in any unit of the item (3箱, 1/2 箱, 2.5kg)."""
    community = written_community(request)
    form = request.POST if request.method == "POST" else {"kind": request.GET.get("kind", K.DONATION)}
    kind = form.get("kind") if form.get("kind") in forms.KINDS else K.DONATION
    many = kind in (K.DONATION, K.PURCHASE)
    if request.method == "POST":
        try:
            recorded = forms.write(forms.clean_movement(forms.movement_data(request.POST), community), request.user)
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            first = recorded[0]
            messages.success(
                request,
                _("Recorded: %(what)s.") % {"what": " · ".join(f"{m.item.name} {m.quantity_shown}" for m in recorded)},
            )
            if first.receipt:
                return redirect("supplies:donation", pk=first.pk)
            return redirect(f"{reverse('supplies:movements')}?community={community.pk}")
    context = base_context(request, community) | {
        "form": form,
        "kinds": [(k, K(k).label) for k in forms.KINDS],
        "items": Item.objects.filter(community=community),
        "stores": Store.objects.filter(community=community),
        "gates": Gate.objects.filter(community=community),
        "buildings": Building.objects.filter(community=community),
        "roles": RecipientRole.choices,
        "units": sorted({u for i in Item.objects.filter(community=community) for u in i.units}),
        "kind": kind,
        "many": many,
        "more_open": any(form.get(f"item{i}") for i in range(1, 5)),
        "lines": [
            {"i": i, "n": i + 1, **{key: form.get(f"{key}{i}", "") for key in ("item", "quantity", "unit")}}
            for i in range(5 if many else 1)
        ],
    }
    return render(request, "supplies/record.html", context)


@login_required
def movements(request: HttpRequest) -> HttpResponse:
    """The ledger's lines, newest first, filtered by item, store, kind and dates."""
    community = current_community(request)
    query = {key: request.GET.get(key, "") for key in ("item", "store", "kind", "since", "until")}
    rows = filtered_movements(
        Movement.objects.filter(community=community),
        item_id=as_id(query["item"]),
        store_id=as_id(query["store"]),
        kind=query["kind"],
        since=as_day(query["since"]),
        until=as_day(query["until"]),
    ).select_related("item", "from_store", "to_store", "to_gate", "to_dwelling__building", "reversed_by")
    page = Paginator(rows.order_by("-happened_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = base_context(request, community) | {
        "page": page,
        "query": urlencode({"community": community.pk, **query}),
        "filters": query,
        "items": Item.objects.filter(community=community),
        "stores": Store.objects.filter(community=community),
        "kinds": K.choices,
    }
    return render(request, "supplies/movements.html", context)


@login_required
@require_POST
def reverse_movement(request: HttpRequest, pk: int) -> HttpResponse:
    """A mistake undone by its mirror image, with the reason why; the movement stays."""
    movement = get_visible_or_404(request.user, Can.SERVE, readable(request.user, Movement.objects.all()), pk=pk)
    if not holds_community(request.user, Can.RUN_SERVICES, movement.community_id):
        raise PermissionDenied
    try:
        ledger.reverse(movement, forms.reason_of(request.POST), request.user)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(
            request,
            _("Reversed: %(what)s.") % {"what": f"{movement.item.name} {movement.item.show(movement.quantity)}"},
        )
    return redirect(f"{reverse('supplies:movements')}?community={movement.community_id}")


def donation_of(request: HttpRequest, pk: int) -> Movement:
    movement = get_visible_or_404(
        request.user,
        Can.SERVE,
        readable(request.user, Movement.objects.filter(kind=K.DONATION)).select_related("community", "item"),
        pk=pk,
    )
    if not holds_community(request.user, Can.RUN_SERVICES, movement.community_id):
        raise PermissionDenied
    return movement


@login_required
def donation(request: HttpRequest, pk: int) -> HttpResponse:
    """A donation as recorded, with its receipt and thank-you letter to print."""
    movement = donation_of(request, pk)
    return render(request, "supplies/donation.html", {"movement": movement, "lines": ledger.receipt_lines(movement)})


@login_required
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The donor's receipt and the community's thank-you letter, on A4 pages."""
    movement = donation_of(request, pk)
    html = render_to_string(
        "supplies/receipt_print.html",
        {"movement": movement, "lines": [m for m in ledger.receipt_lines(movement) if not m.reversed]},
    )
    return pdf_response(
        request,
        "supplies_receipt",
        html,
        f"receipt-{movement.receipt or movement.pk}.pdf",
        {movement.community_id: 1},
        receipt=movement.receipt,
    )


def disclosure_range(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    until = as_day(request.GET.get("until")) or today
    since = as_day(request.GET.get("since")) or until.replace(day=1)
    return (since, until) if since <= until else (until, since)


@login_required
def public_ledger(request: HttpRequest) -> HttpResponse:
    """The donations ledger for public disclosure (公示): what came in and from whom, where it
    went, for a date range; the page, its A4 PDF and its Excel say the same."""
    community = current_community(request)
    since, until = disclosure_range(request)
    report = disclosure.build(community, since, until)
    fmt = request.GET.get("format")
    if fmt in ("pdf", "xlsx"):
        written_community(request)  # what is posted on the board is the community's to print
        counts = {community.pk: len(report["came_in"]) + len(report["went_out"])}
        if fmt == "pdf" and counts[community.pk] > INLINE_LINES:
            job = running.start(
                request.user,
                community,
                _("Public ledger of %(community)s, %(since)s to %(until)s (A4 PDF)")
                % {"community": community.name, "since": since, "until": until},
                print_public,
                Can.RUN_SERVICES,
                params={"community": community.pk, "since": str(since), "until": str(until)},
            )
            return redirect("jobs:job", pk=job.pk)
        if fmt == "pdf":
            html = render_to_string("supplies/public_print.html", {"report": report})
            return pdf_response(request, "supplies_public", html, f"public-{since}-{until}.pdf", counts)
        require_export(request, counts, Can.RUN_SERVICES)
        audit_export(request, "supplies_public", counts, format="xlsx")
        header, rows = disclosure.table(report)
        return xlsx_response(write_xlsx(header, rows, sheet_title=_("donations")), f"public-{since}-{until}.xlsx")
    context = base_context(request, community) | {
        "report": report,
        "query": urlencode({"community": community.pk, "since": since, "until": until}),
    }
    return render(request, "supplies/public.html", context)


def print_public(job: Job) -> None:
    """The public ledger's A4 PDF, made by the worker for a long range."""
    community = Community.objects.get(pk=job.params["community"])
    if not holds_community(job.user, Can.RUN_SERVICES, community.pk):
        raise ValidationError(_("Your role may not keep this community's supplies ledger."))
    report = disclosure.build(
        community, datetime.date.fromisoformat(job.params["since"]), datetime.date.fromisoformat(job.params["until"])
    )
    job.report(_("Printing the A4 pages…"))
    html = render_to_string("supplies/public_print.html", {"report": report})
    counts = {community.pk: len(report["came_in"]) + len(report["went_out"])}
    job.attach(pdf_bytes(html), f"public-{report['since']}-{report['until']}.pdf", "supplies_public", counts)
