"""Emergency kit pages under /kits/: the distributions, making one, its progress and pending
list, the hand-over screen at the door (a signature pad or a photo), and closing."""

from __future__ import annotations

import contextlib
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.lib.ids import as_id
from fangxian.lib.masking import mask_name, mask_phone
from fangxian.places.models import Community
from fangxian.supplies.models import Item, Store

from . import distributing
from .models import Distribution, Recipient

CONTENT_ROWS = 4  # rows for items on the form; a kit of more is made through the API
PENDING_PAGE = 100


def offline_words() -> dict:
    """What handover.js says, in the page's language."""
    return {
        "queued": _("No network: the hand-over is kept on this phone and sent when there is one."),
        "proof": _("A kit is handed over with the recipient's signature or a photo at the door."),
        "refused": _("Not recorded:"),
    }


def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from /kits/ so that it covers the kit pages a volunteer opened (they show without signal)."""
    response = HttpResponse(render_to_string("sw.js", {"scope": "kits"}), content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def problems(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def posted_ids(request: HttpRequest, name: str) -> list[int]:
    return [i for i in map(as_id, request.POST.getlist(name)) if i]


def run_communities(user) -> list[Community]:
    return [
        c
        for c in visible(user, Can.VIEW_PLACES, Community.objects.all())
        if holds_community(user, Can.RUN_SERVICES, c.pk)
    ]


def counts_by_distribution(distributions) -> dict[int, dict]:
    rows = (
        Recipient.objects.filter(distribution__in=distributions)
        .values("distribution_id")
        .annotate(**distributing.state_counts())
    )
    return {r["distribution_id"]: r for r in rows}


@login_required
def distributions(request: HttpRequest) -> HttpResponse:
    rows = list(visible(request.user, Can.VIEW_PLACES, Distribution.objects.select_related("community"))[:100])
    counts = counts_by_distribution(rows)
    context = {
        "rows": [(d, counts.get(d.pk, {})) for d in rows],
        "can_create": bool(run_communities(request.user)),
    }
    return render(request, "kits/distributions.html", context)


def posted_contents(request: HttpRequest, community: Community) -> list[distributing.ContentIn]:
    items = {i.pk: i for i in Item.objects.filter(community=community)}
    contents = []
    for n in range(CONTENT_ROWS):
        item = items.get(as_id(request.POST.get(f"item-{n}")))
        amount = request.POST.get(f"amount-{n}", "").strip()
        if item is None and not amount:
            continue
        if item is None:
            raise ValidationError({"contents": [_("Choose the item for each quantity.")]})
        contents.append(distributing.ContentIn(item, amount, request.POST.get(f"unit-{n}", "")))
    return contents


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """Name, store, contents in the items' units, and the households by tags or buildings;
    "Count" shows how many households the list would have before anything is made."""
    communities = run_communities(request.user)
    if not communities:
        raise PermissionDenied
    raw = request.POST.get("community") or request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == raw), None) if raw else None
    if raw and community is None:
        raise PermissionDenied
    if community is None and len(communities) == 1:
        community = communities[0]
    preview = None
    if request.method == "POST" and community is not None:
        tags = [t for t in request.POST.getlist("tags") if t]
        building_ids = posted_ids(request, "buildings")
        try:
            if request.POST.get("action") == "preview":
                preview = len(distributing.recipients_from(community, tags, building_ids))
            else:
                store = Store.objects.filter(community=community, pk=as_id(request.POST.get("store"))).first()
                if store is None:
                    raise ValidationError({"store": [_("Choose the store the kits are taken from.")]})
                distribution = distributing.create(
                    community,
                    request.POST.get("name", ""),
                    store,
                    posted_contents(request, community),
                    tags,
                    distributing.buildings_of(community, building_ids),
                    request.user,
                )
                n = distribution.recipients.count()
                messages.success(
                    request,
                    ngettext(
                        "Distribution made: %(n)s household to visit.",
                        "Distribution made: %(n)s households to visit.",
                        n,
                    )
                    % {"n": n},
                )
                return redirect("kits:distribution", pk=distribution.pk)
        except ValidationError as exc:
            messages.error(request, problems(exc))
    items = list(Item.objects.filter(community=community)) if community else []
    context = {
        "communities": communities,
        "community": community,
        "stores": Store.objects.filter(community=community) if community else [],
        # 口罩 (个, 箱 = 20 个); a weighed item takes every weight, and says only its own unit.
        "items": [(i, f"{i.unit}, {i.pack_name} = {i.pack_size} {i.unit}" if i.pack_size else i.unit) for i in items],
        "units": sorted({u for i in items for u in i.units}),
        "rows": [
            {
                "n": n,
                "item": request.POST.get(f"item-{n}", ""),
                "amount": request.POST.get(f"amount-{n}", ""),
                "unit": request.POST.get(f"unit-{n}", ""),
            }
            for n in range(CONTENT_ROWS)
        ],
        "tags": distributing.tag_choices(),
        "chosen_tags": request.POST.getlist("tags"),
        "buildings": community.buildings.select_related("grid").order_by("number") if community else [],
        "chosen_buildings": [str(i) for i in posted_ids(request, "buildings")],
        "preview": preview,
        "name": request.POST.get("name", ""),
        "store": request.POST.get("store", ""),
    }
    return render(request, "kits/create.html", context)


def shown_rows(user, recipients) -> list[dict]:
    """Each household with its address; the tagged person's name masked unless the user sees
    the registry there."""
    recipients = list(recipients)
    named = set(
        visible(user, Can.VIEW_RESIDENTS, Recipient.objects.filter(pk__in=[r.pk for r in recipients])).values_list(
            "pk", flat=True
        )
    )
    rows = []
    for r in recipients:
        name = r.resident.name if r.resident else ""
        rows.append(
            {
                "recipient": r,
                "name": name if r.pk in named else mask_name(name),
                "phone": mask_phone(r.resident.phone) if r.resident else "",
            }
        )
    return rows


@login_required
def distribution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = get_visible_or_404(
        request.user, Can.VIEW_PLACES, Distribution.objects.select_related("community", "store", "closed_by"), pk=pk
    )
    serves = can(request.user, Can.SERVE, distribution)
    seen = visible(request.user, Can.VIEW_PLACES, distribution.recipients.all())
    context = {
        "distribution": distribution,
        "p": distributing.progress(seen),
        "contents": distribution.contents.select_related("item"),
        "serves": serves,
        "offline_words": offline_words(),
        "runs": holds_community(request.user, Can.RUN_SERVICES, distribution.community_id),
        "in_store": distributing.kits_in_store(distribution),
    }
    if serves:
        mine = visible(request.user, Can.SERVE, distribution.recipients.all())
        # A hundred doors a page, in walking order: a stairwell's worth of floors and more.
        page = Paginator(distributing.pending_list(mine), PENDING_PAGE).get_page(request.GET.get("page"))
        context["page"], context["query"] = page, ""
        context["pending"] = shown_rows(request.user, page.object_list)
        context["left_out"] = shown_rows(
            request.user,
            mine.filter(state=Recipient.State.LEFT_OUT)
            .select_related("dwelling__building", "resident")
            .order_by(*distributing.WALKING_ORDER),
        )
    return render(request, "kits/distribution.html", context)


def served_recipient(request: HttpRequest, pk: int) -> Recipient:
    recipient = get_visible_or_404(
        request.user,
        Can.VIEW_PLACES,
        Recipient.objects.select_related("distribution__store", "dwelling__building", "resident", "handed_over_by"),
        pk=pk,
    )
    if not can(request.user, Can.SERVE, recipient):
        raise PermissionDenied
    return recipient


@login_required
def hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    """The screen at the door: the address, the kit, a signature pad or a photo, one big button."""
    recipient = served_recipient(request, pk)
    distribution = recipient.distribution
    if request.method == "POST":
        client_id = None
        with contextlib.suppress(ValueError):  # a page without one is still handed over, once per tap
            client_id = uuid.UUID(request.POST.get("client_id", ""))
        try:
            distributing.hand_over(
                recipient,
                request.user,
                signature=request.POST.get("signature") or None,
                photo=request.FILES.get("photo"),
                client_id=client_id,
            )
        except distributing.AlreadyHandedOver as exc:
            messages.error(request, str(exc))
            return redirect("kits:distribution", pk=distribution.pk)
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("Kit handed over: %(where)s.") % {"where": recipient.dwelling.label})
            return redirect("kits:distribution", pk=distribution.pk)
    [row] = shown_rows(request.user, [recipient])
    context = {
        "r": recipient,
        "row": row,
        "distribution": distribution,
        "contents": distribution.contents.select_related("item"),
        "client_id": uuid.uuid4(),
        "offline_words": offline_words(),
    }
    return render(request, "kits/hand_over.html", context)


@login_required
@require_POST
def leave_out(request: HttpRequest, pk: int) -> HttpResponse:
    recipient = served_recipient(request, pk)
    try:
        distributing.leave_out(recipient, request.POST.get("reason", ""), request.user)
    except distributing.AlreadyHandedOver as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, problems(exc))
        return redirect("kits:hand_over", pk=pk)
    else:
        messages.success(request, _("Left out: %(where)s.") % {"where": recipient.dwelling.label})
    return redirect("kits:distribution", pk=recipient.distribution_id)


@login_required
def proof(request: HttpRequest, pk: int) -> HttpResponse:
    """The signature or the photo of a hand-over: personal data, through the scoping layer."""
    recipient = served_recipient(request, pk)
    if not recipient.proof:
        raise Http404
    kind = "image/png" if recipient.how == Recipient.How.SIGNATURE else "image/jpeg"
    response = FileResponse(recipient.proof.open("rb"), content_type=kind)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def run_distribution(request: HttpRequest, pk: int) -> Distribution:
    distribution = get_visible_or_404(
        request.user, Can.VIEW_PLACES, Distribution.objects.select_related("community"), pk=pk
    )
    if not holds_community(request.user, Can.RUN_SERVICES, distribution.community_id):
        raise PermissionDenied
    return distribution


@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Closing asks a reason for every household still waiting (the census rule)."""
    distribution = run_distribution(request, pk)
    pending = list(distributing.pending_list(distribution.recipients.all()))
    if request.method == "POST":
        every = request.POST.get("reason_all", "").strip()
        reasons = {r.pk: request.POST.get(f"reason-{r.pk}", "").strip() or every for r in pending}
        try:
            distributing.close(distribution, request.user, reasons, request)
        except ValidationError as exc:
            messages.error(request, problems(exc))
        else:
            messages.success(request, _("Distribution closed."))
            return redirect("kits:distribution", pk=pk)
    rows = shown_rows(request.user, pending)
    for row in rows:
        row["reason"] = request.POST.get(f"reason-{row['recipient'].pk}", "")
    context = {"distribution": distribution, "pending": rows, "reason_all": request.POST.get("reason_all", "")}
    return render(request, "kits/close.html", context)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = run_distribution(request, pk)
    try:
        distributing.reopen(distribution, request.user, request.POST.get("reason", ""), request)
    except ValidationError as exc:
        messages.error(request, problems(exc))
    else:
        messages.success(request, _("Distribution reopened."))
    return redirect("kits:distribution", pk=pk)
