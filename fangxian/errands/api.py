"""Errands under /api/v1/errands: the list, taking one, claiming, delivering, money, closing,
and the roll-up for offices. The rules are requests.py's; only types here.

A photo at the door travels as base64 inside the JSON body (`photo`): the API reads JSON only
(a multipart form is answered 400), and a phone queues the whole delivery as one entry."""

import base64
import binascii
import datetime
import uuid
from typing import Annotated

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import NOT_TRUE_OR_FALSE, Id, Input, Moment, Page, Whole, answers, error
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.people.models import Resident
from fangxian.places.models import Dwelling
from fangxian.places.rollups import LEVELS
from fangxian.supplies.models import Item, Store

from . import requests
from .models import Errand

router = Router(tags=["errands"])


class ErrandIn(Input):
    dwelling_id: Id
    resident_id: Id | None = None
    kind: str
    what: str = Field(..., max_length=requests.MAX_WHAT)
    urgency: str = Errand.Urgency.NORMAL
    needed_by: Moment
    client_id: uuid.UUID | None = None


class ClaimIn(Input):
    client_id: uuid.UUID | None = None


class DeliverIn(Input):
    code: str = Field("", max_length=10)
    photo: str | None = Field(
        None, description="The photo at the door as base64 (JPEG, PNG or WebP), instead of a code."
    )
    # Bounds before the validator, as in apikit.Id: after it the OpenAPI would show "ge"/"le".
    advanced: Annotated[int, Field(ge=0, le=requests.MAX_FEN), NOT_TRUE_OR_FALSE] | None = Field(
        None, description="Money advanced, in fen."
    )
    client_id: uuid.UUID | None = None


class RepayIn(Input):
    amount: Whole = Field(..., ge=0, le=requests.MAX_FEN, description="The total repaid so far, in fen.")


class CancelIn(Input):
    reason: str = Field(..., max_length=requests.MAX_REASON)


class ErrandOut(Schema):
    id: int
    community_id: int
    dwelling_id: int
    address: str
    resident_id: int | None
    name: str  # masked unless the caller sees the registry
    phone: str  # masked
    kind: str
    kind_label: str
    what: str
    urgency: str
    needed_by: datetime.datetime
    via: str
    state: str
    state_label: str
    overdue: bool
    door_only: bool
    claimed_by: str | None
    mine: bool
    claimed_at: datetime.datetime | None
    handover: str
    delivered_by: str | None
    delivered_at: datetime.datetime | None
    advanced: int  # fen
    repaid: int  # fen
    cancel_reason: str
    code: str | None  # only to those who take errands for this household


def out(request, errand: Errand) -> dict:
    return requests.shown([Errand.objects.get(pk=errand.pk)], request.user)[0]


def served(request, errand_id: int) -> Errand:
    return get_visible_or_404(request.user, Can.SERVE, Errand.objects.all(), pk=errand_id)


def run(request, errand_id: int) -> Errand:
    errand = served(request, errand_id)
    if not can(request.user, Can.RUN_SERVICES, errand):
        error(_("Your role may not close or cancel errands."), 403)
    return errand


class ShownPage(Page):
    """Pages the rows, then shows the page's rows (masked names, contacts) in two queries."""

    def paginate_queryset(self, queryset, pagination, request=None, **params):
        found = super().paginate_queryset(queryset, pagination, request=request, **params)
        found["items"] = requests.shown(list(found["items"]), request.user)
        return found


@router.get("/errands", response=list[ErrandOut])
@paginate(ShownPage)
def list_errands(request, show: str = "open", kind: str = "", community_id: Id | None = None):
    """show: open, claimed, overdue, mine (claimed by the caller), done; overdue ones first.
    kind and community_id narrow it further."""
    if show not in requests.SHOWS:
        error(_("show is one of: %(values)s.") % {"values": ", ".join(requests.SHOWS)}, 422)
    if kind and kind not in Errand.Kind.values:
        error(_("One of: %(values)s.") % {"values": ", ".join(Errand.Kind.values)}, 422)
    rows = requests.listing(request.user, show)
    if kind:
        rows = rows.filter(kind=kind)
    if community_id is not None:
        rows = rows.filter(community_id=community_id)
    return rows


@router.post("/errands", response=answers({201: ErrandOut}, 404))
def ask_errand(request, data: ErrandIn):
    dwelling = get_visible_or_404(request.user, Can.VIEW_PLACES, Dwelling.objects.all(), pk=data.dwelling_id)
    if not can(request.user, Can.RUN_SERVICES, dwelling):
        error(_("Your role may not take errands."), 403)
    resident = None
    if data.resident_id is not None:
        resident = Resident.objects.current().filter(pk=data.resident_id, dwelling=dwelling).first()
        if resident is None:
            error(_("Not a resident of this household."), 422)
    errand = requests.ask(
        dwelling,
        resident,
        data.kind,
        data.what,
        data.urgency,
        data.needed_by,
        Errand.Via.API,
        request.user,
        data.client_id,
    )
    return Status(201, out(request, errand))


