"""The household's own page, opened by its private link without an account: its permits as
codes the gate can scan from the phone's screen, its errands and vegetable orders, a way to
ask for either, and for anyone under observation the twice-daily report.

It shows this household only, names masked, and nothing a stranger holding the phone could
use against it: no phone numbers, no ID numbers."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.errands import requests as errands
from fangxian.errands.models import Errand
from fangxian.gate.models import Permit
from fangxian.gate.printing import qr
from fangxian.lib.ids import as_id
from fangxian.lib.masking import mask_name
from fangxian.people import links
from fangxian.people.models import HouseholdLink
from fangxian.stations import ordering
from fangxian.stations.models import Order, Round
from fangxian.watch import views as watch_views
from fangxian.watch.models import Observation

from . import services

# A link that leaked must not let a stranger bury the office in requests.
MOST_LIVE_ERRANDS = 10
# The same request again this soon is the first one sent twice (the back button, a second tap).
SAME_REQUEST = datetime.timedelta(minutes=10)


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


def problems(error: ValidationError) -> list[str]:
    return (
        [m for messages in error.message_dict.values() for m in messages]
        if hasattr(error, "error_dict")
        else error.messages
    )


def when_choices(now: datetime.datetime) -> list[tuple[str, str, datetime.datetime]]:
    """A few plain choices for "by when", not a date picker: today's evening, tomorrow…"""
    today = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    tomorrow = today + datetime.timedelta(days=1)
    choices = [
        ("today", _("today, by 8 pm"), today.replace(hour=20)),
        ("tomorrow-noon", _("tomorrow, by noon"), tomorrow.replace(hour=12)),
        ("tomorrow", _("tomorrow, by 8 pm"), tomorrow.replace(hour=20)),
        ("later", _("the day after tomorrow"), (tomorrow + datetime.timedelta(days=1)).replace(hour=20)),
    ]
    return [c for c in choices if c[2] > now]


def page(request: HttpRequest, token: str) -> HttpResponse:
    return show(request, household_for(token))


def show(request: HttpRequest, link: HouseholdLink, entered: dict | None = None, status: int = 200) -> HttpResponse:
    dwelling = link.dwelling
    now = timezone.now()
    residents = list(dwelling.residents.filter(moved_out_on__isnull=True).order_by("id"))
    permits = (
        Permit.objects.filter(resident__in=residents, revoked_at__isnull=True, valid_until__gt=now)
        .select_related("resident")
        .order_by("resident_id", "-issued_at")
    )
    observations = Observation.objects.filter(resident__in=residents, released_at__isnull=True).select_related(
        "resident"
    )
    rounds = list(ordering.open_rounds(dwelling.community).prefetch_related("packages"))
    for row in rounds:
        for package in row.packages.all():
            package.choices = range(min(package.cap, package.stock) + 1)
        row.sold_out = not any(p.stock for p in row.packages.all())
    asked = list(errands.of_household(dwelling)[:20])
    orders = list(ordering.orders_of(dwelling)[:20])
    for errand in asked:
        errand.advanced_yuan, errand.repaid_yuan = errands.yuan(errand.advanced), errands.yuan(errand.repaid)
    if entered and entered.get("form") == "order":
        entered["round_listed"] = any(str(r.pk) == entered.get("round") for r in rounds)
    context = {
        "token": link.token,
        "dwelling": dwelling,
        "cards": [
            # Inline SVG, not a data: image, which the Content-Security-Policy keeps out of pages.
            {
                "name": mask_name(p.resident.name),
                "until": p.valid_until,
                "qr": mark_safe(qr(p.code).svg_inline(border=4, omitsize=True)),
            }
            for p in permits
        ],
        "reports": [
            {
                "name": mask_name(o.resident.name),
                # Through the household's link, not the observation's own: revoking the one revokes both.
                "url": reverse("households:report", args=[link.token, o.pk]),
            }
            for o in observations
            if o.link_open
        ],
        "members": [(r.pk, mask_name(r.name)) for r in residents],
        "offers": services.offers(link),
        "errands": asked,
        "kinds": Errand.Kind.choices,
        "whens": when_choices(now),
        "rounds": rounds,
        "orders": orders,
        "open_round_ids": {r.pk for r in rounds},
        "entered": entered or {},
        "client_id": uuid.uuid4(),  # one per form shown: sending it twice makes one request
        "done": request.GET.get("done", ""),
    }
    return private(render(request, "households/page.html", context, status=status))


