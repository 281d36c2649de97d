"""The one path that writes the ledger, and the sums that read it.

Every movement out of a store is checked against the store's stock under a lock on the
item, at the moment it happened and at every later moment, so no store ever goes below
zero, not even in the past."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangxian.lib import units
from fangxian.places.models import Community

from .models import Item, Movement, Store

K = Movement.Kind
UNIT_WORDS = {
    "amount": lambda: _("Write the quantity as a number, such as 20, 2.5 or 1/2."),
    "unit": lambda: _("This item is not counted in that unit."),
    "inexact": lambda: _("That quantity is not a whole number of the item's smallest unit."),
    "zero": lambda: _("The quantity must be more than nothing."),
    "large": lambda: _("That quantity is too large."),
}


def quanta(item: Item, amount, unit: str | None = None) -> int:
    """An amount typed in a unit, as the item's quanta, or a ValidationError saying why not."""
    try:
        return item.quanta(amount, unit)
    except units.UnitError as e:
        raise ValidationError({"quantity": UNIT_WORDS[e.code]()}) from None


def record(
    kind: str,
    item: Item,
    quantity: int,
    *,
    from_store: Store | None = None,
    to_store: Store | None = None,
    by=None,
    happened_at: datetime.datetime | None = None,
    **details,
) -> Movement:
    """Write one movement of `quantity` quanta after checking it fits the ledger's rules.

    `details` are the movement's other fields (to_gate, to_dwelling, to_person, donor,
    anonymous, receipt, reason, reverses, source)."""
    happened_at = happened_at or timezone.now()
    check_shape(kind, item, quantity, from_store, to_store, happened_at, details)
    with transaction.atomic():
        Item.objects.select_for_update().get(pk=item.pk)  # one writer per item at a time
        if from_store is not None:
            short = shortfall(item, from_store, quantity, happened_at)
            if short is not None:
                raise ValidationError(
                    {
                        "quantity": _("%(store)s holds only %(stock)s of %(item)s then.")
                        % {"store": from_store.name, "stock": item.show(short), "item": item.name}
                    }
                )
        return Movement.objects.create(
            community_id=item.community_id,
            kind=kind,
            item=item,
            quantity=quantity,
            from_store=from_store,
            to_store=to_store,
            happened_at=happened_at,
            recorded_by=by,
            **details,
        )


def check_shape(kind, item, quantity, from_store, to_store, happened_at, details) -> None:
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError({"quantity": UNIT_WORDS["zero"]()})
    if quantity > units.MOST:
        raise ValidationError({"quantity": UNIT_WORDS["large"]()})
    if happened_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"happened_at": _("A movement cannot be recorded before it happens.")})
    for store in (from_store, to_store):
        if store is not None and store.community_id != item.community_id:
            raise ValidationError({"store": _("The store belongs to another community.")})
    recipient = [f for f in ("to_gate", "to_dwelling", "to_person") if details.get(f)]
    needs = {
        K.DONATION: (False, True),
        K.PURCHASE: (False, True),
        K.ISSUE: (True, False),
        K.TRANSFER: (True, True),
    }
    if kind in needs:
        wants_from, wants_to = needs[kind]
        if (from_store is not None) != wants_from or (to_store is not None) != wants_to:
            raise ValidationError(
                {"store": _("A %(kind)s needs the stores it moves between.") % {"kind": K(kind).label}}
            )
    elif kind == K.ADJUSTMENT:
        if (from_store is None) == (to_store is None):
            raise ValidationError({"store": _("An adjustment adds to one store or takes from one store.")})
    elif kind != K.REVERSAL:
        raise ValidationError({"kind": _("Unknown kind of movement.")})
    if kind == K.TRANSFER and from_store == to_store:
        raise ValidationError({"to_store": _("A transfer goes to another store.")})
    if kind in (K.DONATION, K.PURCHASE) and not details.get("donor", "").strip() and not details.get("anonymous"):
        raise ValidationError({"donor": _("Say who gave it, or mark the donation anonymous.")})
    if kind == K.ISSUE and len(recipient) != 1:
        raise ValidationError({"to_person": _("Say whom it was issued to: a gate, a household or a person.")})
    if kind in (K.ADJUSTMENT, K.REVERSAL) and not details.get("reason", "").strip():
        raise ValidationError({"reason": _("An adjustment or a reversal needs its reason.")})


def reverse(movement: Movement, reason: str, by=None) -> Movement:
    """The movement undone by its mirror image, now: what went in comes out, and back."""
    with transaction.atomic():
        Movement.objects.select_for_update().get(pk=movement.pk)
        if movement.kind == K.REVERSAL or Movement.objects.filter(reverses=movement).exists():
            raise ValidationError(_("This movement has already been reversed, or is itself a reversal."))
        return record(
            K.REVERSAL,
            movement.item,
            movement.quantity,
            from_store=movement.to_store,
            to_store=movement.from_store,
            by=by,
            reverses=movement,
            reason=reason,
            source=movement.source,
        )


