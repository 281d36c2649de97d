"""The duty roster, solved with OR-Tools CP-SAT. No Django: members, shifts and rules in,
assignments and explanations out; explanations are codes with parameters that the caller
words in the user's language.

Two stages, as measured in shared/RECIPES.md: first who works each time slot (a person x time
slot model, small enough for a first roster in well under a second), then, within each slot,
who stands at which post. The first stage carries the mix rules summed over the slot's posts
(health workers, adults, experienced people), so that the second nearly always fits.

Hard rules that cannot all be met are not a crash: every shortfall has a slack variable with
a large cost, the best partial roster is returned and each shortfall is explained."""

from __future__ import annotations

import datetime
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from ortools.sat.python import cp_model

BANDS = 6  # availability is given per weekday in six four-hour bands: 0-4, 4-8, ..., 20-24
NIGHT_BANDS = {0, 1, 5}  # a shift touching 20:00-08:00 counts as a night
SHORTFALL = 1000  # the cost of one person missing from a shift, or one mix rule unmet
WEIGHTS = {"nights": 10, "weekends": 5, "preferences": 1, "teams": 1, "changes": 20}
# Every day, at least one of each on duty somewhere in the community.
PRESENCE = {"district": lambda m: m.level == "district", "street": lambda m: m.level == "street", "health": lambda m: m.health}


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    health: bool = False  # a health professional
    level: str = ""  # dispatched cadre's level: "city", "district", "street", or ""
    minor: bool = False
    new: bool = False
    available: frozenset = frozenset((d, b) for d in range(7) for b in range(BANDS))  # (weekday, band)
    preferred: frozenset = frozenset()  # bands they would rather have; empty: no preference
    max_hours: int = 40  # a week
    team: int | None = None


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
    def slot(self) -> tuple[datetime.date, int, int]:
        return (self.day, self.start, self.hours)

    @cached_property
    def bands(self) -> tuple[tuple[int, int], ...]:
        """(weekday, band) pairs the shift touches."""
        touched, hour = [], self.begins
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


@dataclass
class Problem:
    members: list[Member]
    shifts: list[Shift]
    rest_hours: int = 8
    max_nights_in_row: int = 3
    daily_presence: bool = True  # a district cadre, a street cadre and a health professional every day
    pins: set = field(default_factory=set)  # {(member id, shift id)} locked by the coordinator
    published: set = field(default_factory=set)  # {(member id, shift id)} of the roster in force
    seed: int = 2020


@dataclass(frozen=True)
class Explanation:
    code: str
    params: dict


@dataclass
class Solution:
    assignments: set  # {(member id, shift id)}
    status: str  # optimal, feasible, partial (some shortfall), unknown (nothing found in time)
    objective: float = 0
    bound: float = 0
    shortfall: int = 0
    explanations: list[Explanation] = field(default_factory=list)
    first_roster_seconds: float | None = None  # until the first roster without shortfall
    seconds: float = 0
    scores: dict = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return 0.0 if not self.objective else abs(self.objective - self.bound) / abs(self.objective)


