"""Between the database and the solver: a roster's shifts from the posts' patterns, the
problem handed to fangxian/lib/roster.py, its answer saved (what happened untouched),
solving as a job, publishing, hand edits, swaps and check-ins, and the solver's explanations
in words."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangxian.accounts import audit
from fangxian.accounts.models import AuditEvent
from fangxian.accounts.scoping import Can
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.lib import roster as solver

from .models import Assignment, Pattern, Person, Post, Roster, Shift, SwapRequest, Team

# The solver's deterministic time budget in the app: a community's week or month is solved in well under it.
SECONDS = 10.0


@transaction.atomic
def add_person(community, values: dict[str, Any]) -> Person:
    """A person signed up for the roster, from values that forms.clean_person passed."""
    values = dict(values)
    team_name, leads = values.pop("team"), values.pop("leader")
    person = Person.objects.create(community=community, team=team_named(community, team_name), **values)
    if person.team and leads:
        Team.objects.filter(pk=person.team_id).update(leader=person)
    return person


@transaction.atomic
def add_post(community, values: dict[str, Any]) -> Post:
    """A post and its daily shifts, from values that forms.clean_post passed."""
    post = Post.objects.create(community=community, name=values["name"], kind=values["kind"])
    Pattern.objects.bulk_create([Pattern(post=post, **pattern) for pattern in values["patterns"]])
    return post


@transaction.atomic
def create(community, starts_on: datetime.date, days: int, user) -> Roster:
    """A week or a month (forms.clean_roster bounds it): one Shift per active post, pattern and day."""
    ends_on = starts_on + datetime.timedelta(days=days - 1)
    roster = Roster.objects.create(community=community, starts_on=starts_on, ends_on=ends_on, created_by=user)
    posts = Post.objects.filter(community=community, starts_on__lte=ends_on).filter(
        Q(ends_on=None) | Q(ends_on__gte=starts_on)
    )
    patterns = list(Pattern.objects.filter(post__in=posts).select_related("post"))
    if not patterns:
        raise ValidationError({"posts": [_("No post has shifts yet: add a post and its shifts first.")]})
    Shift.objects.bulk_create(
        [
            Shift(
                roster=roster,
                post=p.post,
                day=day,
                start=p.start,
                hours=p.hours,
                headcount=p.headcount,
                needs_health=p.needs_health,
                adults_only=p.adults_only,
                needs_experienced=p.needs_experienced,
            )
            for day in roster.days
            for p in patterns
            if p.post.starts_on <= day and (p.post.ends_on is None or day <= p.post.ends_on)
        ]
    )
    return roster


def team_named(community, name: str) -> Team | None:
    """Duty teams (临时党支部) are made by naming them when signing their members up."""
    name = name.strip()[:100]
    return Team.objects.get_or_create(community=community, name=name)[0] if name else None


def bands(raw: dict) -> frozenset:
    return frozenset((int(day), int(band)) for day, values in (raw or {}).items() for band in values)


def member(person: Person, on_the_roster: bool = True) -> solver.Member:
    """Someone no longer on the roster (left, or dispatched elsewhere) keeps what they did and gets nothing new."""
    available = (
        (bands(person.availability) if person.availability else solver.EVERYWHEN) if on_the_roster else frozenset()
    )
    return solver.Member(
        person.pk,
        person.name,
        health=person.health,
        level=person.level,
        minor=person.minor,
        new=person.is_new,
        available=available,
        preferred=bands(person.preferred),
        max_hours=person.max_hours_week,
        team=person.team_id,
    )


def started(now: datetime.datetime, path: str = "") -> Q:
    """Shifts whose start, in local time, is not after `now` (`path` leads from another model to the shift)."""
    local = timezone.localtime(now)
    return Q(**{f"{path}day__lt": local.date()}) | Q(**{f"{path}day": local.date(), f"{path}start__lte": local.hour})


def kept(now: datetime.datetime) -> Q:
    """Assignments a re-solve leaves as they are: on a shift that has started, checked in or
    out, handed over by an approved swap, or locked."""
    swapped = SwapRequest.objects.filter(assignment=OuterRef("pk"), status=SwapRequest.Status.APPROVED)
    return (
        started(now, "shift__")
        | Q(locked=True)
        | Q(checked_in_at__isnull=False)
        | Q(checked_out_at__isnull=False)
        | Q(Exists(swapped))
    )


def problem_for(roster: Roster, now: datetime.datetime) -> solver.Problem:
    """The roster as the solver sees it at `now`: what is kept is pinned, started shifts are frozen."""
    pins = set(Assignment.objects.filter(shift__roster=roster).filter(kept(now)).values_list("person_id", "shift_id"))
    on_the_roster = Person.objects.filter(community=roster.community, active=True).filter(
        Q(dispatched_until=None) | Q(dispatched_until__gte=roster.starts_on)
    )
    people = on_the_roster | Person.objects.filter(pk__in={p for p, _s in pins})
    chosen = set(on_the_roster.values_list("pk", flat=True))
    shifts = [
        solver.Shift(
            s.pk,
            s.post_id,
            s.post.name,
            s.day,
            s.start,
            s.hours,
            s.headcount,
            s.needs_health,
            s.adults_only,
            s.needs_experienced,
        )
        for s in roster.shifts.select_related("post")
    ]
    return solver.Problem(
        [member(p, p.pk in chosen) for p in people.distinct()],
        shifts,
        rest_hours=roster.rest_hours,
        max_nights_in_row=roster.max_nights_in_row,
        pins=pins,
        published={(p, s) for p, s in roster.published},
        frozen=set(roster.shifts.filter(started(now)).values_list("pk", flat=True)),
        seed=roster.seed,
    )


def solve(
    roster: Roster,
    seconds: float = SECONDS,
    as_of: datetime.datetime | None = None,
    report: Callable[[str], None] | None = None,
) -> solver.Solution:
    """Re-solves the future places that are not kept; what is kept never moves, and no one is
    added to a shift that has started. `as_of` solves as if it were then (the demo plans its
    week the evening before); `report` hears how far it is, in words."""
    tell = report or (lambda line: None)
    problem = problem_for(roster, as_of or timezone.now())
    tell(
        _("Solving: %(places)s places to fill from %(people)s people…")
        % {
            "places": sum(s.headcount for s in problem.shifts if s.id not in problem.frozen),
            "people": len(problem.members),
        }
    )
    found = solver.solve(problem, seconds=seconds, progress=in_words(tell) if report else None)
    tell(_("Saving the roster…"))
    save(roster, problem, found, as_of or timezone.now())
    return found


def in_words(tell: Callable[[str], None]) -> solver.Progress:
    """The solver's progress for the page, at most twice a second (it runs one worker, on the
    job's own thread, so the job's row can be written from here)."""
    told = {"at": -1.0, "complete": False}

    def progress(seconds: float, missing: int) -> None:
        if seconds - told["at"] < 0.5 and (missing or told["complete"]):
            return
        told["at"], told["complete"] = seconds, told["complete"] or not missing
        if missing:
            tell(
                _("Best so far after %(seconds).1f s: %(n)s places or rules still open; looking further…")
                % {"seconds": seconds, "n": missing}
            )
        else:
            tell(_("A complete roster after %(seconds).1f s; now making it fairer…") % {"seconds": seconds})

    return progress


def save(roster: Roster, problem: solver.Problem, found: solver.Solution, now: datetime.datetime) -> None:
    """The solver's roster in one transaction. What became kept while it ran (a check-in, a
    shift that started) stays too, and the solver's places that would now clash with it are
    left out rather than break the rest rule."""
    by_id = {s.id: s for s in problem.shifts}
    with transaction.atomic():
        rows = list(
            Assignment.objects.filter(shift__roster=roster).filter(kept(now)).values_list("pk", "person_id", "shift_id")
        )
        Assignment.objects.filter(shift__roster=roster).exclude(pk__in=[pk for pk, _p, _s in rows]).delete()
        frozen = set(roster.shifts.filter(started(now)).values_list("pk", flat=True))
        stays = {(p, s) for _pk, p, s in rows}
        lately = [(p, s) for p, s in stays - problem.pins if s in by_id]

        def fits_in(p: int, s: int) -> bool:
            return not any(p == q and solver.clash(by_id[s], by_id[t], roster.rest_hours) for q, t in lately)

        Assignment.objects.bulk_create(
            [
                Assignment(person_id=p, shift_id=s)
                for p, s in sorted(found.assignments)
                if s not in frozen and (p, s) not in stays and fits_in(p, s)
            ]
        )
        roster.solved_at = timezone.now()
        roster.result = {
            "status": found.status,
            "objective": found.objective,
            "bound": found.bound,
            "shortfall": found.shortfall,
            "seconds": round(found.seconds, 2),
            "scores": found.scores,
            "explanations": [
                {
                    "code": e.code,
                    "params": {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in e.params.items()},
                }
                for e in found.explanations
            ],
        }
        roster.save(update_fields=["solved_at", "result"])


def solving_key(roster: Roster) -> str:
    return f"duty.roster.{roster.pk}"


def solving(roster: Roster) -> Job | None:
    """The job solving the roster now, whoever started it."""
    return Job.objects.filter(key=solving_key(roster), state__in=Job.ACTIVE).first()


def start_solving(roster: Roster, user) -> Job:
    """Solving takes seconds: it runs as a job, and the roster page shows how far it is.
    Raises running.Busy when another coordinator's solve of this roster is under way."""
    title = _("Solving the roster %(dates)s of %(community)s") % {"dates": roster, "community": roster.community}
    return running.start(
        user,
        roster.community,
        title,
        solve_job,
        Can.PLAN_DUTY,
        params={"roster": roster.pk},
        key=solving_key(roster),
        next_url=reverse("duty:roster", args=[roster.pk]),
    )


