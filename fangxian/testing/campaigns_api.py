"""Testing campaigns under /api/v1/testing: campaigns and their progress, sampling sites and
slots, bookings, exemptions, full coverage by building, entrance or grid, the grid worker's
call list and its calls, and completing a campaign. The rules are campaigns.py and coverage.py."""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import Id, Input, Moment, Whole, answers, error
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.kits.api import Rows
from fangxian.lib.masking import mask_phone
from fangxian.people.models import Resident
from fangxian.places.models import Building, Community

from . import campaigns, coverage
from .models import Booking, Campaign, Site, Slot

router = Router(tags=["testing"])


class CampaignIn(Input):
    """`target` is community, buildings (with building_ids) or list (with resident_ids)."""

    community_id: Id
    name: str = Field(..., max_length=100)
    starts_at: Moment
    ends_at: Moment
    pool_size: Whole = 10
    households_together: bool = False
    target: str = Field(Campaign.Target.COMMUNITY, max_length=20)
    building_ids: list[Id] = Field([], max_length=1000)
    resident_ids: list[Id] = Field([], max_length=campaigns.MAX_LISTED)


class SiteIn(Input):
    name: str = Field(..., max_length=100)
    address: str = Field("", max_length=200)
    home_team: bool = False


class SlotsIn(Input):
    """The span is cut into slots of `minutes`, each for `capacity` people."""

    starts_at: Moment
    ends_at: Moment
    minutes: Whole = Field(30, ge=5, le=24 * 60)
    capacity: Whole = Field(..., ge=1, le=10_000)


class BookingIn(Input):
    slot_id: Id
    resident_ids: list[Id] = Field(..., min_length=1, max_length=20)


class ExemptionIn(Input):
    resident_id: Id
    reason: str = Field(..., max_length=20)
    note: str = Field("", max_length=200)


class CallIn(Input):
    """`booked` needs slot_id (the slot is booked for them); `away` exempts them as away."""

    resident_id: Id
    outcome: str = Field(..., max_length=20)
    slot_id: Id | None = None
    note: str = Field("", max_length=200)


class TubesOut(Schema):
    tubes: int
    open: int
    pending: int
    negative: int
    positive: int
    invalid: int


class ProgressOut(Schema):
    targets: int
    sampled: int
    exempted: int
    due: int
    at_home: int  # due, to be sampled at home
    booked: int
    percent: int
    tubes: TubesOut


class CampaignOut(Schema):
    id: int
    community_id: int
    name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    pool_size: int
    households_together: bool
    target: str
    status: str
    completed_at: datetime.datetime | None
    progress: ProgressOut


class SiteOut(Schema):
    id: int
    name: str
    address: str
    home_team: bool


class SlotOut(Schema):
    id: int
    site_id: int
    site: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    booked: int


class BookingOut(Schema):
    id: int
    slot_id: int
    resident_id: int
    via: str
    booked_at: datetime.datetime
    cancelled_at: datetime.datetime | None


class ExemptionOut(Schema):
    id: int
    resident_id: int
    reason: str
    note: str


class CountsOut(Schema):
    id: int | None  # the building's or grid's id
    label: str
    entrance: int | None = None
    targets: int
    sampled: int
    exempted: int
    due: int
    at_home: int


class CoverageOut(Schema):
    by: str
    rows: list[CountsOut]


class CallRowOut(Schema):
    resident_id: int
    name: str
    phone: str  # masked: the full number through the resident's reveal, which is audited
    address: str
    at_home: bool  # bedridden: sampled at home by the team
    booked_for: datetime.datetime | None
    last_outcome: str | None
    last_called_at: datetime.datetime | None


class CallOut(Schema):
    id: int
    resident_id: int
    outcome: str
    note: str
    called_at: datetime.datetime


class CallProgressOut(Schema):
    due: int
    called: int
    not_called: int
    will_come: int
    booked: int
    away: int
    no_answer: int
    exempted_by_call: int


def campaign_out(campaign: Campaign, user) -> dict:
    residents = visible(user, Can.SAMPLE, campaigns.targets(campaign))
    return {
        "id": campaign.pk,
        "community_id": campaign.community_id,
        "name": campaign.name,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "pool_size": campaign.pool_size,
        "households_together": campaign.households_together,
        "target": campaign.target,
        "status": campaign.status,
        "completed_at": campaign.completed_at,
        "progress": coverage.progress(campaign, residents),
    }


def slot_out(slot: Slot) -> dict:
    return {
        "id": slot.pk,
        "site_id": slot.site_id,
        "site": slot.site.name,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "capacity": slot.capacity,
        "booked": slot.booked,
    }


