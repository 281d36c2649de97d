"""Re-solving keeps the past: started shifts, check-ins and check-outs, approved swaps and locks
survive any re-solve, through planning, the API and the page alike."""

import datetime
import json
import subprocess

import pytest
from django.utils import timezone

from fangxian.duty import planning
from fangxian.duty.models import Assignment, Roster, SwapRequest


def round_robin(roster: Roster, crew) -> None:
    """Two people a shift, each back every 24 hours: a published roster that keeps every rule."""
    shifts = list(roster.shifts.order_by("day", "start"))
    Assignment.objects.bulk_create(
        [
            Assignment(shift=shift, person=crew[(2 * k + i) % len(crew)])
            for k, shift in enumerate(shifts)
            for i in range(2)
        ]
    )
    planning.publish(roster)


@pytest.fixture
def history(world, crew):
    """Yesterday, today and tomorrow, published; then what happened on it."""
    today = timezone.localdate()
    roster = planning.create(world.xiangchang, today - datetime.timedelta(days=1), 3, None)
    round_robin(roster, crew)
    yesterday_morning = roster.shifts.get(day=today - datetime.timedelta(days=1), start=8)
    worked = yesterday_morning.assignments.order_by("id").first()
    Assignment.objects.filter(pk=worked.pk).update(
        checked_in_at=yesterday_morning.begins, checked_out_at=yesterday_morning.begins + datetime.timedelta(hours=3)
    )
    yesterday_morning.assignments.exclude(pk=worked.pk).delete()  # one of two came: the place stays empty
    tomorrow = {s.start: s for s in roster.shifts.filter(day=today + datetime.timedelta(days=1))}
    early, swapped, locked = (tomorrow[start].assignments.order_by("id").first() for start in (0, 8, 16))
    Assignment.objects.filter(pk=early.pk).update(checked_in_at=timezone.now())
    SwapRequest.objects.create(
        assignment=swapped, replacement=swapped.person, reason="孩子发烧", status=SwapRequest.Status.APPROVED
    )
    Assignment.objects.filter(pk=locked.pk).update(locked=True)
    started = [s.pk for s in roster.shifts.all() if s.begins <= timezone.now()]
    return {
        "roster": roster,
        "worked": worked,
        "kept": [early.pk, swapped.pk, locked.pk],
        "started": started,
        "yesterday_morning": yesterday_morning,
    }


def snapshot(shift_ids):
    return set(
        Assignment.objects.filter(shift_id__in=shift_ids).values_list(
            "pk", "person_id", "shift_id", "locked", "checked_in_at", "checked_out_at"
        )
    )


def re_solve(how, roster, client_for, api_for):
    if how == "planning":
        planning.solve(roster)
    elif how == "api":
        response = api_for("secretary").post(
            f"/api/v1/duty/rosters/{roster.id}/solve", "{}", content_type="application/json"
        )
        assert response.status_code == 202 and response.json()["job"]["state"] == "done"
    else:
        assert client_for("secretary").post(f"/duty/rosters/{roster.id}/solve/").status_code == 302


@pytest.mark.parametrize("how", ["planning", "api", "page"])
def test_a_re_solve_keeps_started_shifts_check_ins_swaps_and_locks(history, crew, client_for, api_for, how):
    roster = history["roster"]
    past = snapshot(history["started"])
    kept = set(
        Assignment.objects.filter(pk__in=history["kept"]).values_list("pk", "person_id", "shift_id", "checked_in_at")
    )
    re_solve(how, roster, client_for, api_for)
    roster.refresh_from_db()
    assert roster.solved_at is not None
    assert snapshot(history["started"]) == past  # not one person added, removed or changed on a started shift
    assert history["yesterday_morning"].assignments.count() == 1
    assert (
        set(
            Assignment.objects.filter(pk__in=history["kept"]).values_list(
                "pk", "person_id", "shift_id", "checked_in_at"
            )
        )
        == kept
    )
    # The kept assignments still count for the rest rule: nothing new was put too close to them.
    kept_ids = {row[0] for row in past} | set(history["kept"])
    for person in crew:
        own = sorted(
            Assignment.objects.filter(shift__roster=roster, person=person).select_related("shift"),
            key=lambda a: a.shift.begins,
        )
        for a, b in zip(own, own[1:], strict=False):
            if not (a.pk in kept_ids and b.pk in kept_ids):
                assert b.shift.begins >= a.shift.ends + datetime.timedelta(hours=roster.rest_hours), (
                    person.name,
                    a.shift.label,
                    b.shift.label,
                )


def test_the_hours_on_a_volunteer_certificate_survive_a_re_solve(history, client_for):
    person = history["worked"].person
    planning.solve(history["roster"])
    pdf = client_for("secretary").get(f"/duty/people/{person.id}/certificate.pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "3.0" in text


def test_the_future_places_not_kept_are_solved_again(history):
    roster = history["roster"]
    open_shifts = roster.shifts.exclude(pk__in=history["started"])
    Assignment.objects.filter(shift__in=open_shifts).exclude(pk__in=history["kept"]).delete()
    planning.solve(roster)
    roster.refresh_from_db()
    assert all(s.assignments.count() == 2 for s in open_shifts)
    assert roster.result["status"] in ("optimal", "feasible")


def test_what_became_kept_while_the_solver_ran_stays_and_nothing_clashes_with_it(history, crew, monkeypatch):
    """A check-in between reading the roster and saving the solver's answer is kept, and the
    solver's places that would break the rest rule beside it are left out."""
    roster = history["roster"]
    tomorrow_noon = roster.shifts.get(day=timezone.localdate() + datetime.timedelta(days=1), start=12)
    late = tomorrow_noon.assignments.filter(locked=False).order_by("id").first()
    real_solve = planning.solver.solve

    def solve_while_someone_checks_in(problem, **kw):
        found = real_solve(problem, **kw)
        Assignment.objects.filter(pk=late.pk).update(checked_in_at=timezone.now())
        # As if the solver had put them on the shift just before as well.
        before = roster.shifts.get(day=tomorrow_noon.day, start=8)
        found.assignments.add((late.person_id, before.pk))
        return found

    monkeypatch.setattr(planning.solver, "solve", solve_while_someone_checks_in)
    planning.solve(roster)
    assert Assignment.objects.filter(pk=late.pk, checked_in_at__isnull=False).exists()
    assert not Assignment.objects.filter(person=late.person, shift__day=tomorrow_noon.day, shift__start=8).exists()


def test_publishing_waits_for_the_solver(world, crew, api_for, client_for, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    roster = planning.create(world.xiangchang, timezone.localdate() + datetime.timedelta(days=1), 1, None)
    client = api_for("secretary")
    assert (
        client.post(f"/api/v1/duty/rosters/{roster.id}/solve", "{}", content_type="application/json").status_code == 202
    )
    assert (
        client.post(f"/api/v1/duty/rosters/{roster.id}/publish", "{}", content_type="application/json").status_code
        == 409
    )
    # Another coordinator cannot start a second solve of it meanwhile.
    other = api_for("community_worker").post(
        f"/api/v1/duty/rosters/{roster.id}/solve", "{}", content_type="application/json"
    )
    assert other.status_code == 409 and "正在" in json.loads(other.content)["detail"]
    page = client_for("community_worker").get(f"/duty/rosters/{roster.id}/").content.decode()
    assert 'id="solving"' in page and 'id="solve"' not in page and 'id="publish"' not in page
    roster.refresh_from_db()
    assert roster.status == "draft"
