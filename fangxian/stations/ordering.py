"""The one set of rules of the vegetable station, used by its pages, its API and the
household's own link page.

A round takes orders while its window is open (`open_rounds`); `place` refuses, with the
reason in the user's language, an order outside the window, beyond a package's per-household
cap (the household's earlier orders in the round count) or beyond its stock, for a package
the round does not offer, or with nothing in it. Stock is taken by a conditional UPDATE
(`stock >= n`), so two orders for the last package cannot both win, and every refusal keeps
nothing. An order comes back as stored when its client_id is sent again; so do a delivery
and a payment (the route page queues them offline). Closing a round freezes its orders:
nothing is placed or cancelled any more; deliveries and payments go on."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.lib.masking import mask_name, mask_phone
from fangxian.lib.money import yuan
from fangxian.people.models import Resident
from fangxian.places.models import Building, Community, Dwelling
from fangxian.places.rollups import LEVELS

from .models import Line, Order, Package, Round

MAX_QUANTITY = 99  # of one package in one order: more is a typing slip


class Conflict(ValidationError):
    """Someone else did it first (delivered, paid, cancelled, closed): the API answers 409."""


def who(user) -> str:
    if user is None:
        return _("the household")
    return user.get_full_name() or user.get_username()


def when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""


# ----------------------------------------------------------------------------- rounds


def open_rounds(community: Community) -> QuerySet[Round]:
    """The community's rounds whose window is open now, the soonest closing first."""
    now = timezone.now()
    return Round.objects.filter(
        community=community, state=Round.State.OPEN, opens_at__lte=now, closes_at__gt=now
    ).order_by("closes_at", "id")


def create_round(community: Community, values: Mapping, by) -> Round:
    """A round from clean_round's values, with its packages (clean_package's values) if given."""
    packages = values.get("packages") or []
    with transaction.atomic():
        row = Round.objects.create(
            community=community,
            created_by=by,
            **{
                k: values[k]
                for k in ("name", "supplier_name", "supplier_phone", "opens_at", "closes_at", "delivery_day")
            },
        )
        for package in packages:
            add_package(row, package)
    return row


def update_round(row: Round, values: Mapping) -> Round:
    if row.state == Round.State.CLOSED:
        raise Conflict(_("The round is closed: its orders are frozen."))
    for key in ("name", "supplier_name", "supplier_phone", "opens_at", "closes_at", "delivery_day"):
        if key in values:
            setattr(row, key, values[key])
    row.save()
    return row


def add_package(row: Round, values: Mapping) -> Package:
    if row.state == Round.State.CLOSED:
        raise Conflict(_("The round is closed: its orders are frozen."))
    if row.packages.filter(name=values["name"]).exists():
        raise ValidationError({"name": [_("This round already offers a package of that name.")]})
    return Package.objects.create(round=row, **{k: values[k] for k in ("name", "contents", "price", "stock", "cap")})


def update_package(package: Package, values: Mapping) -> Package:
    """Stock, cap and contents may change while the round is open; the price only until the
    first order (the totals for the supplier would not add up)."""
    if package.round.state == Round.State.CLOSED:
        raise Conflict(_("The round is closed: its orders are frozen."))
    if "price" in values and values["price"] != package.price and package.lines.exists():
        raise ValidationError({"price": [_("Households have ordered this package: its price stays.")]})
    if "name" in values and package.round.packages.exclude(pk=package.pk).filter(name=values["name"]).exists():
        raise ValidationError({"name": [_("This round already offers a package of that name.")]})
    for key in ("name", "contents", "price", "stock", "cap"):
        if key in values:
            setattr(package, key, values[key])
    package.save()
    return package


def close(row: Round, by) -> Round:
    """Closes the window: the orders are frozen as they stand, for the pick lists."""
    if not Round.objects.filter(pk=row.pk, state=Round.State.OPEN).update(
        state=Round.State.CLOSED, closed_at=timezone.now(), closed_by=by
    ):
        row.refresh_from_db()
        raise Conflict(
            _("%(who)s closed this round at %(when)s.") % {"who": who(row.closed_by), "when": when(row.closed_at)}
        )
    row.refresh_from_db()
    return row