def campaign_for(request, campaign_id: int, capability: Can | None = None) -> Campaign:
    """404 outside the caller's sampling scope; 403 when they may see it but not run it."""
    campaign = get_visible_or_404(request.user, Can.SAMPLE, Campaign.objects.all(), pk=campaign_id)
    if capability is not None and not holds_community(request.user, capability, campaign.community_id):
        error(_("Your role may not run testing campaigns."), 403)
    return campaign


def callable_residents(request, campaign: Campaign):
    """The residents the caller may phone about this campaign: those they sample and see."""
    if not can(request.user, Can.VIEW_RESIDENTS):
        error(_("Your role may not see the registry."), 403)
    return visible(request.user, Can.VIEW_RESIDENTS, visible(request.user, Can.SAMPLE, campaigns.targets(campaign)))


def resident_for(request, campaign: Campaign, resident_id: int) -> Resident:
    return get_visible_or_404(request.user, Can.SAMPLE, callable_residents(request, campaign), pk=resident_id)


def slot_for(campaign: Campaign, slot_id: int) -> Slot:
    slot = Slot.objects.select_related("site__campaign").filter(pk=slot_id, site__campaign=campaign).first()
    if slot is None:
        error(_("No such slot in this campaign."), 422)
    return slot


@router.get("/testing/campaigns", response=list[CampaignOut])
@paginate
def list_campaigns(request):
    rows = visible(request.user, Can.SAMPLE, Campaign.objects.all())
    return Rows(rows, lambda page: [campaign_out(c, request.user) for c in page])


@router.post("/testing/campaigns", response=answers({201: CampaignOut}, 403, 404))
def create_campaign(request, data: CampaignIn):
    """Who must be tested is computed from the registry: the community's current residents, those
    of its chosen buildings, or a list (resident ids, e.g. everyone with market exposure)."""
    community = get_visible_or_404(request.user, Can.VIEW_PLACES, Community.objects.all(), pk=data.community_id)
    if not holds_community(request.user, Can.RUN_TESTING, community.pk):
        error(_("Your role may not run testing campaigns."), 403)
    buildings = list(Building.objects.filter(community=community, pk__in=data.building_ids))
    if len(buildings) != len(set(data.building_ids)):
        error(_("Every building must be in this community."), 422)
    campaign = campaigns.create(
        community,
        data.name,
        data.starts_at,
        data.ends_at,
        data.pool_size,
        data.households_together,
        data.target,
        buildings,
        data.resident_ids,
        request.user,
    )
    return Status(201, campaign_out(campaign, request.user))


@router.get("/testing/campaigns/{campaign_id}", response=CampaignOut)
def get_campaign(request, campaign_id: Id):
    return campaign_out(campaign_for(request, campaign_id), request.user)


@router.get("/testing/campaigns/{campaign_id}/sites", response=list[SiteOut])
def list_sites(request, campaign_id: Id):
    return list(campaign_for(request, campaign_id).sites.all())


@router.post("/testing/campaigns/{campaign_id}/sites", response=answers({201: SiteOut}, 403))
def add_site(request, campaign_id: Id, data: SiteIn):
    campaign = campaign_for(request, campaign_id, Can.RUN_TESTING)
    return Status(201, campaigns.add_site(campaign, data.name, data.address, data.home_team))


@router.post("/testing/sites/{site_id}/slots", response=answers({201: list[SlotOut]}, 403))
def add_slots(request, site_id: Id, data: SlotsIn):
    site = get_visible_or_404(request.user, Can.SAMPLE, Site.objects.select_related("campaign"), pk=site_id)
    campaign_for(request, site.campaign_id, Can.RUN_TESTING)
    slots = campaigns.add_slots(site, data.starts_at, data.ends_at, data.minutes, data.capacity)
    return Status(201, [slot_out(s) for s in slots])


@router.get("/testing/campaigns/{campaign_id}/slots", response=list[SlotOut])
def list_slots(request, campaign_id: Id, bookable: bool = False):
    """Every slot of the campaign, or (bookable) those still to come with room left."""
    campaign = campaign_for(request, campaign_id)
    slots = (
        campaigns.bookable_slots(campaign, None)
        if bookable
        else Slot.objects.filter(site__campaign=campaign).select_related("site")
    )
    return [slot_out(s) for s in slots[:1000]]


@router.post("/testing/campaigns/{campaign_id}/bookings", response=answers({201: list[BookingOut]}, 403))
def book(request, campaign_id: Id, data: BookingIn):
    """Books the slot for each resident (a household comes together), all or none: 422 when the
    slot has no room for them all or one of them is already booked in this campaign."""
    campaign = campaign_for(request, campaign_id)
    residents = callable_residents(request, campaign)
    chosen = list(residents.filter(pk__in=data.resident_ids))
    if len(chosen) != len(set(data.resident_ids)):
        error(_("Not found, or not yours to see."), 404)
    bookings = campaigns.book(campaign, slot_for(campaign, data.slot_id), chosen, Booking.Via.STAFF, request.user)
    return Status(201, bookings)


