"""Arrivals, observations and health reports, census campaigns, the epidemic map and the
evening numbers under /api/v1/."""

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import Day, Id, Input, Moment, Refused, Whole, answers, batch_item, error, not_found
from fangxian.accounts.scoping import Can, can, get_visible_or_404, holds_community, visible
from fangxian.people.models import Resident
from fangxian.places.models import Building, Community
from fangxian.places.rollups import LEVELS

from . import census, evening, mapping, observations
from .models import Arrival, Assignment, Campaign, Observation, Policy

router = Router(tags=["watch"])


class ArrivalIn(Input):
    resident_id: Id
    came_from: str = Field(..., max_length=100)
    arrived_on: Day
    transport: str = Arrival.Transport.OTHER
    transport_number: str = Field("", max_length=30)
    reason: str = Field("", max_length=200)


class ArrivalOut(Schema):
    id: int
    resident_id: int
    came_from: str
    arrived_on: datetime.date
    transport: str
    transport_number: str
    reason: str


class ObservationIn(Input):
    resident_id: Id
    kind: str = Observation.Kind.HOME
    start: Day
    policy: Id | None = None
    facility: str = Field("", max_length=100)
    room: str = Field("", max_length=20)
    arrival_id: Id | None = None


class ObservationOut(Schema):
    id: int
    resident_id: int
    kind: str
    start: datetime.date
    ends_on: datetime.date
    days_left: int
    policy: str = Field(..., alias="policy.name")
    released_at: datetime.datetime | None
    notice_number: str


class ReportIn(Input):
    # A number or its text ("36.6"): one type, so that a refusal names the field and no more.
    temperature: Decimal | None = None
    symptoms: list[str] = []


class ReportOut(Schema):
    id: int
    day: datetime.date
    half: str
    temperature: float
    symptoms: list[str]
    by_self: bool
    reported_at: datetime.datetime


class ExtendIn(Input):
    days: Whole
    reason: str = Field("", max_length=200)
    approved_by: str = Field("", max_length=50)


class ReleaseIn(Input):
    reason: str = Field("", max_length=200)


class AlertOut(Schema):
    kind: str
    observation_id: int
    resident: str
    dwelling: str
    temperature: float | None
    symptoms: list[str]
    day: datetime.date  # the half day the alert is about
    half: str  # am or pm


def observations_seen_by(user) -> QuerySet:
    return visible(user, Can.VIEW_RESIDENTS, Observation.objects.select_related("policy", "resident"))


def watched_resident(request, resident_id: Id) -> Resident:
    resident = get_visible_or_404(
        request.user, Can.VIEW_RESIDENTS, Resident.objects.select_related("community__street__district"), pk=resident_id
    )
    if not can(request.user, Can.WATCH, resident):
        error(_("Your role may not register arrivals or observations."), 403)
    return resident


def watched_observation(request, observation_id: Id) -> Observation:
    observation = get_visible_or_404(
        request.user, Can.VIEW_RESIDENTS, Observation.objects.select_related("policy", "resident"), pk=observation_id
    )
    if not can(request.user, Can.WATCH, observation):
        error(_("Your role may not change observations."), 403)
    return observation


@router.get("/arrivals", response=list[ArrivalOut])
@paginate
def list_arrivals(request):
    return visible(request.user, Can.VIEW_RESIDENTS, Arrival.objects.all())


@router.post("/arrivals", response=answers({201: ArrivalOut}, 404))
def register_arrival(request, data: ArrivalIn):
    resident = watched_resident(request, data.resident_id)
    return Status(
        201,
        observations.arrive(
            resident, data.came_from, data.arrived_on, request.user, data.transport, data.transport_number, data.reason
        ),
    )


@router.get("/observations", response=list[ObservationOut])
@paginate
def list_observations(request, running: bool = True):
    rows = observations_seen_by(request.user)
    return rows.filter(released_at=None) if running else rows


@router.post("/observations", response=answers({201: ObservationOut}, 404))
def start_observation(request, data: ObservationIn):
    resident = watched_resident(request, data.resident_id)
    policy = arrival = None
    if data.policy is not None:
        policy = Policy.objects.filter(pk=data.policy, city_id=resident.community.street.district.city_id).first()
        if policy is None:
            error(_("No such policy in this city."), 422)
    if data.arrival_id is not None:
        arrival = Arrival.objects.filter(pk=data.arrival_id, resident=resident).first()
        if arrival is None:
            error(_("That arrival is not this resident's."), 422)
    return Status(
        201,
        observations.start(resident, data.kind, data.start, request.user, policy, data.facility, data.room, arrival),
    )


