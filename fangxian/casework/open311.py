"""Open311 GeoReport v2 at /open311/v2/: services are the case categories, service requests
are the cases. JSON and XML, as the specification defines both (http://wiki.open311.org/GeoReport_v2).

Who sees what. Without an api_key anyone reads a request's status only: its id, category,
status, when it was received, updated and is due, and who is responsible (the community or
street by name, or the department it was passed to); never its description, address, place,
notes or anything of the reporter. With the api_key of an account (an API token from
POST /api/v1/auth/token), the requests in that account's scope for handling cases show in full, still
without the reporter's name or phone. Filing (POST) takes the api_key of an account allowed
to handle cases where the request is: it files a case through handling.receive, source
"open311"."""

from __future__ import annotations

import datetime
import decimal
import re
from xml.sax.saxutils import escape

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from fangxian.accounts.apikit import BearerAuth
from fangxian.accounts.scoping import CAPABILITIES, Can, holds_place, roles_of, visible
from fangxian.lib.ids import as_id
from fangxian.places.models import Building, Community, Street

from . import handling, workorders
from .models import Case, Category

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+08:00"  # when this endpoint's behaviour last changed
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
CLOSED = (Case.State.RESOLVED, Case.State.UNFOUNDED, Case.State.CALLED_BACK, Case.State.CLOSED)
MAX_DESCRIPTION = 4000


