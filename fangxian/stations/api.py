"""Vegetable rounds, their packages and orders, deliveries and payments, pick lists, totals
for the supplier and the offices' roll-up under /api/v1/vegetable-rounds."""

import contextlib
import datetime
import uuid
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import Day, Id, Input, Moment, NotNull, Patch, Whole, answers, error
from fangxian.accounts.exports import audit_export, counted, require_export, xlsx_response
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.lib.tabular import write_xlsx
from fangxian.places.models import Community, Dwelling
from fangxian.places.rollups import LEVELS

from . import forms, ordering
from .models import Order, Package, Round

router = Router(tags=["vegetable station"])

# The rules for what these carry are forms.py's and ordering.py's, shared with the pages.


class PackageIn(Input):
    name: str
    contents: str = ""
    price: Whole  # fen
    stock: Whole
    cap: Whole = 1


class PackagePatch(Patch):
    name: Annotated[str, NotNull] = None
    contents: Annotated[str, NotNull] = None
    price: Annotated[Whole, NotNull] = None
    stock: Annotated[Whole, NotNull] = None
    cap: Annotated[Whole, NotNull] = None


class RoundIn(Input):
    community_id: Id
    name: str
    supplier_name: str
    supplier_phone: str = ""
    opens_at: Moment
    closes_at: Moment
    delivery_day: Day
    packages: list[PackageIn] = []


class RoundPatch(Patch):
    name: Annotated[str, NotNull] = None
    supplier_name: Annotated[str, NotNull] = None
    supplier_phone: Annotated[str, NotNull] = None
    opens_at: Annotated[Moment, NotNull] = None
    closes_at: Annotated[Moment, NotNull] = None
    delivery_day: Annotated[Day, NotNull] = None


class PackageOut(Schema):
    id: int
    name: str
    contents: str
    price: int
    stock: int
    cap: int


class RoundOut(Schema):
    id: int
    community_id: int
    name: str
    supplier_name: str
    supplier_phone: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    delivery_day: datetime.date
    state: str
    taking_orders: bool
    packages: list[PackageOut]

    @staticmethod
    def resolve_taking_orders(obj: Round) -> bool:
        return obj.is_open()

    @staticmethod
    def resolve_packages(obj: Round) -> list:
        return list(obj.packages.all())


class OrderIn(Input):
    dwelling_id: Id
    quantities: dict[Id, Whole]  # package id → how many
    via: str = Order.Via.API
    client_id: uuid.UUID | None = None


class LineOut(Schema):
    package_id: int
    quantity: int
    price: int


class OrderOut(Schema):
    id: int
    round_id: int
    dwelling_id: int
    via: str
    total: int
    state: str
    paid: bool
    placed_at: datetime.datetime
    delivered_at: datetime.datetime | None
    paid_at: datetime.datetime | None
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Order) -> list:
        return list(obj.lines.all())


class TapIn(Input):
    client_id: uuid.UUID | None = None
    at: Moment | None = None  # when it was tapped on the phone; now if left out


@contextlib.contextmanager
def conflicts():
    """Someone else did it first: 409 with who and when."""
    try:
        yield
    except ordering.Conflict as exc:
        error(" ".join(exc.messages), 409)


def served_round(request, round_id: int) -> Round:
    row = get_visible_or_404(request.user, Can.VIEW_PLACES, Round.objects.all(), pk=round_id)
    if not can(request.user, Can.SERVE, row):
        error(_("Your role may not serve households."), 403)
    return row


def run_round(request, round_id: int) -> Round:
    row = get_visible_or_404(request.user, Can.VIEW_PLACES, Round.objects.all(), pk=round_id)
    if not holds_community(request.user, Can.RUN_SERVICES, row.community_id):
        error(_("Your role may not run vegetable rounds for the whole community."), 403)
    return row


def order_for(request, order_id: int, capability: Can) -> Order:
    order = get_visible_or_404(request.user, Can.VIEW_PLACES, Order.objects.select_related("round"), pk=order_id)
    if not can(request.user, capability, order):
        error(
            _("Your role may not serve households.") if capability == Can.SERVE else _("Your role may not do this."),
            403,
        )
    return order


def with_lines(orders):
    return orders.prefetch_related("lines")


@router.get("/vegetable-rounds", response=list[RoundOut])
@paginate
def list_rounds(request, taking_orders: bool = False):
    """The rounds of the communities whose households the caller serves, the latest first."""
    rows = visible(request.user, Can.SERVE, Round.objects.prefetch_related("packages"))
    if taking_orders:
        now = timezone.now()
        rows = rows.filter(state=Round.State.OPEN, opens_at__lte=now, closes_at__gt=now)
    return rows


@router.post("/vegetable-rounds", response=answers({201: RoundOut}, 404))
def create_round(request, data: RoundIn):
    community = get_visible_or_404(request.user, Can.VIEW_PLACES, Community.objects.all(), pk=data.community_id)
    if not holds_community(request.user, Can.RUN_SERVICES, community.pk):
        error(_("Your role may not run vegetable rounds for the whole community."), 403)
    values = forms.clean_round(data.dict())
    return Status(201, ordering.create_round(community, values, request.user))


@router.get("/vegetable-rounds/rollup")
def rollup(request, by: str = "community"):
    """Orders placed and orders delivered a day, by community, street or district, over
    every community in the caller's view: counts only."""
    if by not in LEVELS:
        error(_("by is community, street, district or city."), 422)
    rows = visible(request.user, Can.VIEW_PLACES, Order.objects.all())
    return {"by": by, "rows": ordering.rollup(rows, by)}


