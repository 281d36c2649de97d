"""Communities, buildings and dwellings: readable by every role that sees the territory,
writable by the roles that keep the registry, scoped like the pages."""

from typing import Annotated

from django.db.models import Count
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import Id, Input, NotNull, Patch, Whole, answers, error, not_found
from fangxian.accounts.scoping import Can, get_visible_or_404, holds_community, holds_place, visible

from .labels import Label
from .models import Building, Community, Dwelling, Grid, Street

router = Router(tags=["territory"])


class CommunityOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    street: str = Field(..., alias="street.name_zh")
    buildings: int = Field(0, alias="building_count")
    dwellings: int = Field(0, alias="dwelling_count")


class CommunityIn(Input):
    street_id: Id
    code: Label = Field(..., min_length=1, max_length=20)
    name_zh: Label = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)


class CommunityPatch(Patch):
    name_zh: Annotated[Label, NotNull] = Field(None, min_length=1, max_length=100)
    name_en: Annotated[str, NotNull] = Field(None, max_length=100)


class GridIn(Input):
    community_id: Id
    code: Label = Field(..., min_length=1, max_length=20)
    name_zh: Label = Field(..., min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)


class GridOut(Schema):
    id: int
    community_id: int
    code: str
    name_zh: str
    name_en: str


class BuildingIn(Input):
    community_id: Id
    number: Label = Field(..., min_length=1, max_length=30)
    name: str = Field("", max_length=100)
    kind: Building.Kind = Building.Kind.RESIDENTIAL
    floors: Whole = Field(..., ge=1, le=200)
    entrances: Whole = Field(1, ge=1, le=50)
    grid_id: Id | None = None


class BuildingPatch(Patch):
    number: Annotated[Label, NotNull] = Field(None, min_length=1, max_length=30)
    name: Annotated[str, NotNull] = Field(None, max_length=100)
    kind: Annotated[Building.Kind, NotNull] = None
    floors: Annotated[Whole, NotNull] = Field(None, ge=1, le=200)
    entrances: Annotated[Whole, NotNull] = Field(None, ge=1, le=50)
    grid_id: Id | None = None  # null takes the building out of its grid


class BuildingOut(Schema):
    id: int
    community_id: int
    grid_id: int | None
    number: str
    name: str
    kind: str
    floors: int
    entrances: int


class DwellingIn(Input):
    building_id: Id
    entrance: Whole = Field(1, ge=1, le=50)
    floor: Whole = Field(..., ge=-5, le=200)
    room: Label = Field(..., min_length=1, max_length=20)


class DwellingOut(Schema):
    id: int
    community_id: int
    building_id: int
    entrance: int
    floor: int
    room: str
    label: str


def annotated_communities():
    return Community.objects.select_related("street").annotate(
        building_count=Count("buildings", distinct=True), dwelling_count=Count("dwellings", distinct=True)
    )


@router.get("/communities", response=list[CommunityOut])
@paginate
def list_communities(request):
    return visible(request.user, Can.VIEW_PLACES, annotated_communities())


@router.get("/communities/{community_id}", response=CommunityOut)
def get_community(request, community_id: Id):
    return get_visible_or_404(request.user, Can.VIEW_PLACES, annotated_communities(), pk=community_id)


@router.post("/communities", response=answers({201: CommunityOut}, 409))
def create_community(request, data: CommunityIn):
    if not Street.objects.filter(pk=data.street_id).exists() or not holds_place(
        request.user, Can.MANAGE_TERRITORY, "street", data.street_id
    ):
        error(_("Your role may not add communities to this street."), 403)
    if Community.objects.filter(code=data.code).exists():
        error(_("Community code %(code)s is taken.") % {"code": data.code}, 409)
    community = Community.objects.create(**data.dict())
    return Status(201, annotated_communities().get(pk=community.pk))


@router.patch("/communities/{community_id}", response=CommunityOut)
def update_community(request, community_id: Id, data: CommunityPatch):
    community = get_visible_or_404(request.user, Can.VIEW_PLACES, Community.objects.all(), pk=community_id)
    if not holds_place(request.user, Can.MANAGE_TERRITORY, "community", community.pk):
        error(_("Your role may not rename this community."), 403)
    for key, value in data.dict(exclude_unset=True).items():
        setattr(community, key, value)
    community.save()
    return annotated_communities().get(pk=community.pk)


@router.get("/grids", response=list[GridOut])
@paginate
def list_grids(request, community_id: Id | None = None):
    grids = visible(request.user, Can.VIEW_PLACES, Grid.objects.all())
    return grids if community_id is None else grids.filter(community_id=community_id)