def solve_job(job: Job) -> None:
    roster = Roster.objects.filter(pk=job.params["roster"]).select_related("community").first()
    if roster is None:
        raise ValidationError(_("This roster no longer exists."))
    job.report(_("Reading the people on duty and the shifts…"))
    solve(roster, report=job.report)


@transaction.atomic
def publish(roster: Roster, request=None) -> Roster:
    """Everyone on it sees their shifts; audited for the page and the API alike."""
    if solving(roster):
        raise ValidationError(_("The roster is being solved: publish it when the solver is done."))
    roster.published = sorted(
        [list(pair) for pair in Assignment.objects.filter(shift__roster=roster).values_list("person_id", "shift_id")]
    )
    roster.status, roster.published_at = Roster.Status.PUBLISHED, timezone.now()
    roster.save(update_fields=["published", "status", "published_at"])
    audit.record(request, AuditEvent.Action.ROSTER_PUBLISHED, roster)
    return roster


def put(shift: Shift, person: Person, locked: bool = True) -> Assignment:
    """A hand edit: this person on this shift, locked by default so that a re-solve keeps it."""
    may_take(shift, person)
    assignment, _created = Assignment.objects.update_or_create(shift=shift, person=person, defaults={"locked": locked})
    return assignment


def may_take(shift: Shift, person: Person) -> None:
    """Refuses a person of another community, or one whose other shifts leave too little rest."""
    if person.community_id != shift.roster.community_id:
        raise ValidationError({"person": [_("This person is not on duty in this community.")]})
    others = (
        Assignment.objects.filter(person=person, shift__roster=shift.roster)
        .exclude(shift=shift)
        .select_related("shift")
    )
    if any(solver.clash(as_solver(a.shift), as_solver(shift), shift.roster.rest_hours) for a in others):
        raise ValidationError(
            {"person": [_("%(name)s is on another shift too close to this one.") % {"name": person.name}]}
        )


