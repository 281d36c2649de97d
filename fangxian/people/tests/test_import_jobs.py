"""An import's check and its write run as jobs: the upload and the confirmation answer at
once, the batch's page follows the job, and the worker does the work."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import PASSWORD
from fangxian.accounts.models import AuditEvent, Role
from fangxian.jobs.models import Job
from fangxian.jobs.tests.test_jobs import DATABASE_TASKS, run_the_worker
from fangxian.people import importing
from fangxian.people.models import ImportBatch, Resident

from .test_import import RESIDENTS, load_territory


@pytest.fixture
def queued(settings):
    """Tasks wait in the database for the worker, as in production."""
    settings.TASKS = DATABASE_TASKS


def post_upload(client, world, text: str, name: str = "r.csv"):
    return client.post(
        "/people/import/",
        {"community": world.xiangchang.id, "kind": "residents", "file": SimpleUploadedFile(name, text.encode())},
    )


def test_an_upload_answers_before_its_check_and_the_worker_makes_the_preview(world, client_for, queued):
    load_territory(world.xiangchang)
    client = client_for("secretary")
    response = post_upload(client, world, RESIDENTS)
    batch, job = ImportBatch.objects.get(), Job.objects.get()
    assert response["Location"] == f"/people/import/{batch.id}/"
    assert batch.status == "checking" and not batch.report and job.state == "queued"
    page = client.get(response["Location"]).content.decode()
    assert f'hx-get="/jobs/{job.id}/status/"' in page and "张三明" not in page and 'id="import-now"' not in page

    run_the_worker()

    batch.refresh_from_db()
    assert batch.status == "previewed" and batch.row_count == 3 and batch.plan_digest
    status = client.get(f"/jobs/{job.id}/status/", HTTP_HX_REQUEST="true")
    assert status["HX-Redirect"] == f"/people/import/{batch.id}/"  # the progress turns into the preview
    page = client.get(f"/people/import/{batch.id}/").content.decode()
    assert "张三明" in page and 'id="import-now"' in page and "hx-get" not in page.split("<main>")[1]
    assert not Resident.objects.filter(name="张三明").exists()


def test_a_confirmation_answers_before_writing_and_two_at_once_import_once(world, client_for, queued):
    load_territory(world.xiangchang)
    client = client_for("secretary")
    post_upload(client, world, RESIDENTS)
    run_the_worker()
    batch = ImportBatch.objects.get()
    for _ in range(2):  # a double tap: the second finds the first's job under way
        client.post(f"/people/import/{batch.id}/confirm/")
    deputy = get_user_model().objects.create_user(username="deputy", password=PASSWORD)
    Role.objects.create(user=deputy, kind=Role.Kind.SECRETARY, community=world.xiangchang)
    page = client_for("deputy").post(f"/people/import/{batch.id}/confirm/", follow=True).content.decode()
    assert "另一位工作人员正在导入这个文件" in page and 'id="underway"' in page and 'id="import-now"' not in page
    assert Job.objects.filter(work__endswith="confirm_job").count() == 1
    assert not Resident.objects.filter(name="张三明").exists()  # nothing before the worker

    run_the_worker()

    batch.refresh_from_db()
    assert batch.status == "applied" and batch.summary["created"] == 3
    assert Resident.objects.filter(name="张三明").count() == 1
    event = AuditEvent.objects.get(action="import")
    assert (event.username, event.community, event.detail["created"]) == ("secretary", world.xiangchang, 3)
    page = client.get(f"/people/import/{batch.id}/").content.decode()
    assert "导入完成" in page and "新增 3 条" in page


def test_the_check_says_how_far_it_is_in_the_users_language(world, client_for, queued, monkeypatch):
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    lines = []
    report = Job.report
    monkeypatch.setattr(Job, "report", lambda job, line: (lines.append(line), report(job, line)))
    post_upload(client_for("secretary"), world, RESIDENTS)
    assert Job.objects.get().progress == "排队等待中……"
    run_the_worker()
    assert lines[:2] == ["正在读取文件……", "正在检查第 2 行……"]
    assert lines[-1] == "正在生成标注错误的表格……"  # building 9 is not in this community: every row has errors


def test_a_file_the_check_refuses_says_why_in_the_users_language(world, client_for):
    client = client_for("secretary")
    page = post_upload(client, world, "%PDF-1.4 a list", name="名单.xlsx")
    page = client.get(page["Location"]).content.decode()
    assert "这是 PDF 文档，不是电子表格" in page
    assert ImportBatch.objects.get().status == "invalid" and Job.objects.get().state == "done"


def test_a_check_that_fails_says_so_on_the_batch_page(world, client_for, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the reader fell over")

    monkeypatch.setattr(importing, "check_file", broken)
    client = client_for("secretary")
    post_upload(client, world, RESIDENTS)
    batch, job = ImportBatch.objects.get(), Job.objects.get()
    page = client.get(f"/people/import/{batch.id}/").content.decode()
    assert job.state == "failed" and job.error.startswith("未能完成") and job.error in page
    assert "检查没有完成，请重新上传" in page


def test_an_outsider_sees_neither_the_upload_nor_its_job(world, client_for, api_for):
    load_territory(world.xiangchang)
    post_upload(client_for("secretary"), world, RESIDENTS)
    batch, job = ImportBatch.objects.get(), Job.objects.get()
    for path in (f"/people/import/{batch.id}/", f"/jobs/{job.id}/", f"/jobs/{job.id}/status/"):
        assert client_for("outsider").get(path).status_code == 404
    assert client_for("outsider").post(f"/people/import/{batch.id}/confirm/").status_code == 404
    assert api_for("outsider").get(f"/api/v1/jobs/{job.id}").status_code == 404
    assert Job.objects.count() == 1
