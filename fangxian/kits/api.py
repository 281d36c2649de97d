"""Emergency kit distributions under /api/v1/kits: the list, contents and households, hand-overs
with a signature or a photo, leaving out, closing, reopening, and counts for the offices."""

import datetime
import uuid
from typing import Annotated

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import Id, Input, answers, error
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.lib.masking import mask_name, mask_phone
from fangxian.places.models import Community
from fangxian.places.rollups import LEVELS
from fangxian.supplies.models import Item, Store

from . import distributing
from .models import Distribution, Recipient

router = Router(tags=["kits"])

# A data URL's base64 is 4 characters for every 3 bytes, after its "data:image/png;base64," head.
SIGNATURE_CHARS = (distributing.MAX_SIGNATURE_BYTES + 2) // 3 * 4 + 40
PHOTO_CHARS = (settings.PHOTO_MAX_BYTES + 2) // 3 * 4 + 40
Reason = Annotated[str, Field(max_length=200)]


class ContentIn(Input):
    item_id: Id
    amount: str = Field(..., max_length=30)  # "2", "0.5", "1/2": exact, in the unit given
    unit: str = Field("", max_length=10)  # one of the item's units; its own unit if left out


class DistributionIn(Input):
    community_id: Id
    name: str = Field(..., max_length=100)
    store_id: Id
    contents: list[ContentIn] = Field(..., max_length=distributing.MAX_CONTENTS)
    tags: list[str] = []
    building_ids: list[Id] = []


class HandOverIn(Input):
    """One of signature (the pad's canvas as a PNG data URL, at most 256 KB) or photo (a JPEG,
    PNG or WebP data URL, at most the resident photo's limit); client_id makes it exactly once."""

    signature: str | None = Field(None, max_length=SIGNATURE_CHARS)
    photo: str | None = Field(None, max_length=PHOTO_CHARS)
    client_id: uuid.UUID | None = None


class LeaveOutIn(Input):
    reason: str = Field(..., max_length=200)


class CloseIn(Input):
    reasons: dict[Id, Reason] = {}  # recipient id → why it is left out, for each one still pending


class ReopenIn(Input):
    reason: str = Field("", max_length=200)


class ContentOut(Schema):
    item_id: int
    item: str
    quantity: int  # in the item's quanta
    shown: str  # as people read it: "20 个", "0.5 斤"


class DistributionOut(Schema):
    id: int
    community_id: int
    name: str
    store_id: int
    store: str
    tags: list[str]
    building_ids: list[int]
    created_at: datetime.datetime
    closed_at: datetime.datetime | None
    contents: list[ContentOut]
    counts: dict[str, int]


class RecipientOut(Schema):
    id: int
    dwelling_id: int
    address: str
    building: str
    entrance: int
    floor: int
    room: str
    name: str  # masked (张*) unless the caller may see the registry
    phone: str  # masked
    state: str
    handed_over_by: str | None
    handed_over_at: datetime.datetime | None
    how: str
    reason: str


def distribution_out(distribution: Distribution, counts: dict | None = None) -> dict:
    contents = distribution.contents.select_related("item")
    return {
        "id": distribution.pk,
        "community_id": distribution.community_id,
        "name": distribution.name,
        "store_id": distribution.store_id,
        "store": distribution.store.name,
        "tags": distribution.tags,
        "building_ids": distribution.building_ids,
        "created_at": distribution.created_at,
        "closed_at": distribution.closed_at,
        "contents": [
            {"item_id": c.item_id, "item": c.item.name, "quantity": c.quantity, "shown": c.item.show(c.quantity)}
            for c in contents
        ],
        "counts": counts if counts is not None else distribution.recipients.aggregate(**distributing.state_counts()),
    }


def recipient_rows(user, recipients: list[Recipient]) -> list[dict]:
    """Addresses for whoever carries kits; names in full only where the caller sees the registry."""
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
                "id": r.pk,
                "dwelling_id": r.dwelling_id,
                "address": r.dwelling.label,
                "building": r.dwelling.building.label,
                "entrance": r.dwelling.entrance,
                "floor": r.dwelling.floor,
                "room": r.dwelling.room,
                "name": name if r.pk in named else mask_name(name),
                "phone": mask_phone(r.resident.phone) if r.resident else "",
                "state": r.state,
                "handed_over_by": r.handed_over_by.get_username() if r.handed_over_by else None,
                "handed_over_at": r.handed_over_at,
                "how": r.how,
                "reason": r.reason,
            }
        )
    return rows


def distribution_for(request, kit_id: int, capability: Can | None = None) -> Distribution:
    distribution = get_visible_or_404(
        request.user, Can.VIEW_PLACES, Distribution.objects.select_related("community", "store"), pk=kit_id
    )
    if capability == Can.RUN_SERVICES and not holds_community(
        request.user, Can.RUN_SERVICES, distribution.community_id
    ):
        error(_("Your role may not run kit distributions."), 403)
    if capability == Can.SERVE and not can(request.user, Can.SERVE, distribution):
        error(_("Your role may not hand kits over."), 403)
    return distribution


def recipient_for(request, kit_id: int, recipient_id: int) -> Recipient:
    recipient = get_visible_or_404(
        request.user,
        Can.VIEW_PLACES,
        Recipient.objects.select_related("distribution", "dwelling__building", "resident"),
        pk=recipient_id,
        distribution_id=kit_id,
    )
    if not can(request.user, Can.SERVE, recipient):
        error(_("Your role may not hand kits over."), 403)
    return recipient


def handed(request, recipient: Recipient) -> dict:
    recipient = Recipient.objects.select_related("dwelling__building", "resident", "handed_over_by").get(
        pk=recipient.pk
    )
    return recipient_rows(request.user, [recipient])[0]