def as_solver(shift: Shift) -> solver.Shift:
    return solver.Shift(shift.pk, shift.post_id, "", shift.day, shift.start, shift.hours, shift.headcount)


@transaction.atomic
def decide_swap(swap: SwapRequest, approve: bool, user) -> SwapRequest:
    if swap.status != SwapRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if approve:
        if swap.replacement is None:
            raise ValidationError(_("Choose who takes the shift before approving."))
        assignment = swap.assignment
        may_take(assignment.shift, swap.replacement)
        if assignment.shift.assignments.filter(person=swap.replacement).exists():
            raise ValidationError(_("%(name)s is already on this shift.") % {"name": swap.replacement.name})
        assignment.person, assignment.locked = swap.replacement, True  # the swap is kept, with who took over
        assignment.checked_in_at = assignment.checked_out_at = None
        assignment.save(update_fields=["person", "locked", "checked_in_at", "checked_out_at"])
    swap.status = SwapRequest.Status.APPROVED if approve else SwapRequest.Status.REFUSED
    swap.decided_by = user
    swap.save(update_fields=["status", "decided_by"])
    return swap


# 签退 stands where 签到 stood: a double tap checked out at once and made a 0.0 h shift.
CHECK_OUT_AFTER = datetime.timedelta(minutes=5)