def check(problem: Problem) -> list[Explanation]:
    """Reasons a roster cannot be complete, found before solving, in the coordinator's terms."""
    found: list[Explanation] = []
    people = problem.members
    by_post: dict[int, list[Shift]] = defaultdict(list)
    for shift in problem.shifts:
        by_post[shift.post].append(shift)
        where = {"post": shift.post_name, "day": shift.day, "start": shift.start, "hours": shift.hours}
        if shift.hours <= 0:
            found.append(Explanation("zero_hours", where))
            continue
        if shift.headcount > len(people):
            found.append(Explanation("more_than_exist", where | {"needed": shift.headcount, "people": len(people)}))
        able = [m for m in people if usable(m, shift)]
        if len(able) < shift.headcount:
            found.append(Explanation("not_enough_available", where | {"needed": shift.headcount, "available": len(able)}))
        if shift.needs_health and not any(m.health for m in able):
            found.append(Explanation("no_health_available", where))
        if shift.needs_experienced and not any(not m.new for m in able):
            found.append(Explanation("no_experienced_available", where))
        if shift.headcount == 1 and shift.needs_health and shift.needs_experienced and not any(m.health and not m.new for m in people):
            found.append(Explanation("contradictory_mix", where))
    for post_shifts in by_post.values():
        ordered = sorted(post_shifts, key=lambda s: s.begins)
        for a, b in zip(ordered, ordered[1:]):
            if b.begins < a.ends:
                found.append(Explanation("overlapping_shifts", {"post": a.post_name, "day": a.day, "start": a.start, "other_start": b.start}))
    if problem.daily_presence:
        for day in sorted({s.day for s in problem.shifts}):
            todays = [s for s in problem.shifts if s.day == day and s.hours > 0]
            for role, test in PRESENCE.items():
                if not any(test(m) and usable(m, s) for m in people for s in todays):
                    found.append(Explanation("no_presence", {"day": day, "role": role}))
    return found


def usable(member: Member, shift: Shift) -> bool:
    return shift.hours > 0 and all(band in member.available for band in shift.bands) and not (member.minor and shift.adults_only)


class FirstRoster(cp_model.CpSolverSolutionCallback):
    """Notes when the first roster without any shortfall appears."""

    def __init__(self, shortfall, started: float):
        super().__init__()
        self.shortfall, self.started, self.first = shortfall, started, None

    def on_solution_callback(self) -> None:
        if self.first is None and self.Value(self.shortfall) == 0:
            self.first = time.perf_counter() - self.started