@router.get("/vegetable-rounds/{round_id}", response=RoundOut)
def get_round(request, round_id: Id):
    return served_round(request, round_id)


@router.patch("/vegetable-rounds/{round_id}", response=answers({200: RoundOut}, 409))
def edit_round(request, round_id: Id, data: RoundPatch):
    row = run_round(request, round_id)
    given = data.model_dump(exclude_unset=True)
    values = forms.clean_round(
        {**{k: getattr(row, k) for k in ("opens_at", "closes_at", "delivery_day")}, **given}, partial=True
    )
    with conflicts():
        return ordering.update_round(row, {k: v for k, v in values.items() if k in given})


@router.post("/vegetable-rounds/{round_id}/packages", response=answers({201: PackageOut}, 409))
def add_package(request, round_id: Id, data: PackageIn):
    row = run_round(request, round_id)
    with conflicts():
        return Status(201, ordering.add_package(row, forms.clean_package(data.dict())))


@router.patch("/vegetable-rounds/packages/{package_id}", response=answers({200: PackageOut}, 409))
def edit_package(request, package_id: Id, data: PackagePatch):
    package = get_visible_or_404(request.user, Can.VIEW_PLACES, Package.objects.select_related("round"), pk=package_id)
    run_round(request, package.round_id)
    with conflicts():
        return ordering.update_package(package, forms.clean_package(data.model_dump(exclude_unset=True), partial=True))


@router.post("/vegetable-rounds/{round_id}/close", response=answers({200: RoundOut}, 409))
def close_round(request, round_id: Id):
    """Closes the order window: the orders are frozen for the pick lists."""
    row = run_round(request, round_id)
    with conflicts():
        return ordering.close(row, request.user)


@router.post("/vegetable-rounds/{round_id}/orders", response=answers({201: OrderOut}, 404))
def place_order(request, round_id: Id, data: OrderIn):
    """A household's order, taken by a worker (a phone call, an app). 422 says why it is
    refused: the window, the cap, the stock, a package the round does not offer. The same
    client_id again answers the stored order."""
    row = served_round(request, round_id)
    dwelling = get_visible_or_404(request.user, Can.VIEW_PLACES, Dwelling.objects.all(), pk=data.dwelling_id)
    if not can(request.user, Can.RUN_SERVICES, dwelling):
        error(_("Your role may not take orders for this household."), 403)
    if data.via == Order.Via.LINK:
        error(_("Orders through the household's link are placed on its link page."), 422)
    order = ordering.place(row, dwelling, data.quantities, data.via, request.user, data.client_id)
    return Status(201, order)


@router.get("/vegetable-rounds/{round_id}/orders", response=list[OrderOut])
@paginate
def list_orders(request, round_id: Id, state: str = ""):
    row = served_round(request, round_id)
    rows = with_lines(visible(request.user, Can.SERVE, row.orders.all()))
    if state:
        if state not in Order.State.values:
            error(_("state is placed, delivered or cancelled."), 422)
        rows = rows.filter(state=state)
    return rows


@router.get("/vegetable-rounds/{round_id}/route")
def route(request, round_id: Id):
    """The deliverer's list in walking order (building, entrance, floor, room), names and
    phones masked: what the route page keeps for going offline."""
    row = served_round(request, round_id)
    return ordering.route(visible(request.user, Can.SERVE, row.orders.all()))


@router.post("/vegetable-rounds/orders/{order_id}/deliver", response=answers({200: OrderOut}, 409))
def deliver(request, order_id: Id, data: TapIn):
    """Delivered at the door. The same client_id, or the same deliverer again, answers as
    stored; another deliverer's delivery answers 409 saying who and when."""
    order = order_for(request, order_id, Can.SERVE)
    with conflicts():
        return ordering.deliver(order, request.user, data.client_id, data.at)


@router.post("/vegetable-rounds/orders/{order_id}/pay", response=answers({200: OrderOut}, 409))
def pay(request, order_id: Id, data: TapIn):
    order = order_for(request, order_id, Can.SERVE)
    with conflicts():
        return ordering.mark_paid(order, request.user, data.client_id, data.at)


@router.post("/vegetable-rounds/orders/{order_id}/cancel", response=answers({200: OrderOut}, 409))
def cancel(request, order_id: Id):
    """While the window is open; the stock goes back."""
    order = order_for(request, order_id, Can.RUN_SERVICES)
    with conflicts():
        return ordering.cancel(order, request.user)


@router.get("/vegetable-rounds/{round_id}/totals")
def totals(request, round_id: Id):
    """For the supplier: per package ordered, delivered, paid and the money (fen)."""
    row = run_round(request, round_id)
    return {"round_id": row.pk, **ordering.totals(row)}


@router.get("/vegetable-rounds/{round_id}/pick-list.xlsx")
def pick_list_xlsx(request, round_id: Id):
    """The pick list by building and entrance as .xlsx (audited as an export)."""
    row = run_round(request, round_id)
    listed = ordering.pick_list(row, row.orders.all())
    headers, rows = ordering.pick_list_rows(listed)
    communities = counted([row.community_id] * max(len(rows), 1))
    require_export(request, communities, Can.RUN_SERVICES)
    audit_export(request, "pick_list", communities, round=row.pk, format="xlsx")
    data = write_xlsx(headers, rows, sheet_title=_("pick list"))
    return xlsx_response(data, f"pick-list-{row.pk}.xlsx")
