"""Observations under /api/v1/."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangxian.accounts.apikit import error
from fangxian.accounts.scoping import Can, can, get_visible_or_404, visible
from fangxian.people.models import Resident

from . import observations
from .models import Observation, Policy

router = Router(tags=["watch"])


class ObservationIn(Schema):
    resident_id: int
    kind: str = Observation.Kind.HOME
    start: datetime.date
    policy: int | None = None
    facility: str = Field("", max_length=100)
    room: str = Field("", max_length=20)


class ObservationOut(Schema):
    id: int
    resident_id: int
    kind: str
    start: datetime.date
    ends_on: datetime.date
    days_left: int
    policy: str = Field(..., alias="policy.name")
    released_at: datetime.datetime | None


class ReleaseIn(Schema):
    reason: str = Field("", max_length=200)


def observations_seen_by(user):
    return visible(user, Can.VIEW_RESIDENTS, Observation.objects.select_related("policy", "resident"))


@router.get("/observations", response=list[ObservationOut])
@paginate
def list_observations(request, running: bool = True):
    rows = observations_seen_by(request.user)
    return rows.filter(released_at=None) if running else rows


@router.post("/observations", response={201: ObservationOut})
def start_observation(request, data: ObservationIn):
    resident = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Resident.objects.select_related("community__street__district"), pk=data.resident_id)
    if not can(request.user, Can.WATCH, resident):
        error(_("Your role may not put residents under observation."), 403)
    policy = None
    if data.policy is not None:
        policy = Policy.objects.filter(pk=data.policy, city_id=resident.community.street.district.city_id).first()
        if policy is None:
            error(_("No such policy in this city."), 422)
    return Status(201, observations.start(resident, data.kind, data.start, request.user, policy, data.facility, data.room))


@router.post("/observations/{observation_id}/release", response=ObservationOut)
def release_observation(request, observation_id: int, data: ReleaseIn):
    observation = get_visible_or_404(request.user, Can.VIEW_RESIDENTS, Observation.objects.select_related("policy"), pk=observation_id)
    if not can(request.user, Can.WATCH, observation):
        error(_("Your role may not end observations."), 403)
    return observations.release(observation, request.user, data.reason)
