"""Long work leaves the request: it runs as a job, the page follows it, its file is the
asker's alone and audited when taken."""

import datetime
import json
import os
import subprocess
from unittest import mock

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.management.commands.db_worker import Worker

from fangxian.accounts.models import AuditEvent, Role
from fangxian.duty.models import Assignment, Pattern, Person, Post, Roster
from fangxian.gate import permits
from fangxian.jobs import running
from fangxian.jobs.models import Job
from fangxian.people.models import Resident

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_the_worker() -> None:
    """`manage.py db_worker` as the service runs it, until the queue is empty (on the test's
    connection, which it must not close between tasks as it does its own)."""
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        ).run()


@pytest.fixture
def gate_post(world):
    post = Post.objects.create(community=world.xiangchang, name="南门")
    Pattern.objects.bulk_create([Pattern(post=post, start=h, hours=4, headcount=2) for h in range(0, 24, 4)])
    Person.objects.bulk_create(
        [
            Person(
                community=world.xiangchang,
                name=f"党员{i}",
                is_new=False,
                level="district" if i < 2 else "street" if i < 4 else "",
                kind="health_worker" if 4 <= i < 6 else "reporting_member",
            )
            for i in range(12)
        ]
    )
    return post


def test_the_request_returns_before_the_solver_and_the_worker_finishes_it(
    world, gate_post, api_for, client_for, settings
):
    settings.TASKS = DATABASE_TASKS
    client = api_for("secretary")
    tomorrow = str(timezone.localdate() + datetime.timedelta(days=1))
    response = client.post(
        "/api/v1/duty/rosters",
        json.dumps({"community_id": world.xiangchang.id, "starts_on": tomorrow, "days": 7}),
        content_type="application/json",
    )
    assert response.status_code == 202
    body = response.json()
    roster = Roster.objects.get(pk=body["id"])
    assert (
        body["job"]["state"] == "queued"
        and body["shifts"]
        and not Assignment.objects.filter(shift__roster=roster).exists()
    )
    assert client.get(f"/api/v1/jobs/{body['job']['id']}").json()["state"] == "queued"
    page = client_for("secretary").get(f"/duty/rosters/{roster.id}/").content.decode()
    assert f'hx-get="/jobs/{body["job"]["id"]}/status/"' in page and 'id="solve"' not in page

    run_the_worker()

    job = client.get(f"/api/v1/jobs/{body['job']['id']}").json()
    assert job["state"] == "done" and job["next"] == f"/duty/rosters/{roster.id}/" and job["finished_at"]
    assert Assignment.objects.filter(shift__roster=roster).count() == 7 * 6 * 2
    status = client_for("secretary").get(f"/jobs/{body['job']['id']}/status/", HTTP_HX_REQUEST="true")
    assert status["HX-Redirect"] == f"/duty/rosters/{roster.id}/"  # the polling page turns into the roster
    page = client_for("secretary").get(f"/duty/rosters/{roster.id}/").content.decode()
    assert 'id="solve"' in page and 'id="result"' in page and "hx-get" not in page.split("<main>")[1]


def test_the_solver_reports_its_progress_while_it_runs(world, gate_post, client_for, settings, monkeypatch):
    settings.TASKS = DATABASE_TASKS
    client_for("secretary").post(
        "/duty/",
        {
            "community": world.xiangchang.id,
            "starts_on": str(timezone.localdate() + datetime.timedelta(days=1)),
            "days": "7",
        },
    )
    assert Job.objects.get().progress == "排队等待中……"
    lines = []
    report = Job.report
    monkeypatch.setattr(Job, "report", lambda job, line: (lines.append(line), report(job, line)))
    run_the_worker()
    assert lines[0] == "正在读取值班人员和班次……" and lines[-1] == "正在保存排班表……"
    assert any("完整的排班表" in line for line in lines)


def test_only_the_user_who_asked_sees_a_job(world, client_for, api_for):
    response = client_for("secretary").post(f"/watch/map/{world.xiangchang.id}/print.pdf")
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.id}/" and job.user == world.users["secretary"]
    for actor in (
        "community_worker",
        "street_admin",
        "outsider",
    ):  # the same community, the office above, another street
        for path in (f"/jobs/{job.id}/", f"/jobs/{job.id}/status/", f"/jobs/{job.id}/file/"):
            assert client_for(actor).get(path).status_code == 404
        assert api_for(actor).get(f"/api/v1/jobs/{job.id}").status_code == 404
    assert api_for("secretary").get(f"/api/v1/jobs/{job.id}").json()["file"] == f"/jobs/{job.id}/file/"


def test_the_map_pdf_comes_through_a_job_and_its_download_is_audited(world, client_for):
    client = client_for("secretary")
    job_page = client.post(f"/watch/map/{world.xiangchang.id}/print.pdf", follow=True).content.decode()
    job = Job.objects.get()
    assert job.state == "done" and f'href="/jobs/{job.id}/file/"' in job_page and "疫情楼图" in job_page
    assert not AuditEvent.objects.filter(action="export").exists()  # made is not taken
    pdf = client.get(f"/jobs/{job.id}/file/")
    assert pdf["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=b"".join(pdf.streaming_content), capture_output=True, check=True
    ).stdout.decode()
    assert "疫情楼图" in text and "香厂路社区" in text
    event = AuditEvent.objects.get(action="export", community=world.xiangchang)
    assert event.detail == {"list": "epidemic_map", "rows": 1, "format": "pdf", "job": job.id}