def window_refusal(row: Round, now: datetime.datetime | None = None) -> str:
    """Why the round takes no order now, or ""."""
    now = now or timezone.now()
    if row.state == Round.State.CLOSED:
        return _("The round is closed: its orders are frozen.")
    if now < row.opens_at:
        return _("Orders open at %(when)s.") % {"when": when(row.opens_at)}
    if now >= row.closes_at:
        return _("The order window closed at %(when)s.") % {"when": when(row.closes_at)}
    return ""


# ----------------------------------------------------------------------------- orders


def wanted_quantities(quantities: Mapping) -> dict[int, int]:
    """{package id: quantity} with the zeros left out; anything not a whole number refused."""
    wanted: dict[int, int] = {}
    problems = []
    for key, value in quantities.items():
        if isinstance(key, bool) or isinstance(value, bool):
            problems.append(_("A quantity is a whole number."))
            continue
        try:
            package_id, quantity = int(key), int(value)
        except (TypeError, ValueError):
            problems.append(_("A quantity is a whole number."))
            continue
        if str(value).strip() != str(quantity) and not isinstance(value, int):
            problems.append(_("A quantity is a whole number."))
        elif quantity < 0:
            problems.append(_("A quantity cannot be negative."))
        elif quantity > MAX_QUANTITY:
            problems.append(_("At most %(n)s of one package.") % {"n": MAX_QUANTITY})
        elif quantity:
            wanted[package_id] = wanted.get(package_id, 0) + quantity
    if problems:
        raise ValidationError({"quantities": sorted(set(problems))})
    return wanted


def stored_order(client_id, row: Round, dwelling: Dwelling) -> Order | None:
    if client_id is None:
        return None
    stored = Order.objects.filter(client_id=client_id).first()
    if stored is not None and (stored.round_id != row.pk or stored.dwelling_id != dwelling.pk):
        raise ValidationError({"client_id": [_("This client_id belongs to another record.")]})
    return stored


def place(
    round: Round,  # noqa: A002 - the name other apps call it by
    dwelling: Dwelling,
    quantities: dict[int, int],
    via: str,
    by=None,
    client_id: uuid.UUID | str | None = None,
) -> Order:
    """Places the household's order, or refuses it with every reason at once and keeps nothing.
    `by` is the worker who took it (None: the household through its link)."""
    row = round
    client_id = as_uuid(client_id)
    stored = stored_order(client_id, row, dwelling)
    if stored is not None:
        return stored
    if via not in Order.Via.values:
        raise ValidationError({"via": [_("Not one of the allowed values.")]})
    if dwelling.community_id != row.community_id:
        raise ValidationError({"dwelling_id": [_("This household is not in the round's community.")]})
    wanted = wanted_quantities(quantities)
    if not wanted:
        raise ValidationError({"quantities": [_("Nothing ordered: choose at least one package.")]})
    try:
        with transaction.atomic():
            # One order of a household at a time: its earlier orders count against the cap.
            Dwelling.objects.select_for_update().filter(pk=dwelling.pk).first()
            row = Round.objects.get(pk=row.pk)  # closed a moment ago?
            refusal = window_refusal(row)
            if refusal:
                raise ValidationError(refusal)
            packages = {p.pk: p for p in row.packages.filter(pk__in=list(wanted))}
            problems = [
                _("Package %(id)s is not offered in this round.") % {"id": package_id}
                for package_id in wanted
                if package_id not in packages
            ]
            earlier = dict(
                Line.objects.filter(order__round=row, order__dwelling=dwelling)
                .exclude(order__state=Order.State.CANCELLED)
                .values_list("package_id")
                .annotate(n=Sum("quantity"))
            )
            for package_id, quantity in wanted.items():
                package = packages.get(package_id)
                if package is not None and earlier.get(package_id, 0) + quantity > package.cap:
                    problems.append(beyond_cap(package, earlier.get(package_id, 0)))
            if problems:
                raise ValidationError({"quantities": problems})
            for package_id, quantity in sorted(wanted.items()):
                # The stock is taken here or not at all: two orders for the last one, one wins.
                if not Package.objects.filter(pk=package_id, stock__gte=quantity).update(stock=F("stock") - quantity):
                    left = Package.objects.filter(pk=package_id).values_list("stock", flat=True).first() or 0
                    problems.append(beyond_stock(packages[package_id], left))
            if problems:
                raise ValidationError({"quantities": problems})
            order = Order.objects.create(
                round=row,
                community_id=row.community_id,
                dwelling=dwelling,
                via=via,
                placed_by=by,
                client_id=client_id,
                total=sum(packages[p].price * q for p, q in wanted.items()),
            )
            lines = Line.objects.bulk_create(
                [
                    Line(order=order, package_id=p, quantity=q, price=packages[p].price)
                    for p, q in sorted(wanted.items())
                ]
            )
            # The answer shows them without asking the database again.
            known = Line.objects.filter(order=order)
            known._result_cache, known._prefetch_done = lines, True
            order._prefetched_objects_cache = {"lines": known}
    except IntegrityError:  # the same client_id from a second request at the same moment
        stored = stored_order(client_id, row, dwelling)
        if stored is None:
            raise
        return stored
    return order


