"""Residents under /api/v1/: masked by default, revealed one field at a time and audited."""

import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import Id, Input, NotNull, Patch, answers, error
from fangxian.accounts.scoping import Can, can, get_visible_or_404, visible
from fangxian.places.models import Dwelling

from . import registry
from .models import Resident
from .registry import clean_resident, save_resident
from .search import search_residents

router = Router(tags=["residents"])


class ResidentOut(Schema):
    id: int
    community_id: int
    dwelling_id: int
    dwelling: str = Field(..., alias="dwelling.label")
    name: str
    sex: str
    id_type: str
    id_number: str = Field(..., alias="masked_id_number")
    # Null where a mainland ID number carries it (the date would unmask the number): the
    # year says how old someone is; the full date comes with the audited reveal.
    birth_date: datetime.date | None = Field(..., alias="masked_birth_date")
    birth_year: int | None
    phone: str = Field(..., alias="masked_phone")
    relation: str
    residence: str
    tags: list[str] = Field(..., alias="tag_list")
    moved_out_on: datetime.date | None


class ResidentIn(Input):
    dwelling_id: Id
    name: str = Field(..., max_length=50)
    sex: str | None = None
    id_type: str = Resident.IdType.MAINLAND
    id_number: str = Field(..., max_length=40)
    birth_date: str | None = None
    phone: str = Field("", max_length=30)
    relation: str | None = None
    residence: str | None = None
    tags: list[str] = []


class ResidentPatch(Patch):
    # A resident always lives in a dwelling: moving out is its own step (the resident's page,
    # which records the move), never a null dwelling. Only the birth date may be none (a
    # document that does not give it; a mainland ID number gives its own).
    dwelling_id: Annotated[Id, NotNull] = None
    name: Annotated[str, NotNull] = Field(None, max_length=50)
    sex: Annotated[str, NotNull] = Field(None, max_length=1)
    id_type: Annotated[str, NotNull] = Field(None, max_length=20)
    id_number: Annotated[str, NotNull] = Field(None, max_length=40)
    birth_date: str | None = Field(None, max_length=20)
    phone: Annotated[str, NotNull] = Field(None, max_length=30)
    relation: Annotated[str, NotNull] = Field(None, max_length=20)
    residence: Annotated[str, NotNull] = Field(None, max_length=30)
    tags: Annotated[list[str], NotNull] = Field(None, max_length=20)


class RevealIn(Input):
    field: str


class RevealOut(Schema):
    value: str


def residents_seen_by(user):
    return visible(user, Can.VIEW_RESIDENTS, Resident.objects.select_related("dwelling__building"))


@router.get("/residents", response=list[ResidentOut])
@paginate
def list_residents(request, q: str = "", dwelling_id: Id | None = None, tag: str = "", moved_out: bool = False):
    residents = residents_seen_by(request.user)
    residents = residents.exclude(moved_out_on=None) if moved_out else residents.current()
    if dwelling_id is not None:
        residents = residents.filter(dwelling_id=dwelling_id)
    if tag:
        residents = residents.with_tag(tag)
    return search_residents(request.user, residents, q)


@router.get("/residents/{resident_id}", response=ResidentOut)
def get_resident(request, resident_id: Id):
    return get_visible_or_404(request.user, Can.VIEW_RESIDENTS, residents_seen_by(request.user), pk=resident_id)


def editable_dwelling(request, dwelling_id: Id) -> Dwelling:
    dwelling = get_visible_or_404(
        request.user, Can.VIEW_PLACES, Dwelling.objects.select_related("building", "community"), pk=dwelling_id
    )
    if not can(request.user, Can.EDIT_REGISTRY, dwelling):
        error(_("Your role may not register residents here."), 403)
    return dwelling


@router.post("/residents", response=answers({201: ResidentOut}, 404, 409))
def create_resident(request, data: ResidentIn):
    dwelling = editable_dwelling(request, data.dwelling_id)
    values = clean_resident(data.dict())
    return Status(201, save_resident(values, dwelling, request.user))


@router.patch("/residents/{resident_id}", response=answers({200: ResidentOut}, 409))
def update_resident(request, resident_id: Id, data: ResidentPatch):
    resident = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, residents_seen_by(request.user), pk=resident_id)
    if not can(request.user, Can.EDIT_REGISTRY, resident):
        error(_("Your role may not change this resident."), 403)
    current = {
        "name": resident.name,
        "sex": resident.sex,
        "id_type": resident.id_type,
        "id_number": resident.id_number,
        "birth_date": resident.birth_date,
        "phone": resident.phone,
        "relation": resident.relation,
        "residence": resident.residence,
        "tags": resident.tag_list,
        "dwelling_id": resident.dwelling_id,
    }
    merged = current | data.dict(exclude_unset=True)
    dwelling = editable_dwelling(request, merged["dwelling_id"])
    values = clean_resident(merged, instance=resident)
    return save_resident(values, dwelling, request.user, instance=resident)


@router.post("/residents/{resident_id}/reveal", response=RevealOut)
def reveal(request, resident_id: Id, data: RevealIn):
    resident = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Resident.objects.all(), pk=resident_id)
    try:
        return {"value": registry.reveal(request, resident, data.field, via="api")}
    except KeyError:
        error(_("Only id_number or phone can be revealed."), 422)
    except PermissionDenied:
        error(_("Your role may not see this in full."), 403)