class Refusal(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- answering in JSON or XML ---------------------------------------------------------------

# The element of each list's items, as the specification's XML names them.
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint"}
ITEMS |= {"attributes": "attribute", "values": "value", "formats": "format"}


def xml_of(name: str, value) -> str:
    if isinstance(value, list):
        item = ITEMS.get(name, "item")
        return f"<{name}>{''.join(xml_of(item, v) for v in value)}</{name}>"
    if isinstance(value, dict):
        return f"<{name}>{''.join(xml_of(k, v) for k, v in value.items())}</{name}>"
    if value is None:
        return f"<{name}/>"
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"<{name}>{escape(text)}</{name}>"


def answer(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = '<?xml version="1.0" encoding="utf-8"?>' + xml_of(root, value)
        return HttpResponse(body, content_type="text/xml; charset=utf-8", status=status)
    return JsonResponse(value, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def refused(fmt: str, status: int, description: str) -> HttpResponse:
    return answer(fmt, "errors", [{"code": status, "description": description}], status)


def speaks(view):
    """Every refusal answered as the specification's error list, in the asked format."""

    def wrapped(request: HttpRequest, fmt: str, **kwargs) -> HttpResponse:
        try:
            return view(request, fmt, **kwargs)
        except Refusal as refusal:
            return refused(fmt, refusal.status, refusal.description)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- who asks ---------------------------------------------------------------------------------


def account(request: HttpRequest, required: bool):
    """The account of the api_key, or None without one; a key that opens nothing is refused."""
    key = (request.POST.get("api_key") if request.method == "POST" else None) or request.GET.get("api_key", "")
    if not key:
        if required:
            raise Refusal(403, _("An api_key is required: an API token of an account that handles cases."))
        return None
    user = BearerAuth().authenticate(request, key.strip())
    if user is None:
        raise Refusal(403, _("This api_key is not valid, or has expired."))
    return user


# --- services ---------------------------------------------------------------------------------


def service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category.group,
    }


@speaks
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    return answer(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": _("The street office that handles 12345 work orders."),
            "key_service": _(
                "An api_key is an API token of an account that handles cases: POST /api/v1/auth/token with its "
                "username and password gives one; the account's Tokens page lists and revokes them."
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": request.build_absolute_uri("/open311/v2"),
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
    )


@speaks
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return answer(fmt, "services", [service(c) for c in Category.objects.filter(active=True)])


@speaks
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Refusal(404, _("No service has this service_code."))
    return answer(fmt, "service_definition", {"service_code": category.code, "attributes": []})


# --- requests ---------------------------------------------------------------------------------


def w3c(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def status_of(case: Case) -> str:
    return "closed" if case.state in CLOSED else "open"


def responsible(case: Case) -> str:
    if case.agency:
        return case.agency
    return case.community.name if case.community_id else case.street.name


def notes(case: Case) -> str:
    if case.state == Case.State.PASSED:
        return _("Passed to %(agency)s.") % {"agency": case.agency}
    if case.state in CLOSED and case.outcome:
        return case.outcome
    return case.get_state_display()


def request_of(case: Case, full: bool) -> dict:
    """A case as a service request: in full for a caller whose scope holds it, its status only
    for anyone else. Never the reporter."""
    shown = {
        "service_request_id": str(case.pk),
        "status": status_of(case),
        "status_notes": notes(case) if full else None,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.what if full else None,
        "agency_responsible": responsible(case),
        "service_notice": None,
        "requested_datetime": w3c(case.received_at),
        "updated_datetime": w3c(case.updated_at),
        "expected_datetime": w3c(case.resolve_by),
        "address": (case.address or (case.building.label if case.building_id else "")) if full else None,
        "address_id": str(case.building_id) if full and case.building_id else None,
        "zipcode": None,
        "lat": float(case.latitude) if full and case.latitude is not None else None,
        "long": float(case.longitude) if full and case.longitude is not None else None,
        "media_url": None,
    }
    return shown


def moment_param(request: HttpRequest, name: str) -> datetime.datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return workorders.parse_moment(raw)
    except ValidationError:
        raise Refusal(
            400, _("%(name)s is not a date and time like 2020-03-01T00:00:00+08:00.") % {"name": name}
        ) from None


def listed(request: HttpRequest, user):
    cases = Case.objects.select_related("category", "community", "street", "building")
    ids = request.GET.get("service_request_id", "").strip()
    if ids:
        # A list of ids overrides every other filter, as the specification says.
        wanted = [as_id(i.strip()) for i in ids.split(",")][:MAX_RESULTS]
        return cases.filter(pk__in=[i for i in wanted if i])
    codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    if codes:
        cases = cases.filter(category__code__in=codes)
    statuses = {s.strip().lower() for s in request.GET.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Refusal(400, _("status is open or closed."))
    if statuses == {"open"}:
        cases = cases.exclude(state__in=CLOSED)
    elif statuses == {"closed"}:
        cases = cases.filter(state__in=CLOSED)
    start, end = moment_param(request, "start_date"), moment_param(request, "end_date")
    if start and end and end - start > datetime.timedelta(days=DEFAULT_DAYS):
        raise Refusal(400, _("start_date and end_date may not span more than %(n)s days.") % {"n": DEFAULT_DAYS})
    end = end or (start + datetime.timedelta(days=DEFAULT_DAYS) if start else timezone.now())
    start = start or end - datetime.timedelta(days=DEFAULT_DAYS)
    return cases.filter(received_at__gte=start, received_at__lte=end)


def in_scope(user, cases) -> set[int]:
    if user is None:
        return set()
    return set(
        visible(user, Can.HANDLE_CASES, Case.objects.filter(pk__in=[c.pk for c in cases])).values_list("pk", flat=True)
    )


@csrf_exempt
@speaks
def requests_(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return file_request(request, fmt)
    if request.method != "GET":
        raise Refusal(405, _("GET to read requests, POST to file one."))
    user = account(request, required=False)
    cases = list(listed(request, user).order_by("-received_at", "-id")[:MAX_RESULTS])
    full = in_scope(user, cases)
    return answer(fmt, "service_requests", [request_of(c, c.pk in full) for c in cases])


@speaks
def one_request(request: HttpRequest, fmt: str, pk: str) -> HttpResponse:
    user = account(request, required=False)
    case = Case.objects.select_related("category", "community", "street", "building").filter(pk=as_id(pk)).first()
    if case is None:
        raise Refusal(404, _("No service request has this id."))
    return answer(fmt, "service_requests", [request_of(case, case.pk in in_scope(user, [case]))])


# --- filing -----------------------------------------------------------------------------------


def streets_of(user) -> list[Street]:
    """The streets where the account handles cases, from its roles."""
    ids: set[int] = set()
    for role in roles_of(user):
        if Can.HANDLE_CASES not in CAPABILITIES.get(role.kind, ()):
            continue
        if role.street_id:
            ids.add(role.street_id)
        elif role.community_id:
            ids.add(role.community.street_id)
        elif role.grid_id:
            ids.add(role.grid.community.street_id)
    if user.is_superuser:
        return list(Street.objects.all())
    return list(Street.objects.filter(id__in=ids).order_by("code"))


def coordinate(raw: str, name: str, bound: int) -> decimal.Decimal | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = decimal.Decimal(raw)
    except decimal.InvalidOperation:
        raise Refusal(400, _("%(name)s is not a number.") % {"name": name}) from None
    if not value.is_finite() or abs(value) > bound:
        raise Refusal(400, _("%(name)s is out of range.") % {"name": name})
    return value.quantize(decimal.Decimal("0.000001"))


def where(user, post) -> tuple[Street, Community | None, Building | None, str]:
    """The street, community and building of the request, checked against the account."""
    address = (post.get("address_string") or "").strip()[:300]
    if post.get("address_id"):
        building = Building.objects.select_related("community").filter(pk=as_id(post["address_id"])).first()
        if building is None:
            raise Refusal(400, _("No address has this address_id."))
        if not visible(user, Can.HANDLE_CASES, Building.objects.filter(pk=building.pk)).exists():
            raise Refusal(403, _("This api_key may not file requests at this address."))
        return building.community.street, building.community, building, address
    streets = streets_of(user)
    if not streets:
        raise Refusal(403, _("This api_key may not file requests."))
    if address:
        for street in streets:
            place = workorders.Places(street).locate(address)
            if place.community_id is not None:
                community = Community.objects.get(pk=place.community_id)
                building = Building.objects.filter(pk=place.building_id).first() if place.building_id else None
                if not (
                    holds_place(user, Can.HANDLE_CASES, "community", community.pk)
                    or (
                        building is not None
                        and visible(user, Can.HANDLE_CASES, Building.objects.filter(pk=building.pk)).exists()
                    )
                ):
                    raise Refusal(403, _("This api_key may not file requests at this address."))
                return street, community, building, address
    # Nowhere known: with the street when the account handles the street's own, else with the
    # account's own community.
    for street in streets:
        if holds_place(user, Can.HANDLE_CASES, "street", street.pk):
            return street, None, None, address
    communities = visible(user, Can.HANDLE_CASES, Community.objects.all())
    mine = [c for c in communities if holds_place(user, Can.HANDLE_CASES, "community", c.pk)]
    if len(mine) == 1:
        return mine[0].street, mine[0], None, address
    raise Refusal(403, _("Give an address_id of a building you handle cases for."))


def file_request(request: HttpRequest, fmt: str) -> HttpResponse:
    user = account(request, required=True)
    post = request.POST
    code = (post.get("service_code") or "").strip()
    if not code:
        raise Refusal(400, _("service_code is required."))
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Refusal(404, _("No service has this service_code."))
    latitude = coordinate(post.get("lat", ""), "lat", 90)
    longitude = coordinate(post.get("long", ""), "long", 180)
    if (latitude is None) != (longitude is None):
        raise Refusal(400, _("lat and long go together."))
    if latitude is None and not post.get("address_string", "").strip() and not post.get("address_id", "").strip():
        raise Refusal(400, _("A location is required: lat and long, address_string or address_id."))
    street, community, building, address = where(user, post)
    description = (post.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Refusal(400, _("description is longer than %(n)s characters.") % {"n": MAX_DESCRIPTION})
    media = (post.get("media_url") or "").strip()
    if media and not re.match(r"^https?://\S{1,490}$", media):
        raise Refusal(400, _("media_url is not a web address."))
    name = f"{post.get('last_name', '').strip()}{post.get('first_name', '').strip()}"[:50]
    what = description[: handling.MAX_WHAT] or category.name
    try:
        case = handling.receive(
            street=street,
            category=category,
            what=what,
            source=Case.Source.OPEN311,
            by=user,
            community=community,
            building=building,
            address=address,
            reporter_name=name,
            reporter_phone=post.get("phone", ""),
            latitude=latitude,
            longitude=longitude,
        )
        if media:
            # The picture stays where the client keeps it: a link for whoever handles the case.
            handling.add_note(case, user, _("Photo: %(url)s") % {"url": media})
    except ValidationError as exc:
        raise Refusal(400, " ".join(exc.messages)) from None
    notice = _("To be answered by %(respond)s and resolved by %(resolve)s.") % {
        "respond": timezone.localtime(case.respond_by).strftime("%Y-%m-%d %H:%M"),
        "resolve": timezone.localtime(case.resolve_by).strftime("%Y-%m-%d %H:%M"),
    }
    return answer(
        fmt,
        "service_requests",
        [{"service_request_id": str(case.pk), "service_notice": notice, "account_id": None}],
    )


FORMAT = r"(?P<fmt>json|xml)"
app_name = "open311"
urlpatterns = [
    re_path(rf"^discovery\.{FORMAT}$", discovery, name="discovery"),
    re_path(rf"^services\.{FORMAT}$", services, name="services"),
    re_path(rf"^services/(?P<code>[-\w]{{1,40}})\.{FORMAT}$", service_definition, name="service"),
    re_path(rf"^requests\.{FORMAT}$", requests_, name="requests"),
    re_path(rf"^requests/(?P<pk>\d{{1,19}})\.{FORMAT}$", one_request, name="request"),
]
