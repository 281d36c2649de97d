"""Door-to-door census campaigns: who knocks where, what each knock found, and how far a
campaign has come. A visit is stored once per client_id, however often a phone sends it."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field
from pydantic import BeforeValidator

from fangxian.accounts import apikit, audit
from fangxian.accounts.apikit import Day, Input, Refused, batch_item
from fangxian.accounts.models import AuditEvent, Role
from fangxian.accounts.scoping import Can, visible
from fangxian.people.models import Resident, Tag
from fangxian.people.registry import clean_resident, save_resident
from fangxian.people.temperature import clean_temperature
from fangxian.people.temperature import device_rule as temperature_rule
from fangxian.places.models import Building, Community, Dwelling
from fangxian.places.rollups import roll_up

from .models import Assignment, Campaign, Outcome, Visit

MAX_VISITS = 500


def back_before_visit() -> str:
    return _("The return date is before the visit: when will they be back?")


def empty_is_none(value):
    return value or None


class AbsentIn(Input):
    """What a worker notes of a listed resident who is away: the walk page checks it with these
    rules (device_rules) before it keeps the visit, so nothing typed at a door is refused later.
    "where" was cut to 100 characters without a word."""

    where: str = Field("", max_length=100)
    back_on: Annotated[Day | None, BeforeValidator(empty_is_none)] = None
    temperature: float | str | None = None  # as typed ("36,6"): read by clean_temperature

    @classmethod
    def device_rules(cls) -> dict[str, dict]:
        return apikit.device_rules(cls, temperature=temperature_rule(), back_on={"notBeforeToday": back_before_visit()})


@transaction.atomic
def create(
    community: Community, name: str, starts_on: datetime.date, ends_on: datetime.date, buildings: list[Building], user
) -> Campaign:
    """Each dwelling goes to the grid worker of its building's grid (the first, if a grid has
    several); dwellings of a building without one wait for the coordinator to assign them."""
    errors = {}
    if not name.strip():
        errors["name"] = [_("Give the campaign a name, like “Second census round”.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The campaign ends on or after the day it starts.")]
    if not buildings:
        errors["buildings"] = [_("Choose at least one building or grid.")]
    elif any(b.community_id != community.pk for b in buildings):
        errors["buildings"] = [_("Every building must be in this community.")]
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        community=community, name=name.strip()[:100], starts_on=starts_on, ends_on=ends_on, created_by=user
    )
    workers = {}
    for role in Role.objects.filter(kind=Role.Kind.GRID_WORKER, grid__community=community).order_by("id"):
        workers.setdefault(role.grid_id, role.user_id)
    grid_of = {b.pk: b.grid_id for b in buildings}
    Assignment.objects.bulk_create(
        [
            Assignment(
                campaign=campaign, dwelling_id=d_id, community_id=community.pk, worker_id=workers.get(grid_of[b_id])
            )
            for d_id, b_id in Dwelling.objects.filter(building__in=buildings).values_list("id", "building_id")
        ],
        batch_size=2000,
    )
    return campaign


def buildings_of(community: Community, building_ids: list[int], grid_ids: list[int]) -> list[Building]:
    """The buildings chosen one by one or by grid; a building of another community is refused."""
    chosen = list(Building.objects.filter(community=community).filter(Q(pk__in=building_ids) | Q(grid_id__in=grid_ids)))
    if not {b.pk for b in chosen} >= set(building_ids):
        raise ValidationError({"buildings": [_("Every building must be in this community.")]})
    return chosen


def knockers(community: Community) -> QuerySet:
    """Who may be given doors: grid workers and volunteers of the community, its workers and secretary."""
    from django.contrib.auth import get_user_model

    kinds = [Role.Kind.SECRETARY, Role.Kind.COMMUNITY_WORKER, Role.Kind.VOLUNTEER]
    return (
        get_user_model()
        .objects.filter(
            Q(roles__kind__in=kinds, roles__community=community)
            | Q(roles__kind=Role.Kind.GRID_WORKER, roles__grid__community=community)
        )
        .distinct()
        .order_by("username")
    )


def assign(campaign: Campaign, buildings: list[Building], worker=None, team: str = "") -> int:
    """Gives a building's doors to a person, or to a volunteer team (a name on the list)."""
    if not buildings:
        raise ValidationError({"buildings": [_("Choose at least one building or grid.")]})
    if worker is not None and not knockers(campaign.community).filter(pk=worker.pk).exists():
        raise ValidationError({"worker": [_("This person has no role in the community.")]})
    return Assignment.objects.filter(campaign=campaign, dwelling__building__in=buildings).update(
        worker=worker, team=team.strip()[:50]
    )