def solve(problem: Problem, seconds: float = 20.0, workers: int = 1, gap: float = 0.01) -> Solution:
    started = time.perf_counter()
    explanations = check(problem)
    shifts = [s for s in problem.shifts if s.hours > 0]
    slots: dict[tuple, list[Shift]] = defaultdict(list)
    for shift in shifts:
        slots[shift.slot].append(shift)
    slot_keys = sorted(slots, key=lambda k: (k[0], k[1]))
    members = {m.id: m for m in problem.members}
    by_id = {s.id: s for s in shifts}
    pinned_slots = {(m, by_id[sid].slot) for m, sid in problem.pins if sid in by_id}
    published_slots = {(m, by_id[sid].slot) for m, sid in problem.published if sid in by_id}

    model = cp_model.CpModel()
    x: dict[tuple[int, tuple], cp_model.IntVar] = {}
    for key in slot_keys:
        sample = slots[key][0]
        for m in problem.members:
            minor_ok = not (m.minor and all(s.adults_only for s in slots[key]))
            if (all(b in m.available for b in sample.bands) and minor_ok) or (m.id, key) in pinned_slots:
                x[m.id, key] = model.NewBoolVar("")
    shortfalls = []
    # Every variable other than x follows from the x chosen; each is kept with how to work it
    # out, so that a starting roster can be hinted in full (a complete hint is a roster the
    # solver holds from its first moment; a partial one it must first complete).
    derived: list[tuple[cp_model.IntVar, object]] = []

    def at_least(keys: list, needed: int):
        if needed <= 0:
            return
        slack = model.NewIntVar(0, needed, "")
        model.Add(sum(x[k] for k in keys) + slack >= needed)
        shortfalls.append((slack, lambda chosen: max(0, needed - sum(1 for k in keys if k in chosen))))

    in_slot: dict[tuple, list] = defaultdict(list)
    for (mid, key), var in x.items():
        in_slot[key].append((mid, var))
    for key in slot_keys:
        here = slots[key]
        working = [(mid, key) for mid, _v in in_slot[key]]
        total = sum(s.headcount for s in here)
        slack = model.NewIntVar(0, total, "")
        model.Add(sum(x[k] for k in working) + slack == total)
        shortfalls.append((slack, lambda chosen, working=working, total=total: max(0, total - sum(1 for k in working if k in chosen))))
        at_least([k for k in working if members[k[0]].health], sum(1 for s in here if s.needs_health))
        at_least([k for k in working if not members[k[0]].new], sum(1 for s in here if s.needs_experienced))
        at_least([k for k in working if not members[k[0]].minor], sum(s.headcount for s in here if s.adults_only))
    by_member: dict[int, list[tuple[tuple, cp_model.IntVar]]] = defaultdict(list)
    for (mid, key), var in x.items():
        by_member[mid].append((key, var))
    rest = datetime.timedelta(hours=problem.rest_hours)
    for mid, own in by_member.items():
        own.sort(key=lambda kv: (kv[0][0], kv[0][1]))
        for i, (a, va) in enumerate(own):
            # The slots starting before this one's end plus the rest clash with it; when they
            # also clash with each other, one "at most one" says it all (and propagates better).
            window = [(a, va)]
            for b, vb in own[i + 1:]:
                if slots[b][0].begins >= slots[a][0].ends + rest:
                    break
                window.append((b, vb))
            if len(window) == 1:
                continue
            if all(clash(slots[p][0], slots[q][0], problem.rest_hours) for j, (p, _v) in enumerate(window) for q, _w in window[j + 1:]):
                model.AddAtMostOne([v for _k, v in window])  # one post at a time, and rest between shifts
            else:
                for _b, vb in window[1:]:
                    model.AddBoolOr([va.Not(), vb.Not()])
        weeks: dict[tuple, list] = defaultdict(list)
        nights: dict[datetime.date, list] = defaultdict(list)
        for key, var in own:
            weeks[key[0].isocalendar()[:2]].append(key[2] * var)
            if slots[key][0].night:
                nights[key[0]].append(key)
        for hours in weeks.values():
            model.Add(sum(hours) <= members[mid].max_hours)
        if nights:
            night_of = {}
            for day, keys in nights.items():
                n = model.NewBoolVar("")
                for key in keys:
                    model.AddImplication(x[mid, key], n)
                derived.append((n, lambda chosen, mid=mid, keys=keys: int(any((mid, k) in chosen for k in keys))))
                night_of[day] = n
            first, last = min(night_of), max(night_of)
            run = problem.max_nights_in_row + 1
            day = first
            while day + datetime.timedelta(days=run - 1) <= last:
                window = [night_of[day + datetime.timedelta(days=i)] for i in range(run) if day + datetime.timedelta(days=i) in night_of]
                if len(window) == run:
                    model.Add(sum(window) <= problem.max_nights_in_row)
                day += datetime.timedelta(days=1)
    for mid, key in pinned_slots:
        if (mid, key) in x:
            model.Add(x[mid, key] == 1)
    if problem.daily_presence:
        for day in sorted({k[0] for k in slot_keys}):
            todays = [(mid, key) for key in slot_keys if key[0] == day for mid, _v in in_slot[key]]
            for test in PRESENCE.values():
                at_least([k for k in todays if test(members[k[0]])], 1)

    # Soft: fairness of nights and weekends (the most anyone gets, bounded below so that the
    # solver can prove it), preferences, teams on the same shifts, changes to the published roster.
    soft = {}
    for name, test in (("nights", lambda key: slots[key][0].night), ("weekends", lambda key: slots[key][0].weekend)):
        demand = sum(s.headcount for key in slot_keys if test(key) for s in slots[key])
        eligible = [mid for mid, own in by_member.items() if any(test(k) for k, _v in own)]
        if not demand or not eligible:
            continue
        floor = min(demand, math.ceil(demand / len(eligible)))
        most = model.NewIntVar(floor, demand, "")
        counted = {mid: [k for k, _v in by_member[mid] if test(k)] for mid in eligible}
        for mid, keys in counted.items():
            model.Add(sum(x[mid, k] for k in keys) <= most)
        derived.append((most, lambda chosen, counted=counted, floor=floor: max(
            [floor] + [sum(1 for k in keys if (mid, k) in chosen) for mid, keys in counted.items()])))
        soft[name] = most
    unwanted = [v for (mid, key), v in x.items() if members[mid].preferred and not all(b in members[mid].preferred for b in slots[key][0].bands)]
    if unwanted:
        soft["preferences"] = sum(unwanted)
    teams: dict[int, list[int]] = defaultdict(list)
    for m in problem.members:
        if m.team is not None:
            teams[m.team].append(m.id)
    # A team member on a slot without a teammate counts once: teams stay together where they
    # can, and the bound of 0 is one the solver can reach and prove.
    alone = []
    for team_members in teams.values():
        for key in slot_keys:
            present = [(mid, x[mid, key]) for mid in team_members if (mid, key) in x]
            if len(present) == 1:
                alone.append(present[0][1])
                continue
            for mid, var in present:
                lonely = model.NewBoolVar("")
                model.Add(lonely >= var - sum(v for other, v in present if other != mid))
                derived.append((lonely, lambda chosen, mid=mid, key=key, team=[m for m, _v in present]: int(
                    (mid, key) in chosen and not any((other, key) in chosen for other in team if other != mid))))
                alone.append(lonely)
    if alone:
        soft["teams"] = sum(alone)
    if published_slots:
        changes = [v.Not() for (mid, key), v in x.items() if (mid, key) in published_slots]
        changes += [v for (mid, key), v in x.items() if (mid, key) not in published_slots]
        soft["changes"] = sum(changes)
    shortfall = model.NewIntVar(0, sum(s.headcount for s in shifts) * 10 + 10 * len(slot_keys), "")
    model.Add(shortfall == sum(var for var, _f in shortfalls))
    derived += shortfalls
    derived.append((shortfall, lambda chosen: sum(f(chosen) for _v, f in shortfalls)))

    # Start from the greedy roster: the solver improves a complete roster instead of
    # searching for one, which is what a coordinator waiting at the screen needs first.
    baseline = greedy(problem)
    start = {(mid, by_id[sid].slot) for mid, sid in baseline.assignments} if not problem.published else published_slots
    chosen = (start | pinned_slots) & x.keys()
    for key, var in x.items():
        model.AddHint(var, key in chosen)
    for var, value in derived:
        model.AddHint(var, value(chosen))
    model.Minimize(SHORTFALL * shortfall + sum(WEIGHTS[k] * v for k, v in soft.items()))
    watcher = FirstRoster(shortfall, started)
    solver = configured(problem, workers, seconds, gap)
    status = solver.Solve(model, watcher)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Nothing better in time: the greedy roster the search started from is still a roster.
        return Solution(baseline.assignments, "greedy", objective=baseline.objective, shortfall=baseline.shortfall,
                        explanations=explanations + (explain_shortfalls(problem, {}, baseline.assignments)
                                                     if baseline.shortfall else []), seconds=time.perf_counter() - started)
    chosen = {key: [mid for mid, v in in_slot[key] if solver.Value(v)] for key in slot_keys}
    assignments, unplaced = place(problem, slots, chosen, members)
    missing = solver.Value(shortfall)
    if missing or unplaced:
        explanations += explain_shortfalls(problem, chosen, assignments)
    return Solution(
        assignments=assignments,
        status="partial" if missing or unplaced else ("optimal" if status == cp_model.OPTIMAL else "feasible"),
        objective=solver.ObjectiveValue(), bound=solver.BestObjectiveBound(), shortfall=missing + unplaced,
        explanations=explanations, first_roster_seconds=watcher.first, seconds=time.perf_counter() - started,
        scores={k: solver.Value(v) for k, v in soft.items()},
    )


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


