"""The supplies ledger under /api/v1/supplies/: items, stores, movements and their reversal,
stock at a moment, items below their minimum, the public ledger (公示) and the offices' roll-up.

Quantities are sent as people type them, in any unit of the item: {"quantity": "1/2",
"unit": "箱"}, {"quantity": 3}, {"quantity": "2.5", "unit": "kg"}; an amount that is not a
whole number of the item's smallest unit is refused (422) with the reason. Answers carry the
quantity in quanta (pieces, or grams for weighed items) and as shown (3 箱（60 个）)."""

import datetime
from collections import defaultdict
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BeforeValidator

from fangxian.accounts.apikit import Day, Id, Input, Moment, NotNull, Patch, Whole, answers, error, not_found
from fangxian.accounts.scoping import Can, can, holds_community, visible
from fangxian.lib import masking
from fangxian.lib.ids import as_day
from fangxian.places.models import Community

from . import disclosure, forms, ledger
from .models import Item, Movement, Store
from .reading import filtered_movements, readable, readable_communities

router = Router(tags=["supplies"])
K = Movement.Kind


def exact_amount(value: Any) -> Any:
    # JSON's true is no amount; a JSON 2.5 is read as the decimal it was written as, not a float.
    if isinstance(value, bool):
        raise ValueError(_("Write the quantity as a number, such as 20, 2.5 or 1/2."))
    if isinstance(value, float):
        return repr(value)
    return value


Amount = Annotated[int | str, BeforeValidator(exact_amount)]
Text = Annotated[str, Field(max_length=200)]
UnitName = Annotated[str, Field(max_length=10)]


class ItemIn(Input):
    community_id: Id
    name: Annotated[str, Field(max_length=100)]
    unit: UnitName
    pack_name: UnitName = ""
    pack_size: Whole = 0
    minimum: Amount = 0  # in `minimum_unit`, the item's unit if left out
    minimum_unit: UnitName = ""


class ItemPatch(Patch):
    name: Annotated[str, NotNull, Field(max_length=100)] = None
    unit: Annotated[UnitName, NotNull] = None
    pack_name: Annotated[UnitName, NotNull] = None
    pack_size: Annotated[Whole, NotNull] = None
    minimum: Annotated[Amount, NotNull] = None
    minimum_unit: Annotated[UnitName, NotNull] = None


class ItemOut(Schema):
    id: int
    community_id: int
    name: str
    unit: str
    pack_name: str
    pack_size: int
    minimum: int
    minimum_shown: str
    units: dict[str, int]


class StoreIn(Input):
    community_id: Id
    name: Annotated[str, Field(max_length=100)]
    gate_id: Id | None = None


class StoreOut(Schema):
    id: int
    community_id: int
    name: str
    gate_id: int | None


class LineIn(Input):
    item_id: Id
    quantity: Amount
    unit: UnitName = ""


class MovementIn(Input):
    community_id: Id
    kind: str
    lines: list[LineIn] = Field(..., min_length=1, max_length=forms.MAX_LINES)
    from_store_id: Id | None = None
    to_store_id: Id | None = None
    to_gate_id: Id | None = None
    to_dwelling_id: Id | None = None
    building: Annotated[str, Field(max_length=30)] = ""  # or a household by building, entrance and room
    entrance: Whole | None = None
    room: Annotated[str, Field(max_length=20)] = ""
    to_person: Annotated[str, Field(max_length=100)] = ""
    to_role: str = ""
    donor: Text = ""
    anonymous: bool = False
    reason: Text = ""
    happened_at: Moment | None = None


class ReverseIn(Input):
    reason: Text


class MovementOut(Schema):
    id: int
    community_id: int
    kind: str
    item_id: int
    item: str = Field(..., alias="item.name")
    quantity: int
    quantity_shown: str
    from_store_id: int | None
    to_store_id: int | None
    to_gate_id: int | None
    to_dwelling_id: int | None
    to_person: str
    to_role: str
    donor: str
    anonymous: bool
    receipt: str
    reason: str
    reverses_id: int | None
    reversed_by_id: int | None = Field(None, alias="reversed_by_pk")
    source: str
    happened_at: datetime.datetime
    recorded_at: datetime.datetime

    # Whoever only reads the ledger (a grid worker, a volunteer) sees a person masked (张*)
    # and no name behind an anonymous donation: either may be a resident.
    @staticmethod
    def resolve_to_person(obj, context) -> str:
        return obj.to_person if keeps(context["request"], obj.community_id) else masking.mask_name(obj.to_person)

    @staticmethod
    def resolve_donor(obj, context) -> str:
        return "" if obj.anonymous and not keeps(context["request"], obj.community_id) else obj.donor


