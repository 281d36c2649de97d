"""Long work in the browser: the page answers at once, follows the job and shows its result,
with the worker that `make run` starts (`manage.py db_worker`) taking the tasks."""

import contextlib
import threading

import pytest
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker

from fangxian.jobs.models import Job

from .conftest import shot
from .test_registry_flows import log_in

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@contextlib.contextmanager
def running_worker():
    """The database backend's worker in a thread of its own (its own connection), as `make
    run` starts it beside the server; tasks must be queued in the database (DATABASE_TASKS)."""
    running = Worker(
        queue_names=["default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    )

    def work() -> None:
        try:
            running.run()
        finally:
            connection.close()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield running
    running.running = False
    thread.join(timeout=30)


@pytest.fixture
def worker(settings):
    settings.TASKS = DATABASE_TASKS
    with running_worker() as running:
        yield running


def test_a_secretary_prints_the_map_through_a_job(live_server, world, phone, worker):
    log_in(phone, live_server.url, "secretary")
    phone.goto(f"{live_server.url}/watch/map/{world.xiangchang.id}/")
    phone.click("#print-map")
    phone.wait_for_url("**/jobs/*/")
    assert "疫情楼图" in phone.inner_text("h1")
    link = phone.wait_for_selector("#job-file", timeout=60_000)  # the page polls until the PDF is made
    shot(phone, "job-done")
    pdf = phone.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert Job.objects.get().state == "done"
