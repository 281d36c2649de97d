import datetime
import threading

import pytest
from django.utils import timezone

from fangxian.duty import planning
from fangxian.duty.models import Assignment, Pattern, Person, Post, Roster

from .conftest import shot
from .test_job_flows import worker  # noqa: F401 (a fixture)
from .test_registry_flows import log_in


@pytest.fixture
def held_solver(monkeypatch):
    """The solver in the worker waits, once it has its roster, until the test has seen the
    page show its progress: the page is then caught in the middle, whatever the machine's speed."""
    seen = threading.Event()
    solve = planning.solver.solve

    def solve_then_wait(problem, **kw):
        found = solve(problem, **kw)
        seen.wait(30)
        seen.clear()
        return found

    monkeypatch.setattr(planning.solver, "solve", solve_then_wait)
    return seen


def watch_it_solve(page, seen) -> None:
    """The roster page says how far the solver is, then shows the roster."""
    page.wait_for_selector("[data-state=running] .job-progress:has-text('秒')", timeout=30_000)
    shot(page, "roster-solving")
    seen.set()
    page.wait_for_selector("#result", timeout=30_000)  # htmx follows the job to the roster


def test_a_coordinator_plans_edits_locks_re_solves_and_publishes(live_server, world, phone, worker, held_solver):  # noqa: F811
    gate = Post.objects.create(community=world.xiangchang, name="南门")
    Pattern.objects.bulk_create([Pattern(post=gate, start=h, hours=4, headcount=2) for h in range(0, 24, 4)])
    people = [
        Person.objects.create(
            community=world.xiangchang,
            name=f"党员{i:02d}",
            is_new=False,
            level="district" if i < 2 else "street" if i < 4 else "",
            kind="health_worker" if 4 <= i < 6 else "reporting_member",
        )
        for i in range(14)
    ]
    phone.set_viewport_size({"width": 1024, "height": 800})  # the coordinator plans at the office computer
    log_in(phone, live_server.url, "secretary")
    phone.goto(f"{live_server.url}/duty/")
    monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday())
    phone.fill("input[name=starts_on]", str(monday))
    phone.click("button:has-text('生成排班')")
    phone.wait_for_url("**/duty/rosters/*/")  # at once: the solver works on its own
    watch_it_solve(phone, held_solver)
    roster = Roster.objects.get()
    assert roster.result["shortfall"] == 0

    shift = roster.shifts.get(day=monday, start=8)
    chosen = next(
        p
        for p in people
        if not Assignment.objects.filter(shift=shift, person=p).exists()
        and not Assignment.objects.filter(
            shift__roster=roster, shift__day=monday, person=p, shift__start__in=[0, 4, 12, 16]
        ).exists()
    )
    cell = phone.locator(f"#shift-{shift.id}")
    cell.locator("summary").click()
    cell.locator("select[name=person]").select_option(str(chosen.id))
    cell.locator("button[value=add]").click()
    phone.wait_for_selector(f"#shift-{shift.id} .chip.locked")
    assert chosen.name in phone.inner_text(f"#shift-{shift.id}")
    shot(phone, "roster-locked")

    phone.click("#solve")
    watch_it_solve(phone, held_solver)
    assert Assignment.objects.get(shift=shift, person=chosen).locked
    assert chosen.name in phone.inner_text(f"#shift-{shift.id}")
    phone.click("#publish")
    phone.wait_for_selector("text=已发布：")
    roster.refresh_from_db()
    assert roster.status == "published" and [chosen.id, shift.id] in roster.published
