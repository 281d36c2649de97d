"""The duty roster, solved with OR-Tools CP-SAT. No Django: members, shifts and rules in,
assignments and explanations out; explanations are codes with parameters that the caller
words in the user's language.

Two stages, as measured in shared/RECIPES.md: first who works each time slot (a person x time
slot model, small enough for a first roster in well under a second), then, within each slot,
who stands at which post. The first stage carries the mix rules summed over the slot's posts
(health workers, adults, experienced people), so that the second nearly always fits.

Hard rules that cannot all be met are not a crash: every shortfall has a slack variable with
a large cost, the best partial roster is returned and each shortfall is explained.

What has happened stays: pinned assignments (locked by the coordinator, or kept because they
happened: a check-in, an approved swap, a shift that has started) are in every roster the
solver returns and count for rest, weekly hours and nights in a row; a frozen shift (one that
has started) keeps exactly its pinned people, and no one is added to it."""

from __future__ import annotations

import bisect
import datetime
import itertools
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ortools.sat.python import cp_model

BANDS = 6  # availability is given per weekday in six four-hour bands: 0-4, 4-8, ..., 20-24
NIGHT_BANDS = {0, 1, 5}  # a shift touching 20:00-08:00 counts as a night
SHORTFALL = 1000  # the cost of one person missing from a shift, or one mix rule unmet
WEIGHTS = {"nights": 10, "weekends": 5, "preferences": 1, "teams": 1, "changes": 20}

Band = tuple[int, int]  # (weekday, band)
Pair = tuple[int, int]  # (member id, shift id)
SlotKey = tuple[datetime.date, int, int]  # (day, start, hours): every post's shift at one time
Seat = tuple[int, SlotKey]  # a member working a time slot
Week = tuple[int, int]  # ISO year and week
# Told of each better roster while solving: seconds since the start, places and rules still unmet.
Progress = Callable[[float, int], None]

EVERYWHEN: frozenset[Band] = frozenset((d, b) for d in range(7) for b in range(BANDS))


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    health: bool = False  # a health professional
    level: str = ""  # dispatched cadre's level: "city", "district", "street", or ""
    minor: bool = False
    new: bool = False
    available: frozenset[Band] = EVERYWHEN
    preferred: frozenset[Band] = frozenset()  # bands they would rather have; empty: no preference
    max_hours: int = 40  # a week
    team: int | None = None


# Every day, at least one of each on duty somewhere in the community.
PRESENCE: dict[str, Callable[[Member], bool]] = {
    "district": lambda m: m.level == "district",
    "street": lambda m: m.level == "street",
    "health": lambda m: m.health,
}