@router.get("/observations/{observation_id}", response=ObservationOut)
def get_observation(request, observation_id: Id):
    return get_visible_or_404(
        request.user, Can.VIEW_RESIDENTS, Observation.objects.select_related("policy"), pk=observation_id
    )


@router.get("/observations/{observation_id}/reports", response=list[ReportOut])
def list_reports(request, observation_id: Id):
    observation = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Observation.objects.all(), pk=observation_id)
    return observation.reports.all()


@router.post("/observations/{observation_id}/reports", response={201: ReportOut})
def add_report(request, observation_id: Id, data: ReportIn):
    observation = watched_observation(request, observation_id)
    return Status(201, observations.report(observation, data.temperature, data.symptoms, request.user))


@router.post("/observations/{observation_id}/extend", response=ObservationOut)
def extend_observation(request, observation_id: Id, data: ExtendIn):
    return observations.extend(
        watched_observation(request, observation_id), data.days, data.reason, data.approved_by, request.user
    )


@router.post("/observations/{observation_id}/release", response=ObservationOut)
def release_observation(request, observation_id: Id, data: ReleaseIn):
    return observations.release(watched_observation(request, observation_id), request.user, data.reason)


@router.get("/alerts", response=list[AlertOut])
def list_alerts(request):
    """Fevers, symptoms and missed reports of the people in the caller's care."""
    if not can(request.user, Can.WATCH):
        return []
    return [
        {
            "kind": a.kind,
            "observation_id": a.observation.pk,
            "resident": a.observation.resident.name,
            "dwelling": a.observation.resident.dwelling.label,
            "temperature": a.report.temperature if a.report else None,
            "symptoms": a.report.symptoms if a.report else [],
            "day": a.half_day[0],
            "half": a.half_day[1],
        }
        for a in observations.alerts(visible(request.user, Can.WATCH, Observation.objects.all()))
    ]


class CampaignIn(Input):
    community_id: Id
    name: str = Field(..., max_length=100)
    starts_on: Day
    ends_on: Day
    building_ids: list[Id] = []
    grid_ids: list[Id] = []


class CampaignOut(Schema):
    id: int
    community_id: int
    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    closed_at: datetime.datetime | None


class VisitIn(Input):
    dwelling_id: Id
    outcome: str
    client_id: uuid.UUID
    visited_at: Moment
    present: list[dict] = []
    occupants: list[dict] = []
    absent: dict = {}
    note: str = Field("", max_length=200)
    seen_visit_id: Id | None = None


class VisitsIn(Schema):
    visits: list[Any]  # each checked on its own: a bad one gets its own error


class AssignIn(Input):
    building_ids: list[Id] = []
    grid_ids: list[Id] = []
    worker: str | None = None  # a username
    team: str = Field("", max_length=50)


class ReopenIn(Input):
    reason: str = Field("", max_length=200)


def campaign_for(request, campaign_id: Id, capability: Can) -> Campaign:
    campaign = get_visible_or_404(
        request.user, Can.VIEW_PLACES, Campaign.objects.select_related("community"), pk=campaign_id
    )
    if not can(request.user, capability, campaign):
        error(_("Your role may not do this in a campaign."), 403)
    return campaign


@router.get("/campaigns", response=list[CampaignOut])
def list_campaigns(request):
    return visible(request.user, Can.VIEW_PLACES, Campaign.objects.all())


@router.post("/campaigns", response=answers({201: CampaignOut}, 404))
def start_campaign(request, data: CampaignIn):
    community = get_visible_or_404(request.user, Can.VIEW_PLACES, Community.objects.all(), pk=data.community_id)
    if not holds_community(request.user, Can.RUN_CENSUS, community.pk):
        error(_("Your role may not start campaigns."), 403)
    buildings = census.buildings_of(community, data.building_ids, data.grid_ids)
    return Status(201, census.create(community, data.name, data.starts_on, data.ends_on, buildings, request.user))


@router.get("/campaigns/rollup")
def campaign_rollup(request, name: str, by: str = "community"):
    """Progress of every campaign of that name in the caller's view (a street or a city sends
    its communities on the same round), by district, street or community."""
    if by not in LEVELS:
        error(_("by is community, street, district or city."), 422)
    rows = visible(request.user, Can.VIEW_PLACES, Assignment.objects.filter(campaign__name=name))
    return {"by": by, "rows": census.rollup(rows, by)}