@dataclass
class VisitIn:
    dwelling_id: int
    outcome: str
    client_id: uuid.UUID
    visited_at: datetime.datetime
    present: list[dict] = field(default_factory=list)  # [{"resident_id", "temperature"}]
    occupants: list[dict] = field(default_factory=list)  # new residents found at the door
    absent: dict = field(default_factory=dict)  # {"where", "back_on", "temperature"}
    note: str = ""
    seen_visit_id: int | None = None


def clean_visit(data: VisitIn, assignment: Assignment | None, campaign: Campaign) -> tuple[list, dict]:
    """Returns (present rows, absent details), or raises with every problem at once."""
    errors: dict[str, list[str]] = {}
    if assignment is None:
        raise ValidationError({"dwelling_id": [_("This dwelling is not in the campaign.")]})
    if not campaign.is_open:
        raise ValidationError({"campaign": [_("The campaign is closed; reopen it to record visits.")]})
    if data.outcome not in Outcome.values:
        errors["outcome"] = [_("Not one of the allowed values.")]
    if timezone.is_naive(data.visited_at) or data.visited_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["visited_at"] = [_("The visit time is in the future or has no time zone: check the phone's clock.")]
    elif timezone.localtime(data.visited_at).date() < campaign.starts_on:
        errors["visited_at"] = [
            _("The visit is dated before the campaign began (%(day)s): check the phone's clock.")
            % {"day": campaign.starts_on}
        ]
    listed = set(Resident.objects.current().filter(dwelling_id=data.dwelling_id).values_list("id", flat=True))
    present = []
    for row in data.present:
        try:
            resident_id = int(row.get("resident_id"))
            temperature = clean_temperature(row.get("temperature"))
        except (TypeError, ValueError) as exc:
            errors.setdefault("present", []).append(
                str(exc) if isinstance(exc, ValueError) and str(exc) else _("Not a resident of this dwelling.")
            )
            continue
        if resident_id not in listed:
            errors.setdefault("present", []).append(_("Not a resident of this dwelling."))
            continue
        present.append(
            {"resident_id": resident_id, "temperature": str(temperature) if temperature is not None else None}
        )
    absent = {}
    if data.outcome == Outcome.ABSENT:
        try:
            noted = batch_item(AbsentIn, data.absent)
            temperature = clean_temperature(noted.temperature)
        except Refused as refused:
            errors["absent"] = [m for messages in refused.errors.values() for m in messages]
        except ValueError as exc:
            errors["absent"] = [str(exc)]
        else:
            if noted.back_on and noted.back_on < timezone.localtime(data.visited_at).date():
                errors["absent"] = [back_before_visit()]
        if "absent" not in errors:
            absent = {
                "where": noted.where,
                "back_on": str(noted.back_on or ""),
                "temperature": str(temperature) if temperature is not None else None,
            }
    if data.outcome == Outcome.UNKNOWN_OCCUPANTS and not data.occupants and not data.note.strip():
        errors["occupants"] = [_("Register the people found, or say in the note why not.")]
    for index, person in enumerate(data.occupants, 1):
        try:
            clean_resident({**person, "tags": [Tag.UNVERIFIED]})
        except ValidationError as exc:
            errors.setdefault("occupants", []).append(
                _("Person %(n)s: %(errors)s")
                % {"n": index, "errors": " ".join(m for ms in exc.message_dict.values() for m in ms)}
            )
    if errors:
        raise ValidationError(errors)
    return present, absent