@dataclass(frozen=True)
class Shift:
    """One post's shift on one day: `start` hour (0-23) and `hours` long, may cross midnight."""

    id: int
    post: int
    post_name: str
    day: datetime.date
    start: int
    hours: int
    headcount: int
    needs_health: bool = False
    adults_only: bool = False
    needs_experienced: bool = False

    @cached_property
    def begins(self) -> datetime.datetime:
        return datetime.datetime.combine(self.day, datetime.time(self.start))

    @cached_property
    def ends(self) -> datetime.datetime:
        return self.begins + datetime.timedelta(hours=self.hours)

    @property
    def slot(self) -> SlotKey:
        return (self.day, self.start, self.hours)

    @cached_property
    def bands(self) -> tuple[Band, ...]:
        """(weekday, band) pairs the shift touches."""
        touched: list[Band] = []
        hour = self.begins
        while hour < self.ends:
            key = (hour.weekday(), hour.hour // 4)
            if key not in touched:
                touched.append(key)
            hour += datetime.timedelta(hours=1)
        return tuple(touched)

    @cached_property
    def night(self) -> bool:
        return any(band in NIGHT_BANDS for _day, band in self.bands)

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= 5

    @cached_property
    def week(self) -> Week:
        year, week, _weekday = self.day.isocalendar()
        return (year, week)


@dataclass
class Problem:
    members: list[Member]
    shifts: list[Shift]
    rest_hours: int = 8
    max_nights_in_row: int = 3
    daily_presence: bool = True  # a district cadre, a street cadre and a health professional every day
    pins: set[Pair] = field(default_factory=set)  # assignments that stay: locked, or kept because they happened
    published: set[Pair] = field(default_factory=set)  # the roster in force
    frozen: set[int] = field(default_factory=set)  # shift ids that have started: their pins stand, no one is added
    seed: int = 2020


@dataclass(frozen=True)
class Explanation:
    code: str
    params: dict[str, Any]


@dataclass
class Solution:
    assignments: set[Pair]
    status: str  # optimal, feasible, partial (some shortfall), greedy, unknown (nothing found in time)
    objective: float = 0
    bound: float = 0
    shortfall: int = 0
    explanations: list[Explanation] = field(default_factory=list)
    first_roster_seconds: float | None = None  # until the first roster without shortfall
    seconds: float = 0
    scores: dict[str, int] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return 0.0 if not self.objective else abs(self.objective - self.bound) / abs(self.objective)


def open_shifts(problem: Problem) -> list[Shift]:
    """The shifts the solver may still fill: of some length, and not started."""
    return [s for s in problem.shifts if s.hours > 0 and s.id not in problem.frozen]


def open_days(problem: Problem) -> list[datetime.date]:
    """Days with a shift still to fill: a day that is over keeps the presence it had."""
    return sorted({s.day for s in open_shifts(problem)})


def check(problem: Problem) -> list[Explanation]:
    """Reasons a roster cannot be complete, found before solving, in the coordinator's terms."""
    found: list[Explanation] = []
    people = problem.members
    by_post: dict[int, list[Shift]] = defaultdict(list)
    for shift in problem.shifts:
        by_post[shift.post].append(shift)
        if shift.id in problem.frozen:
            continue
        where = {"post": shift.post_name, "day": shift.day, "start": shift.start, "hours": shift.hours}
        if shift.hours <= 0:
            found.append(Explanation("zero_hours", where))
            continue
        if shift.headcount > len(people):
            found.append(Explanation("more_than_exist", where | {"needed": shift.headcount, "people": len(people)}))
        able = [m for m in people if usable(m, shift)]
        if len(able) < shift.headcount:
            found.append(
                Explanation("not_enough_available", where | {"needed": shift.headcount, "available": len(able)})
            )
        if shift.needs_health and not any(m.health for m in able):
            found.append(Explanation("no_health_available", where))
        if shift.needs_experienced and not any(not m.new for m in able):
            found.append(Explanation("no_experienced_available", where))
        if (
            shift.headcount == 1
            and shift.needs_health
            and shift.needs_experienced
            and not any(m.health and not m.new for m in people)
        ):
            found.append(Explanation("contradictory_mix", where))
    for post_shifts in by_post.values():
        ordered = sorted(post_shifts, key=lambda s: s.begins)
        for a, b in itertools.pairwise(ordered):
            if b.begins < a.ends:
                found.append(
                    Explanation(
                        "overlapping_shifts",
                        {"post": a.post_name, "day": a.day, "start": a.start, "other_start": b.start},
                    )
                )
    if problem.daily_presence:
        for day in open_days(problem):
            todays = [s for s in problem.shifts if s.day == day and s.hours > 0]
            for role, test in PRESENCE.items():
                if not any(test(m) and usable(m, s) for m in people for s in todays):
                    found.append(Explanation("no_presence", {"day": day, "role": role}))
    return found


def usable(member: Member, shift: Shift) -> bool:
    return (
        shift.hours > 0
        and all(band in member.available for band in shift.bands)
        and not (member.minor and shift.adults_only)
    )


class Watcher(cp_model.CpSolverSolutionCallback):
    """Notes when the first roster without any shortfall appears, and tells `progress` of each
    better roster (CP-SAT calls it on the solving thread when it runs one worker)."""

    def __init__(self, shortfall: cp_model.IntVar, started: float, progress: Progress | None) -> None:
        super().__init__()
        self.shortfall, self.started, self.progress = shortfall, started, progress
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        missing = self.value(self.shortfall)
        elapsed = time.perf_counter() - self.started
        if self.first is None and missing == 0:
            self.first = elapsed
        if self.progress is not None:
            self.progress(elapsed, missing)


def solve(
    problem: Problem, seconds: float = 20.0, workers: int = 1, gap: float = 0.01, progress: Progress | None = None
) -> Solution:
    started = time.perf_counter()
    explanations = check(problem)
    shifts = [s for s in problem.shifts if s.hours > 0]
    slots: dict[SlotKey, list[Shift]] = defaultdict(list)
    for shift in shifts:
        slots[shift.slot].append(shift)
    slot_keys = sorted(slots, key=lambda k: (k[0], k[1]))
    members = {m.id: m for m in problem.members}
    by_id = {s.id: s for s in shifts}
    pins = {(mid, sid) for mid, sid in problem.pins if sid in by_id and mid in members}
    pinned_slots = {(mid, by_id[sid].slot) for mid, sid in pins}
    pinned_on = Counter(sid for _mid, sid in pins)
    published_slots = {(mid, by_id[sid].slot) for mid, sid in problem.published if sid in by_id}
    # A started shift keeps its pinned people and takes no one else; an open one at least its headcount.
    seats = {s.id: pinned_on[s.id] if s.id in problem.frozen else max(s.headcount, pinned_on[s.id]) for s in shifts}

    model = cp_model.CpModel()
    x: dict[Seat, cp_model.IntVar] = {}
    for key in slot_keys:
        open_here = [s for s in slots[key] if s.id not in problem.frozen]
        for m in problem.members:
            fits_slot = (
                bool(open_here)
                and all(b in m.available for b in open_here[0].bands)
                and not (m.minor and all(s.adults_only for s in open_here))
            )
            if fits_slot or (m.id, key) in pinned_slots:
                x[m.id, key] = model.new_bool_var("")
    shortfalls: list[tuple[cp_model.IntVar, Callable[[set[Seat]], int]]] = []
    # Every variable other than x follows from the x chosen; each is kept with how to work it
    # out, so that a starting roster can be hinted in full (a complete hint is a roster the
    # solver holds from its first moment; a partial one it must first complete).
    derived: list[tuple[cp_model.IntVar, Callable[[set[Seat]], int]]] = []

    def at_least(keys: list[Seat], needed: int) -> None:
        if needed <= 0:
            return
        slack = model.new_int_var(0, needed, "")
        model.add(sum(x[k] for k in keys) + slack >= needed)
        shortfalls.append((slack, missing_from(keys, needed)))

    in_slot: dict[SlotKey, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (mid, key), var in x.items():
        in_slot[key].append((mid, var))
    for key in slot_keys:
        here = [s for s in slots[key] if s.id not in problem.frozen]
        working = [(mid, key) for mid, _v in in_slot[key]]
        total = sum(seats[s.id] for s in slots[key])
        slack = model.new_int_var(0, total, "")
        model.add(sum(x[k] for k in working) + slack == total)
        shortfalls.append((slack, missing_from(working, total)))
        at_least([k for k in working if members[k[0]].health], sum(1 for s in here if s.needs_health))
        at_least([k for k in working if not members[k[0]].new], sum(1 for s in here if s.needs_experienced))
        at_least([k for k in working if not members[k[0]].minor], sum(s.headcount for s in here if s.adults_only))
    by_member: dict[int, list[tuple[SlotKey, cp_model.IntVar]]] = defaultdict(list)
    for (mid, key), var in x.items():
        by_member[mid].append((key, var))
    rest = datetime.timedelta(hours=problem.rest_hours)
    for mid, own in by_member.items():
        own.sort(key=lambda kv: (kv[0][0], kv[0][1]))
        for i, (a, va) in enumerate(own):
            # The slots starting before this one's end plus the rest clash with it; when they
            # also clash with each other, one "at most one" says it all (and propagates better).
            window = [(a, va)]
            for b, vb in own[i + 1 :]:
                if slots[b][0].begins >= slots[a][0].ends + rest:
                    break
                window.append((b, vb))
            if len(window) == 1:
                continue
            kept = [k for k, _v in window if (mid, k) in pinned_slots]
            if len(kept) < 2 and all(
                clash(slots[p][0], slots[q][0], problem.rest_hours)
                for j, (p, _v) in enumerate(window)
                for q, _w in window[j + 1 :]
            ):
                model.add_at_most_one([v for _k, v in window])  # one post at a time, and rest between shifts
            else:
                # Two kept assignments too close together happened: they stay, nothing joins them.
                for b, vb in window[1:]:
                    if not ((mid, a) in pinned_slots and (mid, b) in pinned_slots):
                        model.add_bool_or([~va, ~vb])
        weeks: dict[Week, list[tuple[SlotKey, cp_model.IntVar]]] = defaultdict(list)
        nights: dict[datetime.date, list[SlotKey]] = defaultdict(list)
        for key, var in own:
            weeks[slots[key][0].week].append((key, var))
            if slots[key][0].night:
                nights[key[0]].append(key)
        for in_week in weeks.values():
            kept_hours = sum(key[2] for key, _v in in_week if (mid, key) in pinned_slots)
            model.add(sum(key[2] * var for key, var in in_week) <= max(members[mid].max_hours, kept_hours))
        if nights:
            night_of: dict[datetime.date, cp_model.IntVar] = {}
            kept_night: set[datetime.date] = set()
            for day, keys in nights.items():
                n = model.new_bool_var("")
                for key in keys:
                    model.add_implication(x[mid, key], n)
                    if (mid, key) in pinned_slots:
                        kept_night.add(day)
                derived.append((n, any_of([(mid, k) for k in keys])))
                night_of[day] = n
            first, last = min(night_of), max(night_of)
            run = problem.max_nights_in_row + 1
            day = first
            while day + datetime.timedelta(days=run - 1) <= last:
                days = [day + datetime.timedelta(days=i) for i in range(run)]
                if all(d in night_of for d in days):
                    model.add(
                        sum(night_of[d] for d in days)
                        <= max(problem.max_nights_in_row, sum(1 for d in days if d in kept_night))
                    )
                day += datetime.timedelta(days=1)
    for seat in pinned_slots:
        model.add(x[seat] == 1)
    if problem.daily_presence:
        for day in open_days(problem):
            todays = [(mid, key) for key in slot_keys if key[0] == day for mid, _v in in_slot[key]]
            for test in PRESENCE.values():
                at_least([k for k in todays if test(members[k[0]])], 1)

    # Soft: fairness of nights and weekends (the most anyone gets, bounded below so that the
    # solver can prove it), preferences, teams on the same shifts, changes to the published roster.
    soft: dict[str, cp_model.LinearExpr] = {}
    kinds: dict[str, Callable[[SlotKey], bool]] = {
        "nights": lambda key: slots[key][0].night,
        "weekends": lambda key: slots[key][0].weekend,
    }
    for name, counts in kinds.items():
        demand = sum(s.headcount for key in slot_keys if counts(key) for s in slots[key])
        eligible = [mid for mid, own in by_member.items() if any(counts(k) for k, _v in own)]
        if not demand or not eligible:
            continue
        floor = min(demand, math.ceil(demand / len(eligible)))
        most = model.new_int_var(floor, demand, "")
        counted = [[(mid, k) for k, _v in by_member[mid] if counts(k)] for mid in eligible]
        for own_seats in counted:
            model.add(sum(x[k] for k in own_seats) <= most)
        derived.append((most, most_of(counted, floor)))
        soft[name] = most
    unwanted = [
        v
        for (mid, key), v in x.items()
        if members[mid].preferred and not all(b in members[mid].preferred for b in slots[key][0].bands)
    ]
    if unwanted:
        soft["preferences"] = cp_model.LinearExpr.sum(unwanted)
    teams: dict[int, list[int]] = defaultdict(list)
    for m in problem.members:
        if m.team is not None:
            teams[m.team].append(m.id)
    # A team member on a slot without a teammate counts once: teams stay together where they
    # can, and the bound of 0 is one the solver can reach and prove.
    alone: list[cp_model.IntVar] = []
    for team_members in teams.values():
        for key in slot_keys:
            present = [(mid, x[mid, key]) for mid in team_members if (mid, key) in x]
            if len(present) == 1:
                alone.append(present[0][1])
                continue
            for mid, var in present:
                lonely = model.new_bool_var("")
                model.add(lonely >= var - sum(v for other, v in present if other != mid))
                derived.append((lonely, alone_in((mid, key), [(other, key) for other, _v in present if other != mid])))
                alone.append(lonely)
    if alone:
        soft["teams"] = cp_model.LinearExpr.sum(alone)
    if published_slots:
        changes = [~v for (mid, key), v in x.items() if (mid, key) in published_slots]
        changes += [v for (mid, key), v in x.items() if (mid, key) not in published_slots]
        soft["changes"] = cp_model.LinearExpr.sum(changes)
    shortfall = model.new_int_var(0, sum(seats.values()) * 10 + 10 * len(slot_keys), "")
    model.add(shortfall == sum(var for var, _f in shortfalls))
    derived += shortfalls
    derived.append((shortfall, lambda chosen: sum(f(chosen) for _v, f in shortfalls)))

    # Start from the greedy roster: the solver improves a complete roster instead of
    # searching for one, which is what a coordinator waiting at the screen needs first.
    baseline = greedy(problem)
    start = {(mid, by_id[sid].slot) for mid, sid in baseline.assignments} if not problem.published else published_slots
    chosen = (start | pinned_slots) & x.keys()
    for seat, var in x.items():
        model.add_hint(var, seat in chosen)
    for var, value in derived:
        model.add_hint(var, value(chosen))
    model.minimize(
        cp_model.LinearExpr.weighted_sum([shortfall, *soft.values()], [SHORTFALL, *(WEIGHTS[k] for k in soft)])
    )
    watcher = Watcher(shortfall, started, progress)
    solver = configured(problem, workers, seconds, gap)
    status = solver.solve(model, watcher)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Nothing better in time: the greedy roster the search started from is still a roster.
        return Solution(
            baseline.assignments,
            "greedy",
            objective=baseline.objective,
            shortfall=baseline.shortfall,
            explanations=explanations
            + (explain_shortfalls(problem, {}, baseline.assignments) if baseline.shortfall else []),
            seconds=time.perf_counter() - started,
        )
    working_in = {key: [mid for mid, v in in_slot[key] if solver.value(v)] for key in slot_keys}
    assignments, unplaced = place(problem, slots, working_in, members)
    missing = solver.value(shortfall)
    if missing or unplaced:
        explanations += explain_shortfalls(problem, working_in, assignments)
    return Solution(
        assignments=assignments,
        status="partial" if missing or unplaced else ("optimal" if status == cp_model.OPTIMAL else "feasible"),
        objective=solver.objective_value,
        bound=solver.best_objective_bound,
        shortfall=missing + unplaced,
        explanations=explanations,
        first_roster_seconds=watcher.first,
        seconds=time.perf_counter() - started,
        scores={k: int(solver.value(v)) for k, v in soft.items()},
    )


def missing_from(seats: list[Seat], needed: int) -> Callable[[set[Seat]], int]:
    return lambda chosen: max(0, needed - sum(1 for k in seats if k in chosen))


def any_of(seats: list[Seat]) -> Callable[[set[Seat]], int]:
    return lambda chosen: int(any(k in chosen for k in seats))


def most_of(groups: list[list[Seat]], floor: int) -> Callable[[set[Seat]], int]:
    return lambda chosen: max([floor] + [sum(1 for k in group if k in chosen) for group in groups])


def alone_in(seat: Seat, teammates: list[Seat]) -> Callable[[set[Seat]], int]:
    return lambda chosen: int(seat in chosen and not any(k in chosen for k in teammates))


def configured(problem: Problem, workers: int, seconds: float, gap: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    # Presolve spent longer than it saved on these models (tent case 2.4 s -> 1.6 s, the
    # street's first roster 1.2 s -> 0.7 s, same objectives).
    solver.parameters.cp_model_presolve = False
    solver.parameters.random_seed = problem.seed
    solver.parameters.relative_gap_limit = gap
    if workers == 1:
        # One worker with a deterministic time budget: the same input and seed give the same
        # roster on any machine. More workers are faster and may differ from run to run.
        solver.parameters.max_deterministic_time = seconds
    else:
        solver.parameters.max_time_in_seconds = seconds
    return solver


def place(
    problem: Problem,
    slots: dict[SlotKey, list[Shift]],
    working_in: dict[SlotKey, list[int]],
    members: dict[int, Member],
) -> tuple[set[Pair], int]:
    """Second stage: within each time slot, who stands at which post. Pins stand first, then
    the published posts where they can; health, experienced and adult needs are met next."""
    pins = set(problem.pins)
    pinned_on = Counter(sid for _mid, sid in pins)
    assignments: set[Pair] = set()
    unplaced = 0
    for key, people in working_in.items():
        posts = sorted(slots[key], key=lambda s: s.id)
        seats = {s.id: pinned_on[s.id] if s.id in problem.frozen else max(s.headcount, pinned_on[s.id]) for s in posts}
        left = list(people)

        def seat(mid: int, shift: Shift) -> None:
            assignments.add((mid, shift.id))
            seats[shift.id] -= 1
            left.remove(mid)

        for preferred in (sorted(pins), sorted(problem.published)):
            for mid, sid in preferred:
                shift = next((s for s in posts if s.id == sid), None)
                if shift and mid in left and seats[sid] > 0 and ((mid, sid) in pins or fits(members[mid], shift)):
                    seat(mid, shift)
        for need in ("needs_health", "needs_experienced"):
            for shift in posts:
                if (
                    getattr(shift, need)
                    and seats[shift.id] > 0
                    and not any(sid == shift.id and meets(members[m], need) for m, sid in assignments)
                ):
                    candidate = next((m for m in left if meets(members[m], need) and fits(members[m], shift)), None)
                    if candidate is not None:
                        seat(candidate, shift)
        for shift in posts:
            while seats[shift.id] > 0:
                candidate = next((m for m in left if fits(members[m], shift)), None)
                if candidate is None:
                    break
                seat(candidate, shift)
        unplaced += len(left)
    return assignments, unplaced


def meets(member: Member, need: str) -> bool:
    return member.health if need == "needs_health" else not member.new


def fits(member: Member, shift: Shift) -> bool:
    return not (member.minor and shift.adults_only)


def explain_shortfalls(
    problem: Problem, working_in: dict[SlotKey, list[int]], assignments: set[Pair]
) -> list[Explanation]:
    """For each gap the roster leaves, what it is and, for empty places, the rule that kept
    the available people away."""
    by_id = {s.id: s for s in problem.shifts}
    hours: dict[tuple[int, Week], int] = defaultdict(int)
    for mid, sid in assignments:
        hours[mid, by_id[sid].week] += by_id[sid].hours
    found = []
    for what, where, _n in gaps(problem, assignments):
        if what == "mix":
            found.append(Explanation("mix_short", where))
            continue
        if what == "presence":
            found.append(Explanation("presence_short", where))
            continue
        shift = by_id[where.pop("shift")]
        reasons: Counter[str] = Counter()
        for m in problem.members:
            if not usable(m, shift) or m.id in working_in.get(shift.slot, []):
                continue
            if hours[m.id, shift.week] + shift.hours > m.max_hours:
                reasons["hour_cap"] += 1
            elif any(clash(shift, by_id[sid], problem.rest_hours) for mid, sid in assignments if mid == m.id):
                reasons["rest"] += 1
            else:
                reasons["nights_in_row" if shift.night else "mix"] += 1
        found.append(
            Explanation("short", where | {"reason": reasons.most_common(1)[0][0] if reasons else "availability"})
        )
    return found


def clash(a: Shift, b: Shift, rest_hours: int) -> bool:
    first, second = (a, b) if a.begins <= b.begins else (b, a)
    return second.begins < first.ends + datetime.timedelta(hours=rest_hours)


def greedy(problem: Problem) -> Solution:
    """The baseline a coordinator with a spreadsheet would reach: the pinned assignments first,
    then shift by shift in time order, the available person with the fewest hours who breaks no rule."""
    started = time.perf_counter()
    members = {m.id: m for m in problem.members}
    shifts = {s.id: s for s in problem.shifts if s.hours > 0}
    assignments: set[Pair] = set()
    hours: dict[tuple[int, Week], int] = defaultdict(int)
    taken: dict[int, list[Shift]] = defaultdict(list)  # in order of their start
    nights: dict[int, set[datetime.date]] = defaultdict(set)
    present: dict[datetime.date, set[str]] = defaultdict(set)  # the daily presence roles already on duty
    rest = datetime.timedelta(hours=problem.rest_hours)

    def seat(mid: int, shift: Shift) -> None:
        assignments.add((mid, shift.id))
        hours[mid, shift.week] += shift.hours
        own = taken[mid]
        if own and own[-1].begins > shift.begins:  # a pin later on: keep them in order
            bisect.insort(own, shift, key=lambda s: s.begins)
        else:
            own.append(shift)
        if shift.night:
            nights[mid].add(shift.day)
        present[shift.day] |= {role for role, test in PRESENCE.items() if test(members[mid])}

    pinned_on: dict[int, list[int]] = defaultdict(list)
    for mid, sid in sorted(problem.pins):
        if mid in members and sid in shifts:
            seat(mid, shifts[sid])
            pinned_on[sid].append(mid)
    short = 0
    for shift in sorted((s for s in shifts.values() if s.id not in problem.frozen), key=lambda s: (s.begins, s.id)):
        seated = list(pinned_on[shift.id])
        pinned = len(seated)
        needs = [
            need
            for need in ("needs_health", "needs_experienced")
            if getattr(shift, need) and not any(meets(members[mid], need) for mid in seated)
        ]
        missing = PRESENCE.keys() - present[shift.day] if problem.daily_presence else set()
        earliest = shift.begins - datetime.timedelta(hours=24) - rest  # no shift starting before can reach this one
        # Presence still missing today first; health workers kept for the shifts that need them.
        candidates = sorted(
            problem.members,
            key=lambda m: (
                not any(PRESENCE[r](m) for r in missing),
                m.health and not shift.needs_health,
                hours[m.id, shift.week],
                m.id,
            ),
        )

        def allowed(m: Member) -> bool:
            if not usable(m, shift) or m.id in seated or hours[m.id, shift.week] + shift.hours > m.max_hours:
                return False
            for other in reversed(taken[m.id]):  # in order of their start: only the latest few can be near
                if other.begins < earliest:
                    break
                if clash(shift, other, problem.rest_hours):
                    return False
            if shift.night:
                return nights_in_row(nights[m.id], shift.day) <= problem.max_nights_in_row
            return True

        added = []
        for need in needs:
            pick = next((m for m in candidates if allowed(m) and meets(m, need)), None)
            if pick:
                seated.append(pick.id)
                added.append(pick.id)
        while len(seated) < shift.headcount:
            pick = next((m for m in candidates if allowed(m)), None)
            if pick is None:
                break
            seated.append(pick.id)
            added.append(pick.id)
        # Two needs can pick two people for one place: the shift still takes only its headcount.
        added = added[: max(0, shift.headcount - pinned)]
        short += max(0, shift.headcount - pinned - len(added))
        for mid in added:
            seat(mid, shift)
    return Solution(
        assignments,
        "partial" if short else "feasible",
        objective=score(problem, assignments),
        shortfall=short,
        seconds=time.perf_counter() - started,
    )


def nights_in_row(nights: set[datetime.date], day: datetime.date) -> int:
    """How many nights in a row there would be with a night on `day` too."""
    before = after = 0
    while day - datetime.timedelta(days=before + 1) in nights:
        before += 1
    while day + datetime.timedelta(days=after + 1) in nights:
        after += 1
    return before + 1 + after


def gaps(problem: Problem, assignments: Iterable[Pair]) -> list[tuple[str, dict[str, Any], int]]:
    """What a roster leaves undone on the shifts still open: (what, where, how many) for places,
    mix rules and daily presence."""
    shifts = {s.id: s for s in problem.shifts if s.hours > 0}
    members = {m.id: m for m in problem.members}
    seated: dict[int, list[Member]] = defaultdict(list)
    for mid, sid in assignments:
        if mid in members:
            seated[sid].append(members[mid])
    found: list[tuple[str, dict[str, Any], int]] = []
    slots: dict[SlotKey, list[Shift]] = defaultdict(list)
    for shift in open_shifts(problem):
        where = {"post": shift.post_name, "day": shift.day, "start": shift.start, "hours": shift.hours}
        if len(seated[shift.id]) < shift.headcount:
            found.append(
                (
                    "places",
                    where | {"shift": shift.id, "needed": shift.headcount, "seated": len(seated[shift.id])},
                    shift.headcount - len(seated[shift.id]),
                )
            )
        slots[shift.slot].append(shift)
    for here in slots.values():
        people = [m for s in here for m in seated[s.id]]
        where = {
            "post": "、".join(s.post_name for s in here),
            "day": here[0].day,
            "start": here[0].start,
            "hours": here[0].hours,
        }
        for need, wanted, have in (
            ("health", sum(1 for s in here if s.needs_health), sum(1 for m in people if m.health)),
            ("experienced", sum(1 for s in here if s.needs_experienced), sum(1 for m in people if not m.new)),
            ("adults", sum(s.headcount for s in here if s.adults_only), sum(1 for m in people if not m.minor)),
        ):
            if have < wanted:
                found.append(("mix", where | {"need": need}, wanted - have))
    if problem.daily_presence:
        for day in open_days(problem):
            todays = [m for s in shifts.values() if s.day == day for m in seated[s.id]]
            for role, test in PRESENCE.items():
                if not any(test(m) for m in todays):
                    found.append(("presence", {"day": day, "role": role}, 1))
    return found


def score(problem: Problem, assignments: set[Pair]) -> float:
    """The solver's objective for any roster (shortfalls included), so that rosters made
    otherwise compare with it."""
    shifts = {s.id: s for s in problem.shifts if s.hours > 0}
    members = {m.id: m for m in problem.members}
    short = sum(n for _what, _where, n in gaps(problem, assignments))
    counts: dict[str, Counter[int]] = {"nights": Counter(), "weekends": Counter()}
    unwanted = 0
    together: Counter[tuple[int, SlotKey]] = Counter()
    for mid, sid in assignments:
        shift = shifts[sid]
        if shift.night:
            counts["nights"][mid] += 1
        if shift.weekend:
            counts["weekends"][mid] += 1
        if members[mid].preferred and not all(b in members[mid].preferred for b in shift.bands):
            unwanted += 1
        team = members[mid].team
        if team is not None:
            together[team, shift.slot] += 1
    soft = WEIGHTS["nights"] * max(counts["nights"].values(), default=0) + WEIGHTS["weekends"] * max(
        counts["weekends"].values(), default=0
    )
    alone = sum(1 for n in together.values() if n == 1)
    return SHORTFALL * short + soft + WEIGHTS["preferences"] * unwanted + WEIGHTS["teams"] * alone