@router.get("/campaigns/{campaign_id}/progress")
def campaign_progress(request, campaign_id: Id):
    campaign = get_visible_or_404(request.user, Can.VIEW_PLACES, Campaign.objects.all(), pk=campaign_id)
    result = census.progress(campaign)
    result["campaign"] = {"id": campaign.pk, "name": campaign.name, "closed": not campaign.is_open}
    return result


@router.get("/campaigns/{campaign_id}/worklist", response=answers({200: list[dict]}, 403))
def campaign_worklist(request, campaign_id: Id, mine: bool = False):
    """The doors to knock, by building, entrance and floor, with who is listed behind each."""
    campaign = campaign_for(request, campaign_id, Can.CENSUS)
    return census.worklist(campaign, request.user, mine)


@router.post("/campaigns/{campaign_id}/visits")
def record_visits(request, campaign_id: Id, data: VisitsIn):
    """Up to 500 visits, answered in order; resending the same client_id changes nothing."""
    campaign = campaign_for(request, campaign_id, Can.CENSUS)
    if len(data.visits) > census.MAX_VISITS:
        error(_("At most %(n)s visits at once.") % {"n": census.MAX_VISITS}, 422)
    allowed = set(visible(request.user, Can.CENSUS, campaign.assignments.all()).values_list("dwelling_id", flat=True))
    slots: list[dict | None] = [None] * len(data.visits)
    good = []
    for index, raw in enumerate(data.visits):
        try:
            item = batch_item(VisitIn, raw)
        except Refused as exc:
            slots[index] = {"client_id": raw.get("client_id") if isinstance(raw, dict) else None, "error": exc.errors}
            continue
        if item.dwelling_id not in allowed:
            slots[index] = {
                "client_id": str(item.client_id),
                "error": {"dwelling_id": [_("This dwelling is not in the campaign.")]},
            }
            continue
        good.append((index, census.VisitIn(**item.dict())))
    for (index, _visit), answer in zip(
        good, census.record(campaign, [v for _index, v in good], request.user), strict=True
    ):
        slots[index] = answer
    return {"results": slots}


@router.post("/campaigns/{campaign_id}/assign")
def assign_doors(request, campaign_id: Id, data: AssignIn):
    """Gives the doors of some buildings to a person or a volunteer team."""
    campaign = campaign_for(request, campaign_id, Can.RUN_CENSUS)
    worker = None
    if data.worker:
        worker = census.knockers(campaign.community).filter(username=data.worker).first()
        if worker is None:
            error(_("This person has no role in the community."), 422)
    return {
        "assigned": census.assign(
            campaign, census.buildings_of(campaign.community, data.building_ids, data.grid_ids), worker, data.team
        )
    }


@router.post("/campaigns/{campaign_id}/close", response=CampaignOut)
def close_campaign(request, campaign_id: Id):
    return census.close(campaign_for(request, campaign_id, Can.RUN_CENSUS), request.user, request)


@router.post("/campaigns/{campaign_id}/reopen", response=CampaignOut)
def reopen_campaign(request, campaign_id: Id, data: ReopenIn):
    return census.reopen(campaign_for(request, campaign_id, Can.RUN_CENSUS), request.user, data.reason, request)


@router.get("/map/buildings/{building_id}")
def building_map(request, building_id: Id):
    building = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Building.objects.all(), pk=building_id)
    [found] = mapping.maps_for([building])
    return {
        "building_id": building.pk,
        "counts": found.counts,
        "cells": [
            {
                "dwelling_id": c.dwelling.pk,
                "entrance": c.entrance,
                "floor": c.floor,
                "room": c.dwelling.room,
                "status": c.status,
                "days_left": c.days_left,
                "people": c.people,
            }
            for _floor, entrances in found.rows
            for cells in entrances
            for c in cells
        ],
    }


@router.get("/evening", response=answers({200: dict}, 404))
def evening_numbers(request):
    communities = visible(request.user, Can.VIEW_RESIDENTS, Community.objects.all())
    if not can(request.user, Can.VIEW_RESIDENTS):
        not_found()
    numbers = evening.table(communities)
    return {
        "total": numbers["total"],
        "communities": [
            {
                "id": r["community"].pk,
                "code": r["community"].code,
                "name": r["community"].name,
                "street": s["street"].code,
                **{k: r[k] for k in [*numbers["keys"], "coverage"]},
            }
            for s in numbers["streets"]
            for r in s["rows"]
        ],
    }