def report(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The twice-daily health report of someone in the household under observation."""
    link = household_for(token)
    observation = get_object_or_404(
        Observation.objects.select_related("resident"),
        pk=pk,
        resident__dwelling=link.dwelling,
        resident__moved_out_on__isnull=True,
        released_at__isnull=True,
    )
    return private(watch_views.report_page(request, observation))


@require_POST
def ask_errand(request: HttpRequest, token: str) -> HttpResponse:
    link = household_for(token)
    dwelling = link.dwelling
    whens = {key: moment for key, _label, moment in when_choices(timezone.now())}
    resident = dwelling.residents.filter(moved_out_on__isnull=True, pk=as_id(request.POST.get("resident"))).first()
    entered = {"form": "errand", **request.POST.dict()}
    live = errands.of_household(dwelling).filter(state__in=Errand.LIVE)
    try:
        if request.POST.get("resident") and resident is None:
            raise ValidationError({"resident": [_("Not a resident of this household.")]})
        if request.POST.get("when") not in whens:
            raise ValidationError({"needed_by": [_("Choose by when it is needed.")]})
        if live.filter(
            kind=request.POST.get("kind", ""),
            what=request.POST.get("what", "").strip(),
            created_at__gte=timezone.now() - SAME_REQUEST,
        ).exists():
            return private(redirect(f"{reverse('households:page', args=[token])}?done=errand#errands"))
        if live.count() >= MOST_LIVE_ERRANDS:
            raise ValidationError(_("Ten requests are still open: please call the community office."))
        errands.ask(
            dwelling,
            resident,
            request.POST.get("kind", ""),
            request.POST.get("what", ""),
            Errand.Urgency.URGENT if request.POST.get("urgent") else Errand.Urgency.NORMAL,
            whens[request.POST["when"]],
            Errand.Via.LINK,
            client_id=request.POST.get("client_id"),
        )
    except ValidationError as e:
        return show(request, link, entered | {"errors": problems(e)}, status=422)
    # A page of its own: reloading it does not ask again.
    return private(redirect(f"{reverse('households:page', args=[token])}?done=errand#errands"))


@require_POST
def call_off_errand(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The household calls off its own request while no one has taken it."""
    link = household_for(token)
    errand = get_object_or_404(Errand, pk=pk, dwelling=link.dwelling)
    try:
        errands.cancel(errand, None, _("called off by the household"), unclaimed_only=True)
    except ValidationError as e:
        return show(request, link, {"form": "errands", "errors": problems(e)}, status=409)
    return private(redirect(f"{reverse('households:page', args=[token])}?done=called-off#errands"))


@require_POST
def call_off_order(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The household cancels its own order while the window is open; the stock goes back."""
    link = household_for(token)
    placed = get_object_or_404(Order, pk=pk, dwelling=link.dwelling)
    try:
        ordering.cancel(placed, None)
    except ValidationError as e:
        return show(request, link, {"form": "orders", "errors": problems(e)}, status=409)
    return private(redirect(f"{reverse('households:page', args=[token])}?done=called-off#orders"))


@require_POST
def order(request: HttpRequest, token: str) -> HttpResponse:
    link = household_for(token)
    dwelling = link.dwelling
    entered = {"form": "order", **request.POST.dict()}
    row = Round.objects.filter(community=dwelling.community, pk=as_id(request.POST.get("round"))).first()
    quantities = {
        key.removeprefix("package-"): value
        for key, value in request.POST.items()
        if key.startswith("package-") and value.strip() not in ("", "0")
    }
    try:
        if row is None:
            raise ValidationError(_("This round is no longer offered."))
        ordering.place(row, dwelling, quantities, "link", client_id=request.POST.get("client_id"))
    except ValidationError as e:
        return show(request, link, entered | {"errors": problems(e)}, status=422)
    return private(redirect(f"{reverse('households:page', args=[token])}?done=order#orders"))