def shortfall(item: Item, store: Store, quantity: int, at: datetime.datetime) -> int | None:
    """None if `quantity` can leave the store at `at` and stock stays at or above zero at every
    later moment; otherwise the least stock there was to take from."""
    balance = balance_at(item, store, at)
    lowest = balance
    later = (
        Movement.objects.filter(item=item, happened_at__gt=at)
        .filter(Q(to_store=store) | Q(from_store=store))
        .order_by("happened_at", "id")
        .values_list("quantity", "to_store_id")
    )
    for amount, to_store_id in later.iterator():
        balance += amount if to_store_id == store.pk else -amount
        lowest = min(lowest, balance)
    return None if lowest >= quantity else max(lowest, 0)


def balance_at(item: Item, store: Store, at: datetime.datetime) -> int:
    sums = Movement.objects.filter(item=item, happened_at__lte=at).aggregate(
        came=Sum("quantity", filter=Q(to_store=store)), went=Sum("quantity", filter=Q(from_store=store))
    )
    return (sums["came"] or 0) - (sums["went"] or 0)


def stock(movements, at: datetime.datetime | None = None) -> dict[tuple[int, int], int]:
    """(item id, store id) → quanta held at `at` (now if None), over the movements given
    (already scoped: `visible(user, …, Movement.objects.all())`). Two grouped queries."""
    if at is not None:
        movements = movements.filter(happened_at__lte=at)
    held: dict[tuple[int, int], int] = defaultdict(int)
    for item_id, store_id, total in (
        movements.filter(to_store__isnull=False).values_list("item_id", "to_store_id").annotate(Sum("quantity"))
    ):
        held[item_id, store_id] += total
    for item_id, store_id, total in (
        movements.filter(from_store__isnull=False).values_list("item_id", "from_store_id").annotate(Sum("quantity"))
    ):
        held[item_id, store_id] -= total
    return dict(held)


def totals_by_item(held: dict[tuple[int, int], int]) -> dict[int, int]:
    total: dict[int, int] = defaultdict(int)
    for (item_id, _store_id), quantity in held.items():
        total[item_id] += quantity
    return dict(total)


def below_minimum(items: Iterable[Item], movements) -> list[tuple[Item, int]]:
    """Items whose stock across all stores is under their minimum level, with that stock."""
    items = [i for i in items if i.minimum > 0]
    if not items:
        return []
    total = totals_by_item(stock(movements.filter(item__in=items)))
    return [(item, total.get(item.pk, 0)) for item in items if total.get(item.pk, 0) < item.minimum]


def items_below_minimum(communities) -> dict[int, int]:
    """Community id → how many of its items are below their minimum level, over a queryset of
    communities (a subquery, not a list of ids: a city holds 7,120 communities)."""
    ids = communities.values("id")
    held = totals_by_item(stock(Movement.objects.filter(community__in=ids, item__minimum__gt=0)))
    counts: dict[int, int] = defaultdict(int)
    for item_id, community_id, minimum in Item.objects.filter(community__in=ids, minimum__gt=0).values_list(
        "id", "community_id", "minimum"
    ):
        if held.get(item_id, 0) < minimum:
            counts[community_id] += 1
    return dict(counts)


def issue(item: Item, store: Store, quantity: int, *, by=None, source: str = "", **recipient) -> Movement:
    """Supplies handed out of a store to a gate, a household or a person (kits and errands
    draw from the ledger this way)."""
    return record(K.ISSUE, item, quantity, from_store=store, by=by, source=source, **recipient)


def receipt_prefix(community: Community, year: int) -> str:
    """香厂路-2026-: the community's short name (without 社区) and the year."""
    return f"{community.name_zh.removesuffix('社区')}-{year}-"


def receive(
    kind: str,
    store: Store,
    lines: list[tuple[Item, int]],
    *,
    donor: str = "",
    anonymous: bool = False,
    by=None,
    happened_at: datetime.datetime | None = None,
    source: str = "",
) -> list[Movement]:
    """A donation or a purchase of one or more items into a store, all lines or none. A
    donation's lines share one receipt number, the community's next of the year
    (香厂路-2026-0001): the community's row is locked while it is counted, so two donations
    recorded at once get two numbers."""
    happened_at = happened_at or timezone.now()
    if not lines:
        raise ValidationError({"lines": _("Name at least one item and its quantity.")})
    with transaction.atomic():
        receipt = ""
        if kind == K.DONATION:
            community = Community.objects.select_for_update().get(pk=store.community_id)
            prefix = receipt_prefix(community, timezone.localtime(happened_at).year)
            issued = (
                Movement.objects.filter(community=community, kind=K.DONATION, receipt__startswith=prefix)
                .values("receipt")
                .distinct()
                .count()
            )
            receipt = f"{prefix}{issued + 1:04d}"
        return [
            record(
                kind,
                item,
                quantity,
                to_store=store,
                by=by,
                happened_at=happened_at,
                donor=donor.strip(),
                anonymous=anonymous,
                receipt=receipt,
                source=source,
            )
            for item, quantity in lines
        ]


def receipt_lines(movement: Movement) -> list[Movement]:
    """Every line of the donation `movement` belongs to, each with `reversed` set."""
    if movement.kind != K.DONATION or not movement.receipt:
        return [movement]
    lines = list(
        Movement.objects.filter(community_id=movement.community_id, kind=K.DONATION, receipt=movement.receipt)
        .select_related("item", "to_store")
        .order_by("id")
    )
    reversed_ids = set(Movement.objects.filter(reverses__in=lines).values_list("reverses_id", flat=True))
    for line in lines:
        line.reversed = line.pk in reversed_ids
    return lines
