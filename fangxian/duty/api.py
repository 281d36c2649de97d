"""People on duty, posts, rosters and check-ins under /api/v1/duty/."""

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from fangxian.accounts.apikit import Day, Id, Input, Whole, answers, error, not_found
from fangxian.accounts.scoping import Can, get_visible_or_404, holds_community, visible
from fangxian.jobs import running
from fangxian.jobs.api import job_out
from fangxian.jobs.models import Job
from fangxian.places.models import Community

from . import forms, planning
from .models import Assignment, Person, Post, Roster

router = Router(tags=["duty"])

# The rules for what these carry are forms.py's, shared with the pages: only types here.


class PersonIn(Input):
    community_id: Id
    name: str
    phone: str = ""
    kind: str = Person.Kind.VOLUNTEER
    level: str = ""
    sending_unit: str = ""
    birth_year: Whole | None = None
    skills: str = ""
    languages: str = ""
    availability: dict[str, list[Whole]] = {}
    preferred: dict[str, list[Whole]] = {}
    max_hours_week: Whole = 40
    is_new: bool = True
    team: str = ""  # a duty team's name; made on first use
    leader: bool = False  # leads that team


class PersonOut(Schema):
    id: int
    community_id: int
    name: str
    kind: str
    level: str
    max_hours_week: int
    is_new: bool
    active: bool


class PatternIn(Input):
    start: Whole
    hours: Whole
    headcount: Whole = 2
    needs_health: bool = False
    adults_only: bool = False
    needs_experienced: bool = False


class PostIn(Input):
    community_id: Id
    name: str
    kind: str = Post.Kind.GATE
    patterns: list[PatternIn]


class PostOut(Schema):
    id: int
    community_id: int
    name: str
    kind: str


class RosterIn(Input):
    community_id: Id
    starts_on: Day
    days: Whole = 7


def roster_out(roster: Roster, job: Job | None = None) -> dict:
    shifts = roster.shifts.select_related("post").prefetch_related("assignments__person")
    return {
        "id": roster.pk,
        "community_id": roster.community_id,
        "starts_on": roster.starts_on,
        "ends_on": roster.ends_on,
        "status": roster.status,
        "result": roster.result
        | {"explanations": [planning.describe(e) for e in roster.result.get("explanations", [])]},
        "shifts": [
            {
                "id": s.pk,
                "post": s.post.name,
                "day": s.day,
                "start": s.start,
                "hours": s.hours,
                "headcount": s.headcount,
                "people": [
                    {"assignment_id": a.pk, "person_id": a.person_id, "name": a.person.name, "locked": a.locked}
                    for a in s.assignments.all()
                ],
            }
            for s in shifts
        ],
    } | ({"job": job_out(job)} if job else {})


def solving(request, roster: Roster) -> Status:
    """202: the roster as it stands and the job solving it (GET /api/v1/jobs/{id} follows it)."""
    try:
        job = planning.start_solving(roster, request.user)
    except running.Busy:
        error(_("Another coordinator is solving this roster right now."), 409)
    roster.refresh_from_db()  # a job run at once (tests, no worker) has solved it already
    return Status(202, roster_out(roster, job))


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


@router.post("/duty/people", response=answers({201: PersonOut}, 404))
def add_person(request, data: PersonIn):
    community = planned_community(request, data.community_id)
    return Status(201, planning.add_person(community, forms.clean_person(data.dict())))


@router.get("/duty/posts", response=list[PostOut])
def list_posts(request):
    return visible(request.user, Can.VIEW_PLACES, Post.objects.all())


@router.post("/duty/posts", response=answers({201: PostOut}, 404))
def add_post(request, data: PostIn):
    community = planned_community(request, data.community_id)
    return Status(201, planning.add_post(community, forms.clean_post(data.dict())))


@router.post("/duty/rosters", response=answers({202: dict}, 404, 409))
def plan_roster(request, data: RosterIn):
    """Makes the roster's shifts from the posts and starts solving them (202 with the job);
    once the job is done, the roster's explanations say what could not be covered."""
    community = planned_community(request, data.community_id)
    values = forms.clean_roster(data.dict())
    return solving(request, planning.create(community, values["starts_on"], values["days"], request.user))


@router.get("/duty/rosters/{roster_id}")
def get_roster(request, roster_id: Id):
    roster = get_visible_or_404(request.user, Can.VIEW_PLACES, Roster.objects.all(), pk=roster_id)
    return roster_out(roster) | {"solving": planning.solving(roster) is not None}


@router.post("/duty/rosters/{roster_id}/solve", response=answers({202: dict}, 409))
def solve_roster(request, roster_id: Id):
    """Re-solves the future places that are not kept (202 with the job): what has started,
    check-ins, approved swaps and locks never move."""
    return solving(request, planned_roster(request, roster_id))


@router.post("/duty/rosters/{roster_id}/publish", response=answers({200: dict}, 409))
def publish_roster(request, roster_id: Id):
    roster = planned_roster(request, roster_id)
    if planning.solving(roster):
        error(_("The roster is being solved: publish it when the solver is done."), 409)
    return roster_out(planning.publish(roster, request))


@router.get("/duty/my-shifts")
def my_shifts(request):
    rows = (
        Assignment.objects.filter(person__user=request.user, shift__roster__status=Roster.Status.PUBLISHED)
        .select_related("shift__post")
        .order_by("shift__day", "shift__start")
    )
    return [
        {
            "assignment_id": a.pk,
            "post": a.shift.post.name,
            "day": a.shift.day,
            "start": a.shift.start,
            "hours": a.shift.hours,
            "checked_in_at": a.checked_in_at,
            "checked_out_at": a.checked_out_at,
        }
        for a in rows
    ]


def own(request, assignment_id: int) -> Assignment:
    row = Assignment.objects.filter(pk=assignment_id, person__user=request.user).select_related("shift").first()
    if row is None:
        not_found()
    return row


@router.post("/duty/assignments/{assignment_id}/check-in")
def check_in(request, assignment_id: Id):
    row = planning.check(own(request, assignment_id))
    return {"assignment_id": row.pk, "checked_in_at": row.checked_in_at, "late": row.late}


@router.post("/duty/assignments/{assignment_id}/check-out")
def check_out(request, assignment_id: Id):
    row = planning.check(own(request, assignment_id), out=True)
    return {"assignment_id": row.pk, "checked_out_at": row.checked_out_at, "hours": row.hours_worked}