@router.post("/testing/bookings/{booking_id}/cancel", response=answers({200: BookingOut}, 403))
def cancel_booking(request, booking_id: Id):
    booking = get_visible_or_404(request.user, Can.SAMPLE, Booking.objects.select_related("campaign"), pk=booking_id)
    resident_for(request, booking.campaign, booking.resident_id)
    return campaigns.cancel(booking, request.user)


@router.get("/testing/campaigns/{campaign_id}/exemptions", response=list[ExemptionOut])
def list_exemptions(request, campaign_id: Id):
    campaign = campaign_for(request, campaign_id)
    return list(visible(request.user, Can.SAMPLE, campaign.exemptions.all())[:5000])


@router.post("/testing/campaigns/{campaign_id}/exemptions", response=answers({201: ExemptionOut}, 403))
def exempt(request, campaign_id: Id, data: ExemptionIn):
    """reason: at_home (bedridden, still due: sampled at home), away, infant, tested_elsewhere,
    other (with a note). Recording it again changes the reason."""
    campaign = campaign_for(request, campaign_id, Can.RUN_TESTING)
    resident = resident_for(request, campaign, data.resident_id)
    return Status(201, campaigns.exempt(campaign, resident, data.reason, data.note, request.user))


@router.get("/testing/campaigns/{campaign_id}/coverage", response=CoverageOut)
def get_coverage(request, campaign_id: Id, by: str = "building"):
    """Targets, sampled, exempted and due per building, entrance or grid (the caller's part)."""
    campaign = campaign_for(request, campaign_id)
    if by not in coverage.LEVELS:
        error(_("by is building, entrance or grid."), 422)
    residents = visible(request.user, Can.SAMPLE, campaigns.targets(campaign))
    return {"by": by, "rows": [counts_out(row, by) for row in coverage.by(campaign, by, residents)]}


def counts_out(row: dict, level: str) -> dict:
    figures = {k: row[k] for k in coverage.FIGURES}
    if level == "grid":
        label = row["dwelling__building__grid__name_zh"] or row["dwelling__building__grid__code"] or ""
        return {"id": row["dwelling__building__grid_id"], "label": label, **figures}
    number = row["dwelling__building__number"]
    label = str(Building(number=number).label)
    return {"id": row["dwelling__building_id"], "label": label, "entrance": row.get("dwelling__entrance"), **figures}


@router.get("/testing/campaigns/{campaign_id}/call-list", response=answers({200: list[CallRowOut]}, 403))
@paginate
def call_list(request, campaign_id: Id):
    """Those still due whom the caller may phone (a grid worker: their grid), in walking order."""
    campaign = campaign_for(request, campaign_id)
    rows = coverage.call_list(campaign, callable_residents(request, campaign))
    return Rows(rows, lambda page: [call_row(r) for r in coverage.with_calls(campaign, page)])


def call_row(r: dict) -> dict:
    return {
        "resident_id": r["id"],
        "name": r["name"],
        "phone": mask_phone(r["phone"]),
        "address": str(r["address"]),
        "at_home": r["at_home"],
        "booked_for": r["booked_for"],
        "last_outcome": r["last_outcome"],
        "last_called_at": r["last_called_at"],
    }


@router.get("/testing/campaigns/{campaign_id}/call-progress", response=answers({200: CallProgressOut}, 403))
def call_progress(request, campaign_id: Id):
    campaign = campaign_for(request, campaign_id)
    return coverage.call_progress(campaign, callable_residents(request, campaign))


@router.post("/testing/campaigns/{campaign_id}/calls", response=answers({201: CallOut}, 403))
def record_call(request, campaign_id: Id, data: CallIn):
    """outcome: will_come, booked (with slot_id: booked for them), away (exempted as away), no_answer."""
    campaign = campaign_for(request, campaign_id)
    resident = resident_for(request, campaign, data.resident_id)
    slot = slot_for(campaign, data.slot_id) if data.slot_id else None
    return Status(201, coverage.record_call(campaign, resident, data.outcome, request.user, slot, data.note))


@router.post("/testing/campaigns/{campaign_id}/complete", response=answers({200: CampaignOut}, 403))
def complete(request, campaign_id: Id):
    """Refused (422, with how many) while anyone is neither sampled nor exempted."""
    campaign = campaign_for(request, campaign_id, Can.RUN_TESTING)
    return campaign_out(coverage.complete(campaign, request.user), request.user)