def test_a_finished_job_no_longer_says_it_is_at_work(world, client_for, api_for):
    client_for("secretary").post(f"/watch/map/{world.xiangchang.id}/print.pdf")
    job = Job.objects.get()
    assert api_for("secretary").get(f"/api/v1/jobs/{job.id}").json()["progress"] == str(_("Finished."))


def test_a_file_is_refused_to_someone_who_lost_the_role_that_made_it(world, client_for):
    client = client_for("secretary")
    client.post(f"/watch/map/{world.xiangchang.id}/print.pdf")
    Role.objects.filter(user=world.users["secretary"]).delete()
    assert client.get(f"/jobs/{Job.objects.get().id}/file/").status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_grid_workers_map_job_prints_their_grid_only(world, client_for):
    client_for("grid_worker").post(f"/watch/map/{world.xiangchang.id}/print.pdf")
    pdf = client_for("grid_worker").get(f"/jobs/{Job.objects.get().id}/file/")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=b"".join(pdf.streaming_content), capture_output=True, check=True
    ).stdout.decode()
    assert "1号楼" in text and "2号楼" not in text


def test_a_buildings_permit_cards_come_through_a_job(world, client_for):
    building = world.building(world.xiangchang)
    for resident in Resident.objects.filter(dwelling__building=building):
        permits.issue(resident, None)
    client = client_for("secretary")
    response = client.post("/gate/permits/print.pdf", {"building": building.id, "entrance": "2"})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.id}/" and job.state == "done" and "单元" in job.title
    pdf = client.get(f"/jobs/{job.id}/file/")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=b"".join(pdf.streaming_content), capture_output=True, check=True
    ).stdout.decode()
    assert text.count("出入证") == 6  # entrance 2: three floors of two rooms
    assert AuditEvent.objects.get(action="export").detail["list"] == "permit_cards"
    assert client.post("/gate/permits/print.pdf", {"building": world.building(world.liulichang).id}).status_code == 404


def test_a_failed_job_says_why_in_the_users_language_and_keeps_nothing(world, gate_post, client_for, monkeypatch):
    from fangxian.duty import planning

    roster = planning.create(world.xiangchang, timezone.localdate() + datetime.timedelta(days=1), 1, None)
    planning.solve(roster)
    before = set(Assignment.objects.filter(shift__roster=roster).values_list("pk", "person_id", "shift_id"))

    def broken(problem, **kw):
        raise RuntimeError("the solver fell over")

    monkeypatch.setattr(planning.solver, "solve", broken)
    client = client_for("secretary")
    client.post(f"/duty/rosters/{roster.id}/solve/")
    job = Job.objects.get()
    assert job.state == "failed" and job.error.startswith("未能完成") and not job.file
    assert set(Assignment.objects.filter(shift__roster=roster).values_list("pk", "person_id", "shift_id")) == before
    page = client.get(f"/duty/rosters/{roster.id}/").content.decode()
    assert job.error in page and 'id="solve"' in page  # said on the roster page, and the coordinator may try again


def test_a_failed_pdf_leaves_no_file(world, client_for, monkeypatch):
    from fangxian.watch import views

    def broken(html):
        raise OSError("fonts are missing")

    monkeypatch.setattr(views, "pdf_bytes", broken)
    client_for("secretary").post(f"/watch/map/{world.xiangchang.id}/print.pdf")
    job = Job.objects.get()
    assert (
        job.state == "failed"
        and not job.file
        and client_for("secretary").get(f"/jobs/{job.id}/file/").status_code == 404
    )


def test_a_lost_worker_frees_the_roster_and_old_jobs_go_with_their_files(world, gate_post, client_for, settings):
    settings.TASKS = DATABASE_TASKS
    client = client_for("secretary")
    client.post(
        "/duty/",
        {
            "community": world.xiangchang.id,
            "starts_on": str(timezone.localdate() + datetime.timedelta(days=1)),
            "days": "1",
        },
    )
    stuck = Job.objects.get()
    Job.objects.filter(pk=stuck.pk).update(
        state="running", started_at=timezone.now() - running.STALLED - datetime.timedelta(minutes=1)
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client.post(f"/watch/map/{world.xiangchang.id}/print.pdf")
    stuck.refresh_from_db()
    assert stuck.state == "failed" and "停" in stuck.error
    printed = Job.objects.get(work__endswith="print_map")
    path = printed.file.path
    Job.objects.filter(pk=printed.pk).update(created_at=timezone.now() - running.KEEP - datetime.timedelta(hours=1))
    client.post(f"/watch/map/{world.xiangchang.id}/print.pdf")
    assert not Job.objects.filter(pk=printed.pk).exists() and not os.path.exists(path)