def check(assignment: Assignment, out: bool = False) -> Assignment:
    """Check-in opens an hour before the shift; check-out needs a check-in some minutes old."""
    now = timezone.now()
    if out:
        if assignment.checked_in_at is None:
            raise ValidationError(_("Check in first."))
        if now - assignment.checked_in_at < CHECK_OUT_AFTER:
            raise ValidationError(
                _("You checked in at %(at)s: check out when the shift is over.")
                % {"at": timezone.localtime(assignment.checked_in_at).strftime("%H:%M")}
            )
        assignment.checked_out_at = now
    else:
        if assignment.checked_in_at is None and not assignment.can_check_in:
            raise ValidationError(_("Check-in opens an hour before the shift and closes at its end."))
        assignment.checked_in_at = assignment.checked_in_at or now
    assignment.save(update_fields=["checked_in_at", "checked_out_at"])
    return assignment


# Lazy: words fixed when the module loads would stay in the language of that moment.
STATUSES = {
    "optimal": gettext_lazy("the best roster possible"),
    "feasible": gettext_lazy("a good roster (time ran out before proving it the best)"),
    "partial": gettext_lazy("some places could not be filled"),
    "greedy": gettext_lazy("filled shift by shift (the solver found nothing better in time)"),
    "unknown": gettext_lazy("no roster found in time"),
}
ROLES = {
    "district": gettext_lazy("district-level cadre"),
    "street": gettext_lazy("street-level cadre"),
    "health": gettext_lazy("health worker"),
}
NEEDS = {
    "health": gettext_lazy("health worker"),
    "experienced": gettext_lazy("experienced person"),
    "adults": gettext_lazy("adult enough for the night"),
}
REASONS = {
    "hour_cap": gettext_lazy("everyone free has reached their weekly hours"),
    "rest": gettext_lazy("everyone free would have less than the rest between shifts"),
    "nights_in_row": gettext_lazy("everyone free has had the most nights in a row"),
    "mix": gettext_lazy("the people left do not give the mix it needs"),
    "availability": gettext_lazy("nobody else can come at that time"),
}


def describe(explanation: dict) -> str:
    """An explanation from the solver, in words a coordinator understands."""
    p = dict(explanation["params"])
    if "day" in p:
        p["day"] = formats.date_format(datetime.date.fromisoformat(str(p["day"])), "m-d D")
    if "start" in p:
        p["time"] = f"{p['start']:02d}:00"
    code = explanation["code"]
    messages = {
        "zero_hours": _("%(post)s, %(day)s %(time)s: a shift of 0 hours."),
        "more_than_exist": _(
            "%(post)s, %(day)s %(time)s needs %(needed)s people, but only %(people)s are on duty in all."
        ),
        "not_enough_available": _(
            "%(post)s, %(day)s %(time)s needs %(needed)s people; only %(available)s can come at that time."
        ),
        "no_health_available": _("%(post)s, %(day)s %(time)s needs a health worker; none can come at that time."),
        "no_experienced_available": _(
            "%(post)s, %(day)s %(time)s needs someone experienced; everyone who can come is new."
        ),
        "contradictory_mix": _(
            "%(post)s, %(day)s %(time)s has one place but needs an experienced health worker, and there is none."
        ),
        "overlapping_shifts": _("%(post)s, %(day)s: the shift at %(time)s overlaps the one at %(other_start)s:00."),
        "no_presence": _("%(day)s: no %(role)s can come that day."),
        "short": _("%(post)s, %(day)s %(time)s: %(seated)s of %(needed)s places filled, because %(reason)s."),
        "mix_short": _("%(post)s, %(day)s %(time)s: no %(need)s on duty, as the mix requires."),
        "presence_short": _("%(day)s: no %(role)s on duty that day."),
    }
    if code == "mix_short":
        p["need"] = NEEDS.get(p.get("need"), p.get("need"))
    if code in ("no_presence", "presence_short"):
        p["role"] = ROLES.get(p.get("role"), p.get("role"))
    if code == "short":
        p["reason"] = REASONS.get(p.get("reason"), p.get("reason"))
    return messages.get(code, code) % p