def place(problem: Problem, slots: dict, chosen: dict, members: dict) -> tuple[set, int]:
    """Second stage: within each time slot, who stands at which post. Pins and the published
    post are kept where they can be; health, experienced and adult needs are met first."""
    pinned = {(mid, sid) for mid, sid in problem.pins}
    assignments, unplaced = set(), 0
    for key, people in chosen.items():
        posts = sorted(slots[key], key=lambda s: s.id)
        seats = {s.id: s.headcount for s in posts}
        left = list(people)

        def seat(mid: int, shift: Shift) -> None:
            assignments.add((mid, shift.id))
            seats[shift.id] -= 1
            left.remove(mid)

        for mid, sid in sorted(pinned | problem.published):
            shift = next((s for s in posts if s.id == sid), None)
            if shift and mid in left and seats[sid] > 0 and fits(members[mid], shift):
                seat(mid, shift)
        for need in ("needs_health", "needs_experienced"):
            for shift in posts:
                if getattr(shift, need) and seats[shift.id] > 0 and not any(
                        sid == shift.id and meets(members[m], need) for m, sid in assignments):
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


def explain_shortfalls(problem: Problem, chosen: dict, assignments: set) -> list[Explanation]:
    """For each gap the roster leaves, what it is and, for empty places, the rule that kept
    the available people away."""
    by_id = {s.id: s for s in problem.shifts}
    hours: dict[tuple, int] = defaultdict(int)
    for mid, sid in assignments:
        hours[mid, by_id[sid].day.isocalendar()[:2]] += by_id[sid].hours
    found = []
    for what, where, _n in gaps(problem, assignments):
        if what == "mix":
            found.append(Explanation("mix_short", where))
            continue
        if what == "presence":
            found.append(Explanation("presence_short", where))
            continue
        shift = by_id[where.pop("shift")]
        reasons: dict[str, int] = defaultdict(int)
        for m in problem.members:
            if not usable(m, shift) or m.id in chosen.get(shift.slot, []):
                continue
            if hours[m.id, shift.day.isocalendar()[:2]] + shift.hours > m.max_hours:
                reasons["hour_cap"] += 1
            elif any(clash(shift, by_id[sid], problem.rest_hours) for mid, sid in assignments if mid == m.id):
                reasons["rest"] += 1
            else:
                reasons["nights_in_row" if shift.night else "mix"] += 1
        found.append(Explanation("short", where | {"reason": max(reasons, key=reasons.get) if reasons else "availability"}))
    return found