@router.post("/grids", response=answers({201: GridOut}, 404, 409))
def create_grid(request, data: GridIn):
    community = editable_community(request, data.community_id)
    if Grid.objects.filter(community=community, code__iexact=data.code).exists():
        error(_("This community already has a grid with this code."), 409)
    return Status(201, Grid.objects.create(**data.dict()))


@router.get("/buildings", response=list[BuildingOut])
@paginate
def list_buildings(request, community_id: Id | None = None, grid_id: Id | None = None):
    buildings = visible(request.user, Can.VIEW_PLACES, Building.objects.all())
    if community_id is not None:
        buildings = buildings.filter(community_id=community_id)
    if grid_id is not None:
        buildings = buildings.filter(grid_id=grid_id)
    return buildings


@router.get("/buildings/{building_id}", response=BuildingOut)
def get_building(request, building_id: Id):
    return get_visible_or_404(request.user, Can.VIEW_PLACES, Building.objects.all(), pk=building_id)


def editable_community(request, community_id: Id) -> Community:
    community = visible(request.user, Can.VIEW_PLACES, Community.objects.all()).filter(pk=community_id).first()
    if community is None:
        not_found()
    if not holds_community(request.user, Can.EDIT_REGISTRY, community.id):
        error(_("Your role may not change this community's grids and buildings."), 403)
    return community


def check_grid(community: Community, grid_id: int | None) -> None:
    if grid_id is not None and not Grid.objects.filter(pk=grid_id, community=community).exists():
        error(_("That grid is not in this community."), 422)


@router.post("/buildings", response=answers({201: BuildingOut}, 404, 409))
def create_building(request, data: BuildingIn):
    community = editable_community(request, data.community_id)
    check_grid(community, data.grid_id)
    if Building.objects.filter(community=community, number=data.number).exists():
        error(_("Building %(number)s already exists in this community.") % {"number": data.number}, 409)
    return Status(201, Building.objects.create(**data.dict()))


@router.patch("/buildings/{building_id}", response=answers({200: BuildingOut}, 409))
def update_building(request, building_id: Id, data: BuildingPatch):
    building = get_visible_or_404(request.user, Can.VIEW_PLACES, Building.objects.all(), pk=building_id)
    editable_community(request, building.community_id)
    changes = data.dict(exclude_unset=True)
    check_grid(building.community, changes.get("grid_id"))
    if (
        "number" in changes
        and Building.objects.filter(community_id=building.community_id, number=changes["number"])
        .exclude(pk=building.pk)
        .exists()
    ):
        error(_("Building %(number)s already exists in this community.") % {"number": changes["number"]}, 409)
    problems = building.shrink_problems(changes.get("floors"), changes.get("entrances"))
    if problems:
        error(" ".join(problems.values()), 422)
    for key, value in changes.items():
        setattr(building, key, value)
    building.save()
    return building


@router.get("/dwellings", response=list[DwellingOut])
@paginate
def list_dwellings(request, building_id: Id | None = None, community_id: Id | None = None, room: str | None = None):
    dwellings = visible(request.user, Can.VIEW_PLACES, Dwelling.objects.select_related("building"))
    if building_id is not None:
        dwellings = dwellings.filter(building_id=building_id)
    if community_id is not None:
        dwellings = dwellings.filter(community_id=community_id)
    if room:
        dwellings = dwellings.filter(room=room)
    return dwellings


@router.get("/dwellings/{dwelling_id}", response=DwellingOut)
def get_dwelling(request, dwelling_id: Id):
    return get_visible_or_404(
        request.user, Can.VIEW_PLACES, Dwelling.objects.select_related("building"), pk=dwelling_id
    )


@router.post("/dwellings", response=answers({201: DwellingOut}, 404, 409))
def create_dwelling(request, data: DwellingIn):
    building = get_visible_or_404(request.user, Can.VIEW_PLACES, Building.objects.all(), pk=data.building_id)
    editable_community(request, building.community_id)
    if data.entrance > building.entrances or data.floor > building.floors:
        error(
            _("%(building)s has %(e)s entrances and %(f)s floors.")
            % {"building": building.label, "e": building.entrances, "f": building.floors},
            422,
        )
    if Dwelling.objects.filter(building=building, entrance=data.entrance, room=data.room).exists():
        error(_("This room already exists in this entrance."), 409)
    dwelling = Dwelling(building=building, **data.dict(exclude={"building_id"}))
    dwelling.save()
    return Status(201, dwelling)
