"""Between the database and the solver: a roster's shifts from the posts' patterns, the
problem handed to fangxian/lib/roster.py, its answer saved (locked assignments untouched),
publishing, hand edits, swaps and check-ins, and the solver's explanations in words."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fangxian.lib import roster as solver

from .models import Assignment, Pattern, Person, Post, Roster, Shift, SwapRequest, Team

MAX_DAYS = 31


@transaction.atomic
def create(community, starts_on: datetime.date, days: int, user) -> Roster:
    """A week or a month: one Shift per active post, pattern and day."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": [_("A roster covers 1 to %(n)s days.") % {"n": MAX_DAYS}]})
    ends_on = starts_on + datetime.timedelta(days=days - 1)
    roster = Roster.objects.create(community=community, starts_on=starts_on, ends_on=ends_on, created_by=user)
    posts = Post.objects.filter(community=community, starts_on__lte=ends_on).filter(Q(ends_on=None) | Q(ends_on__gte=starts_on))
    patterns = list(Pattern.objects.filter(post__in=posts).select_related("post"))
    if not patterns:
        raise ValidationError({"posts": [_("No post has shifts yet: add a post and its shifts first.")]})
    Shift.objects.bulk_create([
        Shift(roster=roster, post=p.post, day=day, start=p.start, hours=p.hours, headcount=p.headcount, needs_health=p.needs_health,
              adults_only=p.adults_only, needs_experienced=p.needs_experienced)
        for day in roster.days for p in patterns
        if p.post.starts_on <= day and (p.post.ends_on is None or day <= p.post.ends_on)
    ])
    return roster


def team_named(community, name: str) -> Team | None:
    """Duty teams (临时党支部) are made by naming them when signing their members up."""
    name = name.strip()[:100]
    return Team.objects.get_or_create(community=community, name=name)[0] if name else None


def bands(raw: dict) -> frozenset:
    return frozenset((int(day), int(band)) for day, values in (raw or {}).items() for band in values)


def member(person: Person) -> solver.Member:
    everything = frozenset((d, b) for d in range(7) for b in range(solver.BANDS))
    return solver.Member(
        person.pk, person.name, health=person.health, level=person.level, minor=person.minor, new=person.is_new,
        available=bands(person.availability) if person.availability else everything, preferred=bands(person.preferred),
        max_hours=person.max_hours_week, team=person.team_id,
    )


def problem_for(roster: Roster) -> solver.Problem:
    people = Person.objects.filter(community=roster.community, active=True).filter(
        Q(dispatched_until=None) | Q(dispatched_until__gte=roster.starts_on))
    shifts = [
        solver.Shift(s.pk, s.post_id, s.post.name, s.day, s.start, s.hours, s.headcount, s.needs_health, s.adults_only, s.needs_experienced)
        for s in roster.shifts.select_related("post")
    ]
    pins = set(Assignment.objects.filter(shift__roster=roster, locked=True).values_list("person_id", "shift_id"))
    return solver.Problem([member(p) for p in people], shifts, rest_hours=roster.rest_hours, max_nights_in_row=roster.max_nights_in_row,
                          pins=pins, published={tuple(pair) for pair in roster.published}, seed=roster.seed)


def solve(roster: Roster, seconds: float = 10.0) -> solver.Solution:
    """Re-solves everything that is not locked; a locked assignment never moves."""
    found = solver.solve(problem_for(roster), seconds=seconds)
    with transaction.atomic():
        Assignment.objects.filter(shift__roster=roster, locked=False).delete()
        locked = set(Assignment.objects.filter(shift__roster=roster).values_list("person_id", "shift_id"))
        Assignment.objects.bulk_create([Assignment(person_id=p, shift_id=s) for p, s in sorted(found.assignments) if (p, s) not in locked])
        roster.solved_at = timezone.now()
        roster.result = {
            "status": found.status, "objective": found.objective, "bound": found.bound, "shortfall": found.shortfall,
            "seconds": round(found.seconds, 2), "scores": found.scores,
            "explanations": [{"code": e.code, "params": {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in e.params.items()}}
                             for e in found.explanations],
        }
        roster.save(update_fields=["solved_at", "result"])
    return found


@transaction.atomic
def publish(roster: Roster) -> Roster:
    roster.published = sorted([list(pair) for pair in Assignment.objects.filter(shift__roster=roster).values_list("person_id", "shift_id")])
    roster.status, roster.published_at = Roster.Status.PUBLISHED, timezone.now()
    roster.save(update_fields=["published", "status", "published_at"])
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
    others = Assignment.objects.filter(person=person, shift__roster=shift.roster).exclude(shift=shift).select_related("shift")
    if any(solver.clash(as_solver(a.shift), as_solver(shift), shift.roster.rest_hours) for a in others):
        raise ValidationError({"person": [_("%(name)s is on another shift too close to this one.") % {"name": person.name}]})


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


def check(assignment: Assignment, out: bool = False) -> Assignment:
    """Check-in opens an hour before the shift; check-out needs a check-in."""
    now = timezone.now()
    if out:
        if assignment.checked_in_at is None:
            raise ValidationError(_("Check in first."))
        assignment.checked_out_at = now
    else:
        if assignment.checked_in_at is None and not assignment.can_check_in:
            raise ValidationError(_("Check-in opens an hour before the shift and closes at its end."))
        assignment.checked_in_at = assignment.checked_in_at or now
    assignment.save(update_fields=["checked_in_at", "checked_out_at"])
    return assignment


STATUSES = {
    "optimal": _("the best roster possible"),
    "feasible": _("a good roster (time ran out before proving it the best)"),
    "partial": _("some places could not be filled"),
    "greedy": _("filled shift by shift (the solver found nothing better in time)"),
    "unknown": _("no roster found in time"),
}
ROLES = {"district": _("district-level cadre"), "street": _("street-level cadre"), "health": _("health worker")}
NEEDS = {"health": _("health worker"), "experienced": _("experienced person"), "adults": _("adult enough for the night")}
REASONS = {
    "hour_cap": _("everyone free has reached their weekly hours"),
    "rest": _("everyone free would have less than the rest between shifts"),
    "nights_in_row": _("everyone free has had the most nights in a row"),
    "mix": _("the people left do not give the mix it needs"),
    "availability": _("nobody else can come at that time"),
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
        "more_than_exist": _("%(post)s, %(day)s %(time)s needs %(needed)s people, but only %(people)s are on duty in all."),
        "not_enough_available": _("%(post)s, %(day)s %(time)s needs %(needed)s people; only %(available)s can come at that time."),
        "no_health_available": _("%(post)s, %(day)s %(time)s needs a health worker; none can come at that time."),
        "no_experienced_available": _("%(post)s, %(day)s %(time)s needs someone experienced; everyone who can come is new."),
        "contradictory_mix": _("%(post)s, %(day)s %(time)s has one place but needs an experienced health worker, and there is none."),
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