@router.get("/errands/rollup", response=answers({200: dict}, 403))
def errand_rollup(request, by: str = "community"):
    """Open, claimed and overdue errands in the caller's view by community, street or district:
    counts only, for the offices."""
    if by not in LEVELS:
        error(_("by is community, street, district or city."), 422)
    if not can(request.user, Can.VIEW_PLACES):
        error(_("Your role may not see errand counts."), 403)
    return {"by": by, "rows": requests.rollup(visible(request.user, Can.VIEW_PLACES, Errand.objects.all()), by)}


@router.get("/errands/{errand_id}", response=ErrandOut)
def get_errand(request, errand_id: Id):
    return out(request, served(request, errand_id))


@router.post("/errands/{errand_id}/claim", response=answers({200: ErrandOut}, 409))
def claim_errand(request, errand_id: Id, data: ClaimIn):
    """409 when another deliverer has it (the answer names who); the same client_id again
    answers as stored."""
    errand = served(request, errand_id)
    try:
        return out(request, requests.claim(errand, request.user, data.client_id))
    except requests.Taken as taken:
        error(" ".join(taken.messages), 409)


def decoded_photo(text: str) -> SimpleUploadedFile:
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]  # a data URL as a phone's FileReader makes it
    if len(text) > settings.PHOTO_MAX_BYTES * 4 // 3 + 4:
        raise ValidationError(
            {"photo": [_("The photo is larger than %(mb)s MB.") % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}]}
        )
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"photo": [_("The photo as base64, like the text of a data: URL.")]}) from None
    return SimpleUploadedFile("photo", raw)


@router.post("/errands/{errand_id}/deliver", response=answers({200: ErrandOut}, 409))
def deliver_errand(request, errand_id: Id, data: DeliverIn):
    """With the household's code, or a photo at the door (base64); `advanced` in fen. 409 when
    another deliverer has it; a wrong code is 422 and says so."""
    errand = served(request, errand_id)
    photo = decoded_photo(data.photo) if data.photo else None
    try:
        delivered = requests.deliver(errand, request.user, data.code, photo, data.advanced, data.client_id)
    except requests.Taken as taken:
        error(" ".join(taken.messages), 409)
    except ValidationError as exc:
        if photo is not None and not hasattr(exc, "error_dict"):
            raise ValidationError({"photo": exc.messages}) from None
        raise
    return out(request, delivered)


@router.post("/errands/{errand_id}/repay", response=ErrandOut)
def repay_errand(request, errand_id: Id, data: RepayIn):
    """The total the household has paid back, in fen: recorded by whoever advanced it or by staff."""
    errand = served(request, errand_id)
    if errand.delivered_by_id != request.user.pk and not can(request.user, Can.RUN_SERVICES, errand):
        error(_("Only the deliverer or the community records repayments."), 403)
    return out(request, requests.repaid(errand, data.amount, request.user))


@router.post("/errands/{errand_id}/close", response=ErrandOut)
def close_errand(request, errand_id: Id):
    return out(request, requests.close(run(request, errand_id), request.user))


@router.post("/errands/{errand_id}/cancel", response=ErrandOut)
def cancel_errand(request, errand_id: Id, data: CancelIn):
    return out(request, requests.cancel(run(request, errand_id), request.user, data.reason))


class SuppliesIn(Input):
    item_id: Id
    store_id: Id
    quantity: str = Field(max_length=40, description='In any unit of the item, exactly: "10", "1/2 箱", "2.5 斤".')


class IssuedOut(Schema):
    id: int
    item_id: int
    store_id: int = Field(alias="from_store_id")
    quantity: int = Field(description="In the item's quanta: pieces, or grams for anything weighed.")
    shown: str
    happened_at: datetime.datetime
    reversed_by_id: int | None = Field(None, alias="reversed_by_pk")


def issued(movement) -> dict:
    reversal = getattr(movement, "reversed_by_pk", None)
    return {
        "id": movement.pk,
        "item_id": movement.item_id,
        "from_store_id": movement.from_store_id,
        "quantity": movement.quantity,
        "shown": movement.item.show(movement.quantity),
        "happened_at": movement.happened_at,
        "reversed_by_pk": reversal,
    }


@router.get("/errands/{errand_id}/supplies", response=list[IssuedOut])
def errand_supplies(request, errand_id: Id):
    """What went with the errand from the supplies ledger."""
    return [issued(m) for m in requests.supplies_of(served(request, errand_id))]


@router.post("/errands/{errand_id}/supplies", response=answers({201: IssuedOut}, 404))
def issue_errand_supplies(request, errand_id: Id, data: SuppliesIn):
    """Supplies handed to the household with the errand, drawn from a store of its community's
    ledger: for whoever keeps that ledger."""
    errand = served(request, errand_id)
    if not holds_community(request.user, Can.RUN_SERVICES, errand.community_id):
        error(_("Only whoever keeps the community's ledger issues its supplies."), 403)
    item = get_object_or_404(Item, pk=data.item_id, community_id=errand.community_id)
    store = get_object_or_404(Store, pk=data.store_id, community_id=errand.community_id)
    return Status(201, issued(requests.issue_supplies(errand, item, store, data.quantity, request.user)))