def record(campaign: Campaign, visits: list[VisitIn], user) -> list[dict]:
    """Answers each visit in order: {"client_id", "visit_id", "conflict"} or {"client_id", "error"}.
    A bad visit does not stop the good ones; a client_id already stored answers as stored."""
    assignments = {
        a.dwelling_id: a
        for a in Assignment.objects.filter(campaign=campaign, dwelling_id__in=[v.dwelling_id for v in visits])
    }
    stored = {
        v.client_id: v
        for v in Visit.objects.filter(client_id__in=[v.client_id for v in visits]).select_related("assignment")
    }
    answers = []
    for data in visits:
        if data.client_id in stored:
            answers.append(answer(stored[data.client_id], campaign, user))
            continue
        try:
            visit = record_one(campaign, assignments.get(data.dwelling_id), data, user)
        except ValidationError as exc:
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            answers.append({"client_id": str(data.client_id), "error": detail})
            continue
        stored[data.client_id] = visit
        answers.append(answer(visit, campaign, user))
    return answers


def answer(visit: Visit, campaign: Campaign, user) -> dict:
    """A client_id belongs to the worker's phone that made it, in its campaign: anyone else
    resending it gets an error, never that visit."""
    if visit.assignment.campaign_id != campaign.pk or visit.recorded_by_id != getattr(user, "pk", None):
        return {
            "client_id": str(visit.client_id),
            "error": {"client_id": [_("This client_id belongs to another record.")]},
        }
    return {
        "client_id": str(visit.client_id),
        "visit_id": visit.pk,
        "outcome": visit.outcome,
        "conflict": visit.conflict,
    }


def record_one(campaign: Campaign, assignment: Assignment | None, data: VisitIn, user) -> Visit:
    present, absent = clean_visit(data, assignment, campaign)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
            # Someone else recorded this door since this worker last looked: keep both, flag it.
            conflict = (
                assignment.last_visit_id is not None
                and data.seen_visit_id != assignment.last_visit_id
                and assignment.visited_by_id != user.pk
            )
            dwelling = Dwelling.objects.get(pk=data.dwelling_id)
            for person in data.occupants:
                values = clean_resident({**person, "tags": [Tag.UNVERIFIED]})
                added = save_resident(values, dwelling, user)
                present.append({"resident_id": added.pk, "temperature": None, "new": True})
            visit = Visit.objects.create(
                assignment=assignment,
                outcome=data.outcome,
                present=present,
                absent=absent,
                note=data.note.strip()[:200],
                visited_at=data.visited_at,
                recorded_by=user,
                client_id=data.client_id,
                seen_visit_id=data.seen_visit_id,
                conflict=conflict,
            )
            if assignment.visited_at is None or data.visited_at >= assignment.visited_at:
                assignment.outcome, assignment.visited_at, assignment.visited_by = data.outcome, data.visited_at, user
            assignment.last_visit_id = visit.pk
            assignment.conflict = conflict
            assignment.save(update_fields=["outcome", "visited_at", "visited_by", "last_visit_id", "conflict"])
    except IntegrityError:  # the same client_id from a second request at the same moment
        visit = Visit.objects.filter(client_id=data.client_id).select_related("assignment").first()
        if visit is None:
            raise
    return visit


@transaction.atomic
def close(campaign: Campaign, user, request=None) -> Campaign:
    missing = campaign.assignments.filter(outcome="").count()
    if missing:
        raise ValidationError(
            ngettext(
                "%(n)s dwelling has no outcome yet: a campaign closes only when every door has one.",
                "%(n)s dwellings have no outcome yet: a campaign closes only when every door has one.",
                missing,
            )
            % {"n": missing}
        )
    campaign.closed_at, campaign.closed_by = timezone.now(), user
    campaign.save(update_fields=["closed_at", "closed_by"])
    audit.record(request, AuditEvent.Action.CAMPAIGN_CLOSED, campaign, user=user)
    return campaign