def clash(a: Shift, b: Shift, rest_hours: int) -> bool:
    first, second = (a, b) if a.begins <= b.begins else (b, a)
    return second.begins < first.ends + datetime.timedelta(hours=rest_hours)


def greedy(problem: Problem) -> Solution:
    """The baseline a coordinator with a spreadsheet would reach: shift by shift in time order,
    the available person with the fewest hours who breaks no rule."""
    started = time.perf_counter()
    members = {m.id: m for m in problem.members}
    assignments: set = set()
    hours: dict[tuple, int] = defaultdict(int)
    taken: dict[int, list[Shift]] = defaultdict(list)
    nights: dict[int, set] = defaultdict(set)
    short = 0
    present: dict[datetime.date, set] = defaultdict(set)  # the daily presence roles already on duty
    for shift in sorted((s for s in problem.shifts if s.hours > 0), key=lambda s: (s.begins, s.id)):
        week = shift.day.isocalendar()[:2]
        needs = ["needs_health"] if shift.needs_health else []
        needs += ["needs_experienced"] if shift.needs_experienced else []
        seated = []
        missing = PRESENCE.keys() - present[shift.day] if problem.daily_presence else set()
        # Presence still missing today first; health workers kept for the shifts that need them.
        candidates = sorted(problem.members, key=lambda m: (not any(PRESENCE[r](m) for r in missing), m.health and not shift.needs_health,
                                                            hours[m.id, week], m.id))

        def allowed(m: Member) -> bool:
            if not usable(m, shift) or m.id in seated or hours[m.id, week] + shift.hours > m.max_hours:
                return False
            for other in reversed(taken[m.id]):  # in time order: only the latest few can be near
                if other.begins < shift.begins - datetime.timedelta(days=2):
                    break
                if clash(shift, other, problem.rest_hours):
                    return False
            if shift.night:
                run = [shift.day - datetime.timedelta(days=i) for i in range(1, problem.max_nights_in_row + 1)]
                return not all(d in nights[m.id] for d in run)
            return True

        for need in needs:
            pick = next((m for m in candidates if allowed(m) and meets(m, need)), None)
            if pick:
                seated.append(pick.id)
        while len(seated) < shift.headcount:
            pick = next((m for m in candidates if allowed(m)), None)
            if pick is None:
                break
            seated.append(pick.id)
        short += shift.headcount - len(seated)
        for mid in seated[: shift.headcount]:
            present[shift.day] |= {role for role, test in PRESENCE.items() if test(members[mid])}
            assignments.add((mid, shift.id))
            hours[mid, week] += shift.hours
            taken[mid].append(shift)
            if shift.night:
                nights[mid].add(shift.day)
    return Solution(assignments, "partial" if short else "feasible", objective=score(problem, assignments),
                    shortfall=short, seconds=time.perf_counter() - started)


