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
from django.shortcuts import redirect, render
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
from fangxian.stations.models import Round
from fangxian.watch.models import Observation

# A link that leaked must not let a stranger bury the office in requests.
MOST_LIVE_ERRANDS = 10


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
    asked = list(errands.of_household(dwelling)[:20])
    for errand in asked:
        errand.advanced_yuan, errand.repaid_yuan = errands.yuan(errand.advanced), errands.yuan(errand.repaid)
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
                "url": reverse("watch:self_report", args=[o.report_token]),
            }
            for o in observations
            if o.link_open
        ],
        "members": [(r.pk, mask_name(r.name)) for r in residents],
        "errands": asked,
        "kinds": Errand.Kind.choices,
        "whens": when_choices(now),
        "rounds": rounds,
        "orders": list(ordering.orders_of(dwelling)[:20]),
        "entered": entered or {},
        "client_id": uuid.uuid4(),  # one per form shown: sending it twice makes one request
        "done": request.GET.get("done", ""),
    }
    return private(render(request, "households/page.html", context, status=status))


@require_POST
def ask_errand(request: HttpRequest, token: str) -> HttpResponse:
    link = household_for(token)
    dwelling = link.dwelling
    whens = {key: moment for key, _label, moment in when_choices(timezone.now())}
    resident = dwelling.residents.filter(moved_out_on__isnull=True, pk=as_id(request.POST.get("resident"))).first()
    entered = {"form": "errand", **request.POST.dict()}
    try:
        if errands.of_household(dwelling).filter(state__in=Errand.LIVE).count() >= MOST_LIVE_ERRANDS:
            raise ValidationError(_("Ten requests are still open: please call the community office."))
        if request.POST.get("when") not in whens:
            raise ValidationError({"needed_by": [_("Choose by when it is needed.")]})
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