class Rows:
    """A queryset the paginator cuts, each page made into rows by `make` (one query more a page)."""

    def __init__(self, rows: QuerySet, make):
        self.rows, self.make = rows, make

    def __len__(self) -> int:
        return self.rows.count()

    def __getitem__(self, cut):
        return self.make(list(self.rows[cut]))


def distribution_rows(distributions: list[Distribution]) -> list[dict]:
    counts = {
        r.pop("distribution_id"): r
        for r in Recipient.objects.filter(distribution__in=distributions)
        .values("distribution_id")
        .annotate(**distributing.state_counts())
    }
    empty = dict.fromkeys(distributing.state_counts(), 0)
    return [distribution_out(d, counts.get(d.pk, empty)) for d in distributions]


@router.get("/kits", response=list[DistributionOut])
@paginate
def list_distributions(request):
    rows = visible(request.user, Can.VIEW_PLACES, Distribution.objects.select_related("store"))
    return Rows(rows, distribution_rows)


@router.post("/kits", response=answers({201: DistributionOut}, 404))
def create_distribution(request, data: DistributionIn):
    """The list of households is computed from the registry: tags (elderly_alone, disabled,
    pregnant, dialysis), buildings, or tagged households of those buildings; one kit each."""
    community = get_visible_or_404(request.user, Can.VIEW_PLACES, Community.objects.all(), pk=data.community_id)
    if not holds_community(request.user, Can.RUN_SERVICES, community.pk):
        error(_("Your role may not run kit distributions."), 403)
    store = Store.objects.filter(pk=data.store_id, community=community).first()
    if store is None:
        error(_("No such store in this community."), 422)
    items = {i.pk: i for i in Item.objects.filter(community=community, pk__in=[c.item_id for c in data.contents])}
    missing = [c.item_id for c in data.contents if c.item_id not in items]
    if missing:
        error(_("No such item in this community: %(ids)s.") % {"ids": ", ".join(map(str, missing))}, 422)
    contents = [distributing.ContentIn(items[c.item_id], c.amount, c.unit) for c in data.contents]
    buildings = distributing.buildings_of(community, data.building_ids)
    distribution = distributing.create(community, data.name, store, contents, data.tags, buildings, request.user)
    return Status(201, distribution_out(distribution))


@router.get("/kits/rollup")
def kit_rollup(request, by: str = "community"):
    """Households by state and distributions, counted by community, street or district (no names)."""
    if by not in LEVELS:
        error(_("by is community, street, district or city."), 422)
    rows = visible(request.user, Can.VIEW_PLACES, Recipient.objects.all())
    return {"by": by, "rows": distributing.rollup(rows, by)}


@router.get("/kits/{kit_id}", response=DistributionOut)
def get_distribution(request, kit_id: Id):
    distribution = distribution_for(request, kit_id)
    counts = visible(request.user, Can.VIEW_PLACES, distribution.recipients.all()).aggregate(
        **distributing.state_counts()
    )
    return distribution_out(distribution, counts)


@router.get("/kits/{kit_id}/recipients", response=answers({200: list[RecipientOut]}, 403))
@paginate
def list_recipients(request, kit_id: Id, state: str = ""):
    """The households in walking order (building, entrance, floor, room), those the caller serves."""
    distribution = distribution_for(request, kit_id, Can.SERVE)
    rows: QuerySet = visible(request.user, Can.SERVE, distribution.recipients.all())
    if state:
        if state not in Recipient.State.values:
            error(_("state is pending, handed_over or left_out."), 422)
        rows = rows.filter(state=state)
    rows = rows.order_by(*distributing.WALKING_ORDER).select_related("dwelling__building", "resident", "handed_over_by")
    return Rows(rows, lambda page: recipient_rows(request.user, page))


@router.post("/kits/{kit_id}/recipients/{recipient_id}/hand-over", response=answers({200: RecipientOut}, 403, 409))
def hand_over(request, kit_id: Id, recipient_id: Id, data: HandOverIn):
    """Issues the kit's contents from the store to the household (422 with the ledger's reason
    when the store is short, and nothing recorded); the same client_id again answers as stored;
    a kit already handed over by someone else is 409, saying who and when."""
    recipient = recipient_for(request, kit_id, recipient_id)
    try:
        recipient = distributing.hand_over(recipient, request.user, data.signature, data.photo, data.client_id)
    except distributing.AlreadyHandedOver as exc:
        error(str(exc), 409)
    return handed(request, recipient)


@router.post("/kits/{kit_id}/recipients/{recipient_id}/leave-out", response=answers({200: RecipientOut}, 403, 409))
def leave_out(request, kit_id: Id, recipient_id: Id, data: LeaveOutIn):
    recipient = recipient_for(request, kit_id, recipient_id)
    try:
        recipient = distributing.leave_out(recipient, data.reason, request.user)
    except distributing.AlreadyHandedOver as exc:
        error(str(exc), 409)
    return handed(request, recipient)


@router.post("/kits/{kit_id}/close", response=answers({200: DistributionOut}, 403))
def close_distribution(request, kit_id: Id, data: CloseIn):
    """Refused (422) while a household is pending without a reason in `reasons`."""
    distribution = distribution_for(request, kit_id, Can.RUN_SERVICES)
    return distribution_out(distributing.close(distribution, request.user, data.reasons, request))


@router.post("/kits/{kit_id}/reopen", response=answers({200: DistributionOut}, 403))
def reopen_distribution(request, kit_id: Id, data: ReopenIn):
    distribution = distribution_for(request, kit_id, Can.RUN_SERVICES)
    return distribution_out(distributing.reopen(distribution, request.user, data.reason, request))