def beyond_cap(package: Package, earlier: int) -> str:
    if earlier:
        return _("%(package)s: at most %(cap)s a household, and this household has %(earlier)s already.") % {
            "package": package.name,
            "cap": package.cap,
            "earlier": earlier,
        }
    return _("%(package)s: at most %(cap)s a household.") % {"package": package.name, "cap": package.cap}


def beyond_stock(package: Package, left: int) -> str:
    if not left:
        return _("%(package)s is sold out.") % {"package": package.name}
    return _("%(package)s: only %(left)s left.") % {"package": package.name, "left": left}


def orders_of(dwelling: Dwelling) -> QuerySet[Order]:
    """The household's orders, the latest first, with their round and lines."""
    return (
        Order.objects.filter(dwelling=dwelling)
        .select_related("round")
        .prefetch_related("lines__package")
        .order_by("-placed_at", "-id")
    )


def cancel(order: Order, by) -> Order:
    """While the window is open: the order is cancelled and its stock goes back."""
    with transaction.atomic():
        row = Round.objects.get(pk=order.round_id)
        refusal = window_refusal(row)
        if refusal:
            raise Conflict(refusal)
        if not Order.objects.filter(pk=order.pk, state=Order.State.PLACED, paid=False).update(
            state=Order.State.CANCELLED, cancelled_at=timezone.now(), cancelled_by=by
        ):
            order.refresh_from_db()
            raise Conflict(done_already(order))
        for package_id, quantity in order.lines.values_list("package_id", "quantity"):
            Package.objects.filter(pk=package_id).update(stock=F("stock") + quantity)
    order.refresh_from_db()
    return order


def done_already(order: Order) -> str:
    if order.state == Order.State.CANCELLED:
        return _("This order was cancelled by %(who)s at %(when)s.") % {
            "who": who(order.cancelled_by),
            "when": when(order.cancelled_at),
        }
    if order.state == Order.State.DELIVERED:
        return _("%(who)s delivered this order at %(when)s.") % {
            "who": who(order.delivered_by),
            "when": when(order.delivered_at),
        }
    if order.paid:
        return _("%(who)s took the payment at %(when)s: this order is paid.") % {
            "who": who(order.paid_by),
            "when": when(order.paid_at),
        }
    return _("This order has changed meanwhile.")


def as_uuid(client_id) -> uuid.UUID | None:
    if client_id is None or isinstance(client_id, uuid.UUID):
        return client_id
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationError({"client_id": [_("A UUID, like 123e4567-e89b-42d3-a456-426614174000.")]}) from None


def deliver(order: Order, by, client_id=None, at: datetime.datetime | None = None) -> Order:
    """Marks the order delivered by `by`. The same client_id, or the same deliverer again,
    answers as stored; another deliverer's delivery is a Conflict naming who and when."""
    return mark(order, by, client_id, at, "delivered")