@transaction.atomic
def reopen(campaign: Campaign, user, reason: str, request=None) -> Campaign:
    if campaign.is_open:
        raise ValidationError(_("The campaign is open."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Reopening needs a reason.")]})
    campaign.closed_at = campaign.closed_by = None
    campaign.save(update_fields=["closed_at", "closed_by"])
    audit.record(request, AuditEvent.Action.CAMPAIGN_REOPENED, campaign, user=user, reason=reason.strip()[:200])
    return campaign


def outcome_counts() -> dict:
    return {
        "total": Count("id"),
        "done": Count("id", filter=~Q(outcome="")),
        "conflicts": Count("id", filter=Q(conflict=True)),
        **{o: Count("id", filter=Q(outcome=o)) for o in Outcome.values},
    }


def progress(campaign: Campaign) -> dict:
    """Totals by outcome, then per grid and per worker, and today's leaderboard."""
    rows = campaign.assignments.all()
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    leaderboard = (
        Visit.objects.filter(assignment__campaign=campaign, visited_at__gte=start, recorded_by__isnull=False)
        .values("recorded_by__username")
        .annotate(dwellings=Count("assignment_id", distinct=True))
        .order_by("-dwellings")[:10]
    )
    return {
        "campaign": campaign,
        "total": rows.aggregate(**outcome_counts()),
        "grids": list(
            rows.values("dwelling__building__grid__code", "dwelling__building__grid__name_zh")
            .annotate(**outcome_counts())
            .order_by("dwelling__building__grid__code")
        ),
        "workers": list(rows.values("worker__username").annotate(**outcome_counts()).order_by("worker__username")),
        "today": [{"worker": r["recorded_by__username"], "dwellings": r["dwellings"]} for r in leaderboard],
    }


def rollup(assignments: QuerySet, level: str) -> list[dict]:
    """Progress by district, street or community over many campaigns (a street or a city
    sends every community on the same round): grouped by community in the database, then
    summed upwards over a few thousand rows in Python."""
    per_community = {
        r["community_id"]: r
        for r in assignments.values("community_id").annotate(total=Count("id"), done=Count("id", filter=~Q(outcome="")))
    }
    return roll_up(per_community, ("total", "done"), level)


def worklist(campaign: Campaign, user, mine: bool = False) -> list[dict]:
    """The doors of the campaign the user may knock on, building by building, entrance by
    entrance, from the ground floor up (the way a stairwell is climbed), with who is listed."""
    rows = visible(user, Can.CENSUS, campaign.assignments.select_related("dwelling__building", "worker"))
    if mine:
        rows = rows.filter(worker=user)
    rows = list(rows.order_by("dwelling__building__number", "dwelling__entrance", "dwelling__floor", "dwelling__room"))
    listed: dict[int, list[dict]] = {}
    residents = Resident.objects.current().filter(dwelling_id__in=[a.dwelling_id for a in rows]).order_by("id")
    for resident_id, dwelling_id, name in residents.values_list("id", "dwelling_id", "name"):
        listed.setdefault(dwelling_id, []).append({"id": resident_id, "name": name})
    return [
        {
            "dwelling_id": a.dwelling_id,
            "building": a.dwelling.building.label,
            "entrance": a.dwelling.entrance,
            "floor": a.dwelling.floor,
            "room": a.dwelling.room,
            "label": a.dwelling.label,
            "outcome": a.outcome,
            "last_visit_id": a.last_visit_id,
            "conflict": a.conflict,
            "worker": a.worker.username if a.worker else None,
            "residents": listed.get(a.dwelling_id, []),
        }
        for a in rows
    ]
