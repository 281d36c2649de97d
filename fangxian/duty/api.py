"""People on duty, posts, rosters and check-ins under /api/v1/duty/."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from fangxian.accounts.apikit import error, not_found
from fangxian.accounts.scoping import Can, get_visible_or_404, holds_community, visible
from fangxian.places.models import Community

from . import planning
from .models import Assignment, Pattern, Person, Post, Roster

router = Router(tags=["duty"])


class PersonIn(Schema):
    community_id: int
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field("", max_length=20)
    kind: str = Person.Kind.VOLUNTEER
    level: str = ""
    sending_unit: str = Field("", max_length=100)
    birth_year: int | None = None
    skills: str = Field("", max_length=200)
    languages: str = Field("", max_length=100)
    availability: dict[str, list[int]] = {}
    preferred: dict[str, list[int]] = {}
    max_hours_week: int = Field(40, ge=1, le=84)
    is_new: bool = True
    team: str = Field("", max_length=100)  # a duty team's name; made on first use


class PersonOut(Schema):
    id: int
    community_id: int
    name: str
    kind: str
    level: str
    max_hours_week: int
    is_new: bool
    active: bool


class PatternIn(Schema):
    start: int = Field(..., ge=0, le=23)
    hours: int = Field(..., ge=1, le=24)
    headcount: int = Field(2, ge=1, le=50)
    needs_health: bool = False
    adults_only: bool = False
    needs_experienced: bool = False


class PostIn(Schema):
    community_id: int
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Post.Kind.GATE
    patterns: list[PatternIn]


class PostOut(Schema):
    id: int
    community_id: int
    name: str
    kind: str


class RosterIn(Schema):
    community_id: int
    starts_on: datetime.date
    days: int = 7


def roster_out(roster: Roster) -> dict:
    shifts = roster.shifts.select_related("post").prefetch_related("assignments__person")
    return {
        "id": roster.pk, "community_id": roster.community_id, "starts_on": roster.starts_on, "ends_on": roster.ends_on,
        "status": roster.status, "result": roster.result | {"explanations": [planning.describe(e) for e in roster.result.get("explanations", [])]},
        "shifts": [{"id": s.pk, "post": s.post.name, "day": s.day, "start": s.start, "hours": s.hours, "headcount": s.headcount,
                    "people": [{"assignment_id": a.pk, "person_id": a.person_id, "name": a.person.name, "locked": a.locked} for a in s.assignments.all()]}
                   for s in shifts],
    }


def planned_community(request, community_id: int) -> Community:
    community = get_visible_or_404(request.user, Can.VIEW_PLACES, Community.objects.all(), pk=community_id)
    if not holds_community(request.user, Can.PLAN_DUTY, community.pk):
        error(_("Your role may not plan duty."), 403)
    return community


def planned_roster(request, roster_id: int) -> Roster:
    roster = get_visible_or_404(request.user, Can.VIEW_PLACES, Roster.objects.all(), pk=roster_id)
    if not holds_community(request.user, Can.PLAN_DUTY, roster.community_id):
        error(_("Your role may not plan duty."), 403)
    return roster


@router.get("/duty/people", response=list[PersonOut])
def list_people(request):
    return visible(request.user, Can.VIEW_PLACES, Person.objects.all())


@router.post("/duty/people", response={201: PersonOut})
def add_person(request, data: PersonIn):
    community = planned_community(request, data.community_id)
    if data.kind not in Person.Kind.values or data.level not in Person.Level.values:
        error(_("Not one of the allowed values."), 422)
    if any(not day.isdigit() or not 0 <= int(day) < 7 or any(not 0 <= b < 6 for b in bands)
           for day, bands in (data.availability | data.preferred).items()):
        error(_("Availability is weekdays 0-6 (Monday 0), each with bands 0-5 (four hours each from midnight)."), 422)
    return Status(201, Person.objects.create(community=community, team=planning.team_named(community, data.team), **data.dict(exclude={"community_id", "team"})))


@router.get("/duty/posts", response=list[PostOut])
def list_posts(request):
    return visible(request.user, Can.VIEW_PLACES, Post.objects.all())


@router.post("/duty/posts", response={201: PostOut})
def add_post(request, data: PostIn):
    community = planned_community(request, data.community_id)
    if data.kind not in Post.Kind.values:
        error(_("Not one of the allowed values."), 422)
    if not data.patterns:
        error(_("A post needs at least one shift."), 422)
    post = Post.objects.create(community=community, name=data.name, kind=data.kind)
    Pattern.objects.bulk_create([Pattern(post=post, **p.dict()) for p in data.patterns])
    return Status(201, post)


@router.post("/duty/rosters", response={201: dict})
def plan_roster(request, data: RosterIn):
    """Makes the roster's shifts from the posts and solves it; explanations say what could not be covered."""
    roster = planning.create(planned_community(request, data.community_id), data.starts_on, data.days, request.user)
    planning.solve(roster)
    return Status(201, roster_out(roster))


@router.get("/duty/rosters/{roster_id}")
def get_roster(request, roster_id: int):
    return roster_out(get_visible_or_404(request.user, Can.VIEW_PLACES, Roster.objects.all(), pk=roster_id))


@router.post("/duty/rosters/{roster_id}/solve")
def solve_roster(request, roster_id: int):
    """Re-solves everything not locked; locked assignments never move."""
    roster = planned_roster(request, roster_id)
    planning.solve(roster)
    return roster_out(roster)


@router.post("/duty/rosters/{roster_id}/publish")
def publish_roster(request, roster_id: int):
    return roster_out(planning.publish(planned_roster(request, roster_id)))


@router.get("/duty/my-shifts")
def my_shifts(request):
    rows = (Assignment.objects.filter(person__user=request.user, shift__roster__status=Roster.Status.PUBLISHED)
            .select_related("shift__post").order_by("shift__day", "shift__start"))
    return [{"assignment_id": a.pk, "post": a.shift.post.name, "day": a.shift.day, "start": a.shift.start, "hours": a.shift.hours,
             "checked_in_at": a.checked_in_at, "checked_out_at": a.checked_out_at} for a in rows]


def own(request, assignment_id: int) -> Assignment:
    row = Assignment.objects.filter(pk=assignment_id, person__user=request.user).select_related("shift").first()
    if row is None:
        not_found()
    return row


@router.post("/duty/assignments/{assignment_id}/check-in")
def check_in(request, assignment_id: int):
    row = planning.check(own(request, assignment_id))
    return {"assignment_id": row.pk, "checked_in_at": row.checked_in_at, "late": row.late}


@router.post("/duty/assignments/{assignment_id}/check-out")
def check_out(request, assignment_id: int):
    row = planning.check(own(request, assignment_id), out=True)
    return {"assignment_id": row.pk, "checked_out_at": row.checked_out_at, "hours": row.hours_worked}