def mark_paid(order: Order, by, client_id=None, at: datetime.datetime | None = None) -> Order:
    """Marks the order paid to `by`, before or after delivery, likewise exactly once."""
    return mark(order, by, client_id, at, "paid")


def mark(order: Order, by, client_id, at, what: str) -> Order:
    client_id = as_uuid(client_id)
    at = at or timezone.now()
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": [_("This time is in the future.")]})
    key = f"{what}_client_id"
    if client_id is not None:
        stored = Order.objects.filter(**{key: client_id}).first()
        if stored is not None:
            if stored.pk != order.pk:
                raise ValidationError({"client_id": [_("This client_id belongs to another record.")]})
            return stored
    if what == "delivered":
        done = Q(state=Order.State.DELIVERED)
        change = {"state": Order.State.DELIVERED, "delivered_by": by, "delivered_at": at, key: client_id}
        still = Q(state=Order.State.PLACED)
    else:
        done = Q(paid=True)
        change = {"paid": True, "paid_by": by, "paid_at": at, key: client_id}
        still = Q(paid=False) & ~Q(state=Order.State.CANCELLED)
    try:
        with transaction.atomic():
            updated = Order.objects.filter(still, pk=order.pk).update(**change)
    except IntegrityError:  # the same client_id from a second request at the same moment
        stored = Order.objects.filter(**{key: client_id}).first()
        if stored is None or stored.pk != order.pk:
            raise
        return stored
    order.refresh_from_db()
    if updated:
        return order
    by_field = "delivered_by_id" if what == "delivered" else "paid_by_id"
    if Order.objects.filter(done, pk=order.pk).exists() and getattr(order, by_field) == getattr(by, "pk", None):
        return order  # done by this same person already: a second tap changes nothing
    if order.state == Order.State.CANCELLED:
        raise Conflict(done_already(order))
    if what == "delivered":
        raise Conflict(
            _("%(who)s delivered this order at %(when)s.")
            % {"who": who(order.delivered_by), "when": when(order.delivered_at)}
        )
    raise Conflict(
        _("%(who)s took the payment at %(when)s: this order is paid.")
        % {"who": who(order.paid_by), "when": when(order.paid_at)}
    )


# ----------------------------------------------------------------------------- lists


def lines_by_order(orders: Iterable[Order]) -> dict[int, dict[int, int]]:
    ids = [o.pk for o in orders]
    found: dict[int, dict[int, int]] = {}
    for order_id, package_id, quantity in Line.objects.filter(order_id__in=ids).values_list(
        "order_id", "package_id", "quantity"
    ):
        found.setdefault(order_id, {})[package_id] = quantity
    return found


def building_key(number: str) -> tuple:
    """Buildings as one walks them: 2 before 10, then numbers written as words."""
    return (0, int(number), "") if number.isdigit() else (1, 0, number)


def walking_order(order: Order) -> tuple:
    d = order.dwelling
    return (building_key(d.building.number), d.entrance, d.floor, d.room, order.pk)


def households(dwelling_ids: Iterable[int] | QuerySet) -> dict[int, tuple[str, str]]:
    """The name and phone to ask for at each door, masked: the head of household, or else
    the first resident registered there."""
    found: dict[int, tuple[str, str]] = {}
    heads: set[int] = set()
    rows = (
        Resident.objects.current()
        .filter(dwelling_id__in=dwelling_ids if isinstance(dwelling_ids, QuerySet) else list(dwelling_ids))
        .order_by("dwelling_id", "id")
        .values_list("dwelling_id", "name", "phone", "relation")
    )
    for dwelling_id, name, phone, relation in rows:
        if dwelling_id in heads or (dwelling_id in found and relation != Resident.Relation.HEAD):
            continue
        found[dwelling_id] = (mask_name(name), mask_phone(phone))
        if relation == Resident.Relation.HEAD:
            heads.add(dwelling_id)
    return found