def gaps(problem: Problem, assignments: set) -> list[tuple[str, dict, int]]:
    """What a roster leaves undone: (what, where, how many) for places, mix rules and daily presence."""
    shifts = {s.id: s for s in problem.shifts if s.hours > 0}
    members = {m.id: m for m in problem.members}
    seated: dict[int, list[Member]] = defaultdict(list)
    for mid, sid in assignments:
        seated[sid].append(members[mid])
    found = []
    slots: dict[tuple, list[Shift]] = defaultdict(list)
    for shift in shifts.values():
        where = {"post": shift.post_name, "day": shift.day, "start": shift.start, "hours": shift.hours}
        if len(seated[shift.id]) < shift.headcount:
            found.append(("places", where | {"shift": shift.id, "needed": shift.headcount, "seated": len(seated[shift.id])},
                          shift.headcount - len(seated[shift.id])))
        slots[shift.slot].append(shift)
    for here in slots.values():
        people = [m for s in here for m in seated[s.id]]
        where = {"post": "、".join(s.post_name for s in here), "day": here[0].day, "start": here[0].start, "hours": here[0].hours}
        for need, wanted, have in (
            ("health", sum(1 for s in here if s.needs_health), sum(1 for m in people if m.health)),
            ("experienced", sum(1 for s in here if s.needs_experienced), sum(1 for m in people if not m.new)),
            ("adults", sum(s.headcount for s in here if s.adults_only), sum(1 for m in people if not m.minor)),
        ):
            if have < wanted:
                found.append(("mix", where | {"need": need}, wanted - have))
    if problem.daily_presence:
        for day in sorted({s.day for s in shifts.values()}):
            todays = [m for s in shifts.values() if s.day == day for m in seated[s.id]]
            for role, test in PRESENCE.items():
                if not any(test(m) for m in todays):
                    found.append(("presence", {"day": day, "role": role}, 1))
    return found


def score(problem: Problem, assignments: set) -> float:
    """The solver's objective for any roster (shortfalls included), so that rosters made
    otherwise compare with it."""
    shifts = {s.id: s for s in problem.shifts if s.hours > 0}
    members = {m.id: m for m in problem.members}
    short = sum(n for _what, _where, n in gaps(problem, assignments))
    counts: dict[str, dict[int, int]] = {"nights": defaultdict(int), "weekends": defaultdict(int)}
    unwanted, together = 0, defaultdict(int)
    for mid, sid in assignments:
        shift = shifts[sid]
        if shift.night:
            counts["nights"][mid] += 1
        if shift.weekend:
            counts["weekends"][mid] += 1
        if members[mid].preferred and not all(b in members[mid].preferred for b in shift.bands):
            unwanted += 1
        if members[mid].team is not None:
            together[members[mid].team, shift.slot] += 1
    soft = WEIGHTS["nights"] * max(counts["nights"].values(), default=0) + WEIGHTS["weekends"] * max(counts["weekends"].values(), default=0)
    alone = sum(1 for n in together.values() if n == 1)
    return SHORTFALL * short + soft + WEIGHTS["preferences"] * unwanted + WEIGHTS["teams"] * alone
