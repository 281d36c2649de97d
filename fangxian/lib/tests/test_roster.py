import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangxian.lib import roster

MONDAY = datetime.date(2020, 2, 10)
EVERYWHEN = frozenset((d, b) for d in range(7) for b in range(roster.BANDS))


def gate(days=3, headcount=2, **mix):
    return [
        roster.Shift(day * 6 + k, 1, "南门", MONDAY + datetime.timedelta(days=day), k * 4, 4, headcount, **mix)
        for day in range(days)
        for k in range(6)
    ]


def crew(n=12, **extra):
    levels = ["district", "street"] + [""] * (n - 2)
    return [roster.Member(i, f"p{i}", health=i == 2, level=levels[i], **extra) for i in range(n)]


def problem(members=None, shifts=None, **kw):
    return roster.Problem(members if members is not None else crew(), shifts if shifts is not None else gate(), **kw)


def hard_rules_hold(p: roster.Problem, solution: roster.Solution) -> None:
    shifts = {s.id: s for s in p.shifts}
    members = {m.id: m for m in p.members}
    by_member = {}
    for mid, sid in solution.assignments:
        by_member.setdefault(mid, []).append(shifts[sid])
        assert all(b in members[mid].available for b in shifts[sid].bands) or (mid, sid) in p.pins
        assert not (members[mid].minor and shifts[sid].adults_only)
    for mid, own in by_member.items():
        own.sort(key=lambda s: s.begins)
        for a, b in zip(own, own[1:], strict=False):
            assert b.begins >= a.ends + datetime.timedelta(hours=p.rest_hours), (members[mid].name, a, b)
        weeks = {}
        for s in own:
            weeks[s.day.isocalendar()[:2]] = weeks.get(s.day.isocalendar()[:2], 0) + s.hours
        assert max(weeks.values()) <= members[mid].max_hours


def test_a_small_gate_is_covered_around_the_clock_within_every_rule():
    p = problem()
    solution = roster.solve(p, seconds=5)
    assert solution.shortfall == 0 and solution.status in ("optimal", "feasible")
    assert len(solution.assignments) == 3 * 6 * 2
    hard_rules_hold(p, solution)
    days = {s.day for s in p.shifts}
    on = {(next(s for s in p.shifts if s.id == sid).day, mid) for mid, sid in solution.assignments}
    for day in days:
        assert {mid for d, mid in on if d == day} >= {
            0,
            1,
            2,
        }  # district and street cadres and the health worker, daily


def test_the_same_input_and_seed_give_the_same_roster():
    assert roster.solve(problem(), seconds=3).assignments == roster.solve(problem(), seconds=3).assignments


def test_a_locked_assignment_never_moves():
    first = min(s.id for s in gate())
    p = problem(pins={(7, first), (8, first)})
    solution = roster.solve(p, seconds=5)
    assert {(7, first), (8, first)} <= solution.assignments
    assert not any(sid == first and mid not in (7, 8) for mid, sid in solution.assignments)


def test_no_one_under_18_at_night_and_a_health_worker_by_day():
    doctors = {2, 3, 4, 5}  # one health worker cannot stand the whole day: 8 hours of rest between shifts
    members = [roster.Member(m.id, m.name, health=m.id in doctors, level=m.level) for m in crew(14)] + [
        roster.Member(20, "少年", minor=True)
    ]
    shifts = [
        roster.Shift(
            i,
            s.post,
            s.post_name,
            s.day,
            s.start,
            s.hours,
            2,
            needs_health=8 <= s.start < 20,
            adults_only=s.start in (0, 20),
        )
        for i, s in enumerate(gate())
    ]
    p = problem(members, shifts)
    solution = roster.solve(p, seconds=5)
    by_id = {s.id: s for s in shifts}
    assert not any(mid == 20 and by_id[sid].adults_only for mid, sid in solution.assignments)
    for shift in shifts:
        if shift.needs_health:
            assert any(mid in doctors for mid, sid in solution.assignments if sid == shift.id)
    assert solution.shortfall == 0


def codes(solution):
    return {e.code for e in solution.explanations}


def test_a_post_needing_more_people_than_exist_is_explained_and_the_rest_filled():
    p = problem(crew(3), gate(days=1, headcount=4), daily_presence=False)
    solution = roster.solve(p, seconds=3)
    assert "more_than_exist" in codes(solution) and solution.status == "partial"
    assert solution.assignments  # the best partial roster still comes back
    hard_rules_hold(p, solution)


def test_availability_that_leaves_a_night_uncovered_is_explained():
    day_only = frozenset((d, b) for d in range(7) for b in (2, 3, 4))
    p = problem([roster.Member(i, f"p{i}", available=day_only) for i in range(10)], gate(days=1), daily_presence=False)
    solution = roster.solve(p, seconds=3)
    unavailable = [e for e in solution.explanations if e.code == "not_enough_available"]
    assert {e.params["start"] for e in unavailable} == {0, 4, 20} and unavailable[0].params["available"] == 0