def route(orders: QuerySet[Order]) -> list[dict]:
    """The deliverer's list: the round's orders not cancelled, building → entrance → floor →
    room, with what to carry, the money to take and the household masked. Read as values, in
    five queries however many doors (5,000 in a large community)."""
    live = orders.exclude(state=Order.State.CANCELLED)
    rows = list(
        live.values_list(
            "id",
            "dwelling_id",
            "total",
            "state",
            "paid",
            "delivered_by_id",
            "dwelling__building_id",
            "dwelling__building__number",
            "dwelling__entrance",
            "dwelling__floor",
            "dwelling__room",
        )
    )
    rows.sort(key=lambda r: (building_key(r[7]), r[8], r[9], r[10], r[0]))
    items: dict[int, list[dict]] = {}
    for order_id, name, quantity in (
        Line.objects.filter(order__in=live)
        .order_by("order_id", "package_id")
        .values_list("order_id", "package__name", "quantity")
    ):
        items.setdefault(order_id, []).append({"package": name, "quantity": quantity})
    labels = {b.pk: b.label for b in Building.objects.filter(pk__in={r[6] for r in rows})}
    deliverers = {u.pk: who(u) for u in get_user_model().objects.filter(pk__in={r[5] for r in rows if r[5]})}
    people = households(live.values("dwelling_id"))
    # Someone at home under observation: the bag is left at the door, as errands are.
    watched = set(
        Resident.objects.current()
        .filter(dwelling_id__in=live.values("dwelling_id"), under_observation=True)
        .values_list("dwelling_id", flat=True)
    )
    door = _("%(building)s, entrance %(entrance)s, room %(room)s")
    return [
        {
            "order_id": order_id,
            "building": labels[building_id],
            "entrance": entrance,
            "floor": floor,
            "room": room,
            "label": door % {"building": labels[building_id], "entrance": entrance, "room": room},
            "name": people.get(dwelling_id, ("", ""))[0],
            "phone": people.get(dwelling_id, ("", ""))[1],
            "items": items.get(order_id, []),
            "total": total,
            "total_yuan": yuan(total),
            "state": state,
            "paid": paid,
            "delivered_by": deliverers.get(delivered_by, ""),
            "door_only": dwelling_id in watched,
        }
        for order_id, dwelling_id, total, state, paid, delivered_by, building_id, _number, entrance, floor, room in rows
    ]


def pick_list(row: Round, orders: QuerySet[Order]) -> dict:
    """What the station packs, building by building and entrance by entrance: a row per
    household (floor, room, quantity of each package, money to take) and the entrance's sums."""
    packages = list(row.packages.all())
    rows = sorted(
        orders.filter(round=row).exclude(state=Order.State.CANCELLED).select_related("dwelling__building"),
        key=walking_order,
    )
    lines = lines_by_order(rows)
    groups: list[dict] = []
    for o in rows:
        key = (o.dwelling.building_id, o.dwelling.entrance)
        if not groups or groups[-1]["key"] != key:
            groups.append(
                {
                    "key": key,
                    "building": o.dwelling.building.label,
                    "entrance": o.dwelling.entrance,
                    "orders": [],
                    "sums": [0] * len(packages),
                    "money": 0,
                }
            )
        group = groups[-1]
        quantities = [lines.get(o.pk, {}).get(p.pk, 0) for p in packages]
        group["orders"].append({"order": o, "quantities": quantities, "total_yuan": o.total_yuan})
        group["sums"] = [a + b for a, b in zip(group["sums"], quantities, strict=True)]
        group["money"] += o.total
    for group in groups:
        group["money_yuan"] = yuan(group["money"])
    return {"round": row, "packages": packages, "groups": groups, "count": len(rows)}