def keeps(request, community_id: int) -> bool:
    """Whether the caller keeps this community's ledger, asked once per request and community."""
    known = request.__dict__.setdefault("supplies_keeps", {})
    if community_id not in known:
        known[community_id] = holds_community(request.user, Can.RUN_SERVICES, community_id)
    return known[community_id]


def communities_read(request, community_id: int | None, strict: bool = True):
    """The communities whose ledger the caller reads, or the one asked for: 404 if it is not
    one of them (a list's filter finds nothing instead, as any filter)."""
    rows = readable_communities(request.user)
    if community_id is not None:
        rows = rows.filter(pk=community_id)
        if strict and not rows.exists():
            not_found()
    return rows


def kept_community(request, community_id: int) -> Community:
    """The community whose ledger the caller writes: 404 if they do not read it, 403 if they only read."""
    community = communities_read(request, community_id).get()
    if not holds_community(request.user, Can.RUN_SERVICES, community.pk):
        error(_("Your role may not keep this community's supplies ledger."), 403)
    return community


def with_reversal(rows):
    return rows.select_related("item").annotate(reversed_by_pk=F("reversed_by__id"))


@router.get("/supplies/items", response=list[ItemOut])
@paginate
def list_items(request, community_id: Id | None = None):
    return Item.objects.filter(community__in=communities_read(request, community_id, strict=False).values("id"))


@router.post("/supplies/items", response=answers({201: ItemOut}, 404))
def add_item(request, data: ItemIn):
    community = kept_community(request, data.community_id)
    values = forms.clean_item(data.dict(exclude={"community_id"}), community)
    return Status(201, Item.objects.create(community=community, **values))


@router.patch("/supplies/items/{item_id}", response=ItemOut)
def change_item(request, item_id: Id, data: ItemPatch):
    """Name, unit, pack and minimum level; what is not sent stays. A minimum is typed in any
    of the item's units (`minimum_unit`), the item's own unit if left out."""
    item = readable(request.user, Item.objects.all()).filter(pk=item_id).first()
    if item is None:
        not_found()
    kept_community(request, item.community_id)
    current = {
        "name": item.name,
        "unit": item.unit,
        "pack_name": item.pack_name,
        "pack_size": item.pack_size,
        "minimum": ledger.units.show(item.minimum, item.unit, item.units),
        "minimum_unit": "",
    }
    values = forms.clean_item(current | data.dict(exclude_unset=True), item.community, item)
    Item.objects.filter(pk=item.pk).update(**values)
    item.refresh_from_db()
    return item


@router.get("/supplies/stores", response=list[StoreOut])
@paginate
def list_stores(request, community_id: Id | None = None):
    return Store.objects.filter(community__in=communities_read(request, community_id, strict=False).values("id"))


@router.post("/supplies/stores", response=answers({201: StoreOut}, 404))
def add_store(request, data: StoreIn):
    community = kept_community(request, data.community_id)
    return Status(201, Store.objects.create(community=community, **forms.clean_store(data.dict(), community)))


@router.get("/supplies/movements", response=list[MovementOut])
@paginate
def list_movements(
    request,
    community_id: Id | None = None,
    item_id: Id | None = None,
    store_id: Id | None = None,
    kind: str = "",
    since: Day | None = None,
    until: Day | None = None,
):
    """Newest first."""
    rows = Movement.objects.filter(community__in=communities_read(request, community_id, strict=False).values("id"))
    rows = filtered_movements(rows, item_id=item_id, store_id=store_id, kind=kind, since=since, until=until)
    return with_reversal(rows).order_by("-happened_at", "-id")


@router.post("/supplies/movements", response=answers({201: list[MovementOut]}, 404))
def record_movement(request, data: MovementIn):
    """One movement of one or more items, all or none: a donation (its lines share a receipt
    number) or a purchase into `to_store_id`; an issue out of `from_store_id` to a gate, a
    household (`to_dwelling_id`, or building, entrance and room) or a person (name and role);
    a transfer between two stores; an adjustment into or out of one store, with its reason.
    Refused (422, with the reason) when a store would go below zero at any moment."""
    community = kept_community(request, data.community_id)
    recorded = forms.write(forms.clean_movement(data.dict(), community), request.user)
    return Status(201, list(with_reversal(Movement.objects.filter(pk__in=[m.pk for m in recorded])).order_by("id")))


