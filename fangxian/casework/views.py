"""Case pages: the list (overdue first), a new case taken down, the case's own page with every
step and the steps allowed next (on a phone too: the on-site form keeps what was typed when
the server refuses it), the callback number revealed to whoever calls back, and the street's
holiday table; the three rates as a table and Excel."""

from __future__ import annotations

import datetime
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangxian.accounts import exports
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_place, visible
from fangxian.lib.ids import as_day, as_id
from fangxian.lib.tabular import write_xlsx
from fangxian.places.models import Building, Business, Community, Street

from . import cases, forms, handling, rates
from .models import Case, Category, Holiday, Photo, Step

PER_PAGE = 50


def problems(exc: ValidationError) -> dict[str, list[str]]:
    """By field; what concerns no one field is `general` (a template cannot read __all__)."""
    return exc.message_dict if hasattr(exc, "error_dict") else {"general": exc.messages}


def handled(request: HttpRequest, pk: int) -> Case:
    return get_visible_or_404(
        request.user,
        Can.HANDLE_CASES,
        Case.objects.select_related(
            "street", "community", "building", "dwelling__building", "business", "category", "assigned_to"
        ),
        pk=pk,
    )


def handles_cases(request: HttpRequest) -> None:
    if not can(request.user, Can.HANDLE_CASES):
        raise PermissionDenied


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases in view, overdue ones first in red; filters by state, category, source,
    overdue, mine and community (or the street's own)."""
    handles_cases(request)
    chosen = forms.list_filters(request.GET)
    category = Category.objects.filter(code=chosen["category"]).first() if chosen["category"] else None
    rows = cases.narrowed(
        cases.in_view(request.user),
        request.user,
        state=chosen["state"],
        category=category,
        source=chosen["source"],
        overdue=chosen["overdue"],
        mine=chosen["mine"],
        community=chosen["community"],
    )
    page = Paginator(cases.OverdueFirst(rows), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": page.object_list,
        "chosen": chosen,
        "query": urlencode({k: v for k, v in request.GET.items() if k != "page"}),
        "states": forms.state_filters(),
        "sources": Case.Source.choices,
        "categories": Category.objects.all(),
        "communities": cases.communities_for_new(request.user),
        "street_held": bool(cases.streets_held(request.user)),
    }
    return render(request, "casework/list.html", context)


@login_required
def new_case(request: HttpRequest) -> HttpResponse:
    """A case taken down: where (community, building and room, or a business, or only an
    address), what, photos, who reported it and the number to call back. Choosing the
    community fills the buildings and businesses in (htmx; a plain reload without it)."""
    handles_cases(request)
    data = request.POST if request.method == "POST" else request.GET
    values = forms.new_values(data)
    communities = list(cases.communities_for_new(request.user))
    streets = cases.streets_held(request.user)
    if not values["community"] and len(communities) == 1 and not streets:
        values["community"] = str(communities[0].pk)
    community = next((c for c in communities if str(c.pk) == values["community"]), None)
    buildings = (
        visible(request.user, Can.HANDLE_CASES, Building.objects.filter(community=community)) if community else []
    )
    businesses = (
        visible(request.user, Can.HANDLE_CASES, Business.objects.filter(community=community)) if community else []
    )
    errors: dict = {}
    if request.method == "POST":
        try:
            where = cases.place(request.user, **forms.where(values, streets))
            case = handling.receive(
                street=where["street"],
                community=where["community"],
                building=where["building"],
                dwelling=where["dwelling"],
                business=where["business"],
                category=forms.category(values["category"]),
                what=values["what"],
                source=forms.source(values["source"]),
                by=request.user,
                address=values["address"],
                reporter_name=values["reporter_name"],
                reporter_phone=values["reporter_phone"],
                hotline_number=values["hotline_number"],
                client_id=request.POST.get("client_id") or None,
                photos=request.FILES.getlist("photos"),
            )
        except Http404:
            errors = {"community": [_("Choose a place you handle cases in.")]}
        except ValidationError as exc:
            errors = problems(exc)
        else:
            messages.success(
                request,
                _("Case taken down. Deadlines: respond by %(respond)s, resolve by %(resolve)s.")
                % forms.deadlines_said(case),
            )
            return redirect("casework:case", pk=case.pk)
    context = {
        "values": values,
        "errors": errors,
        "communities": communities,
        "street_options": [(f"street-{s.pk}", s) for s in streets],
        "community": community,
        "buildings": buildings,
        "businesses": businesses,
        "categories": Category.objects.filter(active=True),
        "sources": forms.page_sources(),
        "client_id": request.POST.get("client_id") or uuid.uuid4(),
        "max_photos": handling.MAX_PHOTOS,
    }
    return render(request, "casework/new.html", context, status=422 if errors else 200)


def case_page(request: HttpRequest, case: Case, entered: dict | None = None, status: int = 200) -> HttpResponse:
    steps = list(case.steps.select_related("by").prefetch_related("photos"))
    actions = cases.next_actions(case)
    context = {
        "case": case,
        "steps": steps,
        "actions": actions,
        "colleagues": handling.colleagues(case) if Step.Action.ASSIGN in actions else [],
        "callback_number": cases.callback_number(case),
        "may_call_back": cases.may_call_back(case),
        "awaiting_callback": case.state in Case.HANDLED,
        "results": [c for c in Case.Callback.choices if c[0]],
        "entered": entered or {},
        "client_id": uuid.uuid4(),
        "max_photos": handling.MAX_PHOTOS,
        "overdue": case.overdue,
    }
    return render(request, "casework/case.html", context, status=status)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return case_page(request, handled(request, pk))


@login_required
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """One step from the case page. Refused, the page comes back with what was typed kept in
    its form (photos have to be chosen again: a browser never refills a file input). Opened
    as a page (after logging in again, the login sends the browser here), it is the case's."""
    if request.method != "POST":
        return redirect("casework:case", pk=pk)
    case = handled(request, pk)
    action = request.POST.get("action", "")
    try:
        cases.take_step(case, action, request.POST, request.FILES.getlist("photos"), request.user)
    except ValidationError as exc:
        entered = {
            "action": action,
            "form": forms.form_of(action),
            "values": request.POST,
            "errors": [m for ms in problems(exc).values() for m in ms],
            "had_photos": bool(request.FILES.getlist("photos")),
        }
        case.refresh_from_db()
        # The case moved on meanwhile (reopened, closed by a colleague): its form is gone from
        # the page, so the refusal and what was typed are shown above the steps.
        entered["orphan"] = action not in cases.next_actions(case)
        return case_page(request, case, entered, status=422)
    messages.success(request, forms.done_words(action))
    return redirect("casework:case", pk=pk)


@login_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole callback number, for the callback: audited, answered as a fragment (htmx)."""
    case = handled(request, pk)
    return render(request, "casework/_revealed.html", {"value": cases.reveal(request, case, via="page")})


@login_required
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    # A photo of a case shows people and doors: served through the scoping layer only.
    found = get_object_or_404(Photo.objects.select_related("step"), pk=pk)
    get_visible_or_404(request.user, Can.HANDLE_CASES, Case.objects.all(), pk=found.step.case_id)
    response = FileResponse(found.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def street_of_page(request: HttpRequest) -> tuple[Street, bool]:
    """The street whose calendar the page shows, and whether the user keeps it."""
    ids = visible(request.user, Can.HANDLE_CASES, Community.objects.all()).values("street_id")
    streets = Street.objects.filter(pk__in=ids).order_by("code")
    asked = request.GET.get("street") or request.POST.get("street")
    street = streets.filter(pk=as_id(asked)).first() if asked else streets.first()
    if street is None:
        if asked:
            raise Http404  # another street's calendar, as any row out of view
        raise PermissionDenied
    return street, holds_place(request.user, Can.HANDLE_CASES, "street", street.pk)


@login_required
def holidays(request: HttpRequest) -> HttpResponse:
    """The street's working calendar (holidays, and weekend days worked in their place) and
    the deadlines of each category counted on it. The street keeps the table; communities read it."""
    handles_cases(request)
    street, keeps = street_of_page(request)
    values = {"day": "", "working": "", "name": ""}
    errors: dict = {}
    if request.method == "POST":
        if not keeps:
            raise PermissionDenied
        values = {k: request.POST.get(k, "") for k in values}
        day = as_day(values["day"])
        try:
            if day is None:
                raise ValidationError({"day": _("A date, like 2020-02-01.")})
            handling.keep_day(street, day, values["working"] == "on", values["name"])
        except ValidationError as exc:
            errors = problems(exc)
        else:
            messages.success(request, _("%(day)s is in the table.") % {"day": day.isoformat()})
            return redirect(f"{request.path}?street={street.pk}")
    context = {
        "street": street,
        "streets": Street.objects.filter(
            pk__in=visible(request.user, Can.HANDLE_CASES, Community.objects.all()).values("street_id")
        ),
        "keeps": keeps,
        "days": Holiday.objects.filter(street=street).order_by("-day"),
        "categories": Category.objects.all(),
        "values": values,
        "errors": errors,
    }
    return render(request, "casework/holidays.html", context, status=422 if errors else 200)


@login_required
@require_POST
def holiday_remove(request: HttpRequest, pk: int) -> HttpResponse:
    handles_cases(request)
    day = get_object_or_404(
        Holiday,
        pk=pk,
        street__in=visible(request.user, Can.HANDLE_CASES, Community.objects.all()).values("street_id"),
    )
    if not holds_place(request.user, Can.HANDLE_CASES, "street", day.street_id):
        raise PermissionDenied
    handling.drop_day(day)
    messages.success(request, _("%(day)s is out of the table.") % {"day": day.day.isoformat()})
    return redirect(f"{redirect('casework:holidays').url}?street={day.street_id}")


def as_month(text: str | None, default: datetime.date) -> datetime.date:
    """A month as the browser's month field sends it (2026-11); anything else is the default."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return datetime.date(year, month, 1) if 2000 <= year <= 2099 else default
    except ValueError:
        return default


@login_required
def rate_table(request: HttpRequest) -> HttpResponse:
    """The three rates and overdue counts per place (or department) and month, as a page and
    as Excel. Counts only: no case, reporter or address is in it."""
    cases = rates.counted_cases(request.user)
    if cases is None:
        raise PermissionDenied
    this_month = timezone.localdate().replace(day=1)
    last = as_month(request.GET.get("to"), this_month)
    first = min(as_month(request.GET.get("from"), last), last)
    first = max(first, last.replace(year=last.year - 2))  # two years at most on one page
    choices = ["community", "street", "district", "city", "department"]
    by = request.GET.get("by") if request.GET.get("by") in choices else "community"
    rows = rates.figures(cases, by, first, last)
    if exports.wants_xlsx(request):
        communities = exports.counted(r.key if by == "community" else None for r in rows)
        exports.audit_export(request, "case_rates", communities, format="xlsx", by=by)
        headers = [str(rates.WORDS[by]), *(str(h) for h in rates.HEADERS)]
        data = write_xlsx(headers, rates.table_rows(rows), sheet_title=_("Complaint rates"))
        return exports.xlsx_response(data, f"case-rates-{by}-{first:%Y%m}-{last:%Y%m}.xlsx")
    return render(
        request,
        "casework/rates.html",
        {
            "rows": rows,
            "by": by,
            "choices": [(choice, rates.WORDS[choice]) for choice in choices],
            "first": first,
            "last": last,
            "total": rates.total(rows),
        },
    )