def pick_list_rows(listed: dict) -> tuple[list[str], list[list]]:
    """The pick list as one spreadsheet: a row per household, buildings and entrances in order."""
    headers = [_("building"), _("entrance"), _("floor"), _("room"), _("order")]
    headers += [p.name for p in listed["packages"]] + [_("amount (yuan)"), _("paid"), _("delivered")]
    rows = []
    for group in listed["groups"]:
        for item in group["orders"]:
            o = item["order"]
            rows.append(
                [group["building"], group["entrance"], o.dwelling.floor, o.dwelling.room, o.pk]
                + item["quantities"]
                # A number, not its text: the station sums the column.
                + [
                    Decimal(o.total) / 100,
                    _("yes") if o.paid else "",
                    _("yes") if o.state == Order.State.DELIVERED else "",
                ]
            )
    return headers, rows


def totals(row: Round, orders: QuerySet[Order] | None = None) -> dict:
    """For the supplier: per package, how many were ordered, delivered and paid, and the money."""
    lines = Line.objects.filter(order__round=row).exclude(order__state=Order.State.CANCELLED)
    if orders is not None:
        lines = lines.filter(order__in=orders)
    per_package = {
        r["package_id"]: r
        for r in lines.values("package_id").annotate(
            ordered=Sum("quantity"),
            delivered=Sum("quantity", filter=Q(order__state=Order.State.DELIVERED)),
            paid=Sum("quantity", filter=Q(order__paid=True)),
            money=Sum(F("quantity") * F("price")),
            paid_money=Sum(F("quantity") * F("price"), filter=Q(order__paid=True)),
        )
    }
    packages = []
    for p in row.packages.all():
        r = per_package.get(p.pk, {})
        packages.append(
            {
                "package_id": p.pk,
                "name": p.name,
                "price": p.price,
                "stock": p.stock,
                "ordered": r.get("ordered") or 0,
                "delivered": r.get("delivered") or 0,
                "paid": r.get("paid") or 0,
                "money": r.get("money") or 0,
                "paid_money": r.get("paid_money") or 0,
            }
        )
    for p in packages:
        p["money_yuan"], p["paid_money_yuan"] = yuan(p["money"]), yuan(p["paid_money"])
    counted = (orders if orders is not None else row.orders.all()).filter(round=row)
    counts = counted.aggregate(
        orders=Count("id", filter=~Q(state=Order.State.CANCELLED)),
        delivered=Count("id", filter=Q(state=Order.State.DELIVERED)),
        paid=Count("id", filter=Q(paid=True)),
        cancelled=Count("id", filter=Q(state=Order.State.CANCELLED)),
    )
    money = sum(p["money"] for p in packages)
    paid_money = sum(p["paid_money"] for p in packages)
    return {
        "packages": packages,
        **counts,
        "money": money,
        "money_yuan": yuan(money),
        "paid_money": paid_money,
        "paid_money_yuan": yuan(paid_money),
    }


def rollup(orders: QuerySet[Order], level: str) -> list[dict]:
    """Orders placed and deliveries made a day, by community, street or district: grouped by
    community and day in the database, summed upwards in Python."""
    tz = timezone.get_current_timezone()
    placed = (
        orders.exclude(state=Order.State.CANCELLED)
        .annotate(day=TruncDate("placed_at", tzinfo=tz))
        .values_list("community_id", "day")
        .annotate(n=Count("id"))
    )
    delivered = (
        orders.filter(state=Order.State.DELIVERED)
        .annotate(day=TruncDate("delivered_at", tzinfo=tz))
        .values_list("community_id", "day")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[int, datetime.date], list[int]] = {}
    for community_id, day, n in placed:
        counts.setdefault((community_id, day), [0, 0])[0] += n
    for community_id, day, n in delivered:
        counts.setdefault((community_id, day), [0, 0])[1] += n
    parents = dict(Community.objects.filter(pk__in={c for c, _d in counts}).values_list("id", LEVELS[level]))
    totals_by: dict[tuple[int, datetime.date], dict] = {}
    for (community_id, day), (n_orders, n_delivered) in counts.items():
        parent = parents[community_id]
        row = totals_by.setdefault((parent, day), {"id": parent, "day": day, "orders": 0, "delivered": 0})
        row["orders"] += n_orders
        row["delivered"] += n_delivered
    return sorted(totals_by.values(), key=lambda r: (r["day"], r["id"]))