@router.post("/supplies/movements/{movement_id}/reverse", response=answers({201: MovementOut}, 404))
def reverse_movement(request, movement_id: Id, data: ReverseIn):
    """The movement undone by a reversing one, now, with the reason; the movement itself stays."""
    movement = readable(request.user, Movement.objects.all()).filter(pk=movement_id).first()
    if movement is None:
        not_found()
    kept_community(request, movement.community_id)
    reversal = ledger.reverse(movement, forms.reason_of(data.dict()), request.user)
    return Status(201, with_reversal(Movement.objects.filter(pk=reversal.pk)).get())


def moment(text: str | None) -> datetime.datetime | None:
    """`at` as a day (its end) or an aware moment; None for now."""
    if not text:
        return None
    day = as_day(text)
    if day is not None:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    try:
        at = datetime.datetime.fromisoformat(text) if len(text) <= 40 else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None or not as_day(at.date().isoformat()):
        raise ValidationError({"at": _("A date, like 2020-02-01, or a date and time with its time zone.")})
    return at


@router.get("/supplies/stock", response=answers({200: dict}, 404))
def stock(request, at: str | None = None, store_id: Id | None = None, community_id: Id | None = None):
    """What each store holds of each item at `at` (a day: its end; or a moment; now if left
    out), in quanta and as shown."""
    when = moment(at)
    rows = Movement.objects.filter(community__in=communities_read(request, community_id).values("id"))
    if (
        store_id is not None
        and not Store.objects.filter(pk=store_id, community__in=readable_communities(request.user)).exists()
    ):
        not_found()
    held = ledger.stock(rows, when)
    items = Item.objects.in_bulk({i for i, _s in held})
    stores = Store.objects.in_bulk({s for _i, s in held})
    return {
        "at": when or timezone.now(),
        "stock": [
            {
                "item_id": i,
                "item": items[i].name,
                "store_id": s,
                "store": stores[s].name,
                "quantity": q,
                "shown": items[i].show(q),
            }
            for (i, s), q in sorted(held.items())
            if store_id is None or s == store_id
        ],
    }


@router.get("/supplies/below-minimum", response=answers({200: list[dict]}, 404))
def below_minimum(request, community_id: Id | None = None):
    """Items whose stock across the community's stores is under their minimum level."""
    communities = communities_read(request, community_id).values("id")
    found = ledger.below_minimum(
        Item.objects.filter(community__in=communities), Movement.objects.filter(community__in=communities)
    )
    return [
        {
            "item_id": item.pk,
            "community_id": item.community_id,
            "item": item.name,
            "stock": held,
            "minimum": item.minimum,
            "shown": item.show(held),
            "minimum_shown": item.show(item.minimum),
        }
        for item, held in found
    ]


@router.get("/supplies/public-ledger", response=answers({200: dict}, 404))
def public_ledger(request, community_id: Id, since: Day | None = None, until: Day | None = None):
    """The donations ledger for public disclosure (公示), as the printed one: no resident named."""
    community = communities_read(request, community_id).get()
    until = until or timezone.localdate()
    since = since or until.replace(day=1)
    if since > until:
        raise ValidationError({"since": _("The range ends before it starts.")})
    report = disclosure.build(community, since, until)
    report.pop("printed_at")
    return report


LEVELS = {
    "community": ("id", "name_zh"),
    "street": ("street_id", "street__name_zh"),
    "district": ("street__district_id", "street__district__name_zh"),
}


@router.get("/supplies/rollup", response=answers({200: list[dict]}, 403))
def rollup(request, by: str = "community"):
    """For offices: how many items are below their minimum level, per community, street or
    district in view (counts only)."""
    if by not in LEVELS:
        raise ValidationError({"by": _("One of: %(values)s.") % {"values": ", ".join(LEVELS)}})
    if not can(request.user, Can.VIEW_PLACES):
        error(_("Your role may not do this."), 403)
    key, name = LEVELS[by]
    in_view = visible(request.user, Can.VIEW_PLACES, Community.objects.all())
    communities = {row["id"]: row for row in in_view.values("id", key, name)}
    counts: dict[int, int] = defaultdict(int)
    for community_id, n in ledger.items_below_minimum(in_view).items():
        counts[communities[community_id][key]] += n
    places = {row[key]: row[name] for row in communities.values()}
    return [
        {"level": by, "id": pk, "name": places[pk], "items_below_minimum": counts.get(pk, 0)}
        for pk in sorted(places, key=lambda pk: places[pk])
    ]