def test_contradictory_mix_zero_hours_and_overlaps_are_explained_not_crashed():
    shifts = [
        roster.Shift(1, 1, "岗", MONDAY, 8, 4, 1, needs_health=True, needs_experienced=True),
        roster.Shift(2, 2, "巡逻", MONDAY, 8, 0, 1),
        roster.Shift(3, 3, "东门", MONDAY, 8, 6, 1),
        roster.Shift(4, 3, "东门", MONDAY, 12, 4, 1),
    ]
    members = [roster.Member(0, "医生", health=True, new=True), roster.Member(1, "老党员")]
    solution = roster.solve(problem(members, shifts, daily_presence=False), seconds=3)
    assert {"contradictory_mix", "zero_hours", "overlapping_shifts"} <= codes(solution)


def test_a_day_without_any_district_cadre_is_explained():
    solution = roster.solve(
        problem([roster.Member(i, f"p{i}", health=i == 0, level="street" if i == 1 else "") for i in range(12)]),
        seconds=3,
    )
    assert any(e.code == "no_presence" and e.params["role"] == "district" for e in solution.explanations)


def test_rest_and_hour_caps_explain_what_they_leave_short():
    p = problem(
        [roster.Member(i, f"p{i}", max_hours=8) for i in range(4)], gate(days=2, headcount=1), daily_presence=False
    )
    solution = roster.solve(p, seconds=3)
    short = [e for e in solution.explanations if e.code == "short"]
    assert short and {e.params["reason"] for e in short} <= {"hour_cap", "rest", "nights_in_row", "mix", "availability"}
    hard_rules_hold(p, solution)


def test_at_most_n_nights_in_a_row():
    p = problem(crew(12), gate(days=7), max_nights_in_row=2)
    solution = roster.solve(p, seconds=5)
    by_id = {s.id: s for s in p.shifts}
    for mid in {m for m, _s in solution.assignments}:
        nights = sorted({by_id[sid].day for m, sid in solution.assignments if m == mid and by_id[sid].night})
        run = 1
        for a, b in zip(nights, nights[1:], strict=False):
            run = run + 1 if (b - a).days == 1 else 1
            assert run <= 2


def test_the_solver_is_no_worse_than_the_greedy_baseline():
    p = problem(crew(14), gate(days=7))
    assert roster.score(p, roster.solve(p, seconds=5).assignments) <= roster.greedy(p).objective


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 10),
    st.integers(1, 3),
    st.integers(1, 2),
    st.lists(st.sets(st.integers(0, 5), min_size=1), min_size=10, max_size=10),
)
def test_whatever_the_input_every_hard_rule_holds(people, days, headcount, bands):
    members = [
        roster.Member(i, f"p{i}", available=frozenset((d, b) for d in range(7) for b in bands[i]), max_hours=24)
        for i in range(people)
    ]
    p = problem(members, gate(days=days, headcount=headcount), daily_presence=False)
    hard_rules_hold(p, roster.solve(p, seconds=2))


def test_a_started_shift_keeps_exactly_its_people_and_takes_no_one_else():
    shifts = gate(days=2)
    first_day = {s.id for s in shifts if s.day == MONDAY}
    kept = {(7, 0), (4, 2)}  # one person at 00:00 (one place left empty), one at 08:00
    p = problem(shifts=shifts, frozen=first_day, pins=kept)
    for solution in (roster.solve(p, seconds=5), roster.greedy(p)):
        assert {(m, s) for m, s in solution.assignments if s in first_day} == kept
        assert solution.shortfall == 0  # the past is not the solver's to fill
        assert all(
            sum(1 for _m, s in solution.assignments if s == shift.id) == 2
            for shift in shifts
            if shift.id not in first_day
        )
        hard_rules_hold(p, solution)


def test_kept_assignments_count_for_rest_and_weekly_hours():
    evening = next(s for s in gate() if s.day == MONDAY and s.start == 16)
    members = [
        roster.Member(m.id, m.name, health=m.health, level=m.level, max_hours=8 if m.id == 5 else 40) for m in crew()
    ]
    p = problem(members, pins={(5, evening.id)}, frozen={s.id for s in gate() if s.day == MONDAY and s.start <= 16})
    solution = roster.solve(p, seconds=5)
    by_id = {s.id: s for s in p.shifts}
    own = sorted((by_id[sid] for mid, sid in solution.assignments if mid == 5), key=lambda s: s.begins)
    assert evening in own and sum(s.hours for s in own) <= 8  # the kept 4 hours count against the cap
    assert all(not roster.clash(evening, s, p.rest_hours) for s in own if s != evening)


def test_kept_assignments_that_broke_the_rules_stay_and_the_rest_is_still_solved():
    shifts = gate(days=2)
    # Checked in twice in a row and over the weekly cap: it happened, so it stays.
    members = [
        roster.Member(m.id, m.name, health=m.health, level=m.level, max_hours=4 if m.id == 6 else 40) for m in crew()
    ]
    p = problem(members, shifts, pins={(6, 2), (6, 3)}, frozen={0, 1, 2, 3})
    solution = roster.solve(p, seconds=5)
    assert solution.status in ("optimal", "feasible") and {(6, 2), (6, 3)} <= solution.assignments
    assert not any(mid == 6 for mid, sid in solution.assignments if sid not in (2, 3))


def test_progress_is_told_of_each_better_roster():
    seen = []
    roster.solve(problem(), seconds=3, progress=lambda seconds, missing: seen.append((seconds, missing)))
    assert seen and seen[-1][1] == 0 and [s for s, _m in seen] == sorted(s for s, _m in seen)
