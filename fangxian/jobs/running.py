"""Starting a job and running it: one django-tasks task runs every job.

`start` stores the job and enqueues `run`; the worker (`manage.py db_worker`, started by
`make run`, its own service in production) calls the job's work function with the job, in the
language of the user who asked. The work reports progress with `job.report`, attaches its file
with `job.attach` and raises ValidationError for what the user should hear; anything else is a
failure whose details go to the log. Work keeps nothing half-done: it writes its rows in one
transaction at its end, and a failed job's file is deleted."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from fangxian.accounts.scoping import Can
from fangxian.places.models import Community

from .models import Job

logger = logging.getLogger(__name__)

# Finished jobs and their files (PDFs with names and photos) are kept this long.
KEEP = datetime.timedelta(hours=24)
# Longer than any work takes (the roster solver stops at 10 s, the largest PDF takes under a
# minute): a job still running then lost its worker, and frees its key.
STALLED = datetime.timedelta(minutes=15)


class Busy(Exception):
    """Another person's job with the same key is under way."""

    def __init__(self, job: Job) -> None:
        super().__init__(job.title)
        self.job = job


def start(
    user,
    community: Community,
    title: str,
    work: Callable[[Job], None],
    capability: Can,
    *,
    params: dict | None = None,
    key: str = "",
    next_url: str = "",
) -> Job:
    """Queues `work` for the user. With a key already under way, the user's own job answers
    again; another person's raises Busy."""
    tidy()
    path = f"{work.__module__}.{work.__qualname__}"
    try:
        with transaction.atomic():
            job = Job.objects.create(
                user=user,
                community=community,
                title=title[:200],
                language=translation.get_language() or "",
                work=path,
                params=params or {},
                key=key,
                capability=capability,
                next_url=next_url,
                progress=_("Waiting for its turn…"),
            )
    except IntegrityError:
        running = Job.objects.filter(key=key, state__in=Job.ACTIVE).first()
        if running is None:
            raise
        if running.user_id != user.pk:
            raise Busy(running) from None
        return running
    result = run.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


@task()
def run(job_id: int) -> None:
    """Runs one job; a job already taken (a second delivery of the task) is left alone."""
    if not Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now()
    ):
        return
    job = Job.objects.get(pk=job_id)
    with translation.override(job.language or None):
        try:
            if not job.work.startswith("fangxian."):
                raise ValueError(f"not a job of ours: {job.work}")
            import_string(job.work)(job)
        except ValidationError as exc:
            fail(job, " ".join(exc.messages))
        except Exception:
            fail(
                job,
                _(
                    "This could not be finished, and nothing of it was kept. Try again; if it fails again, tell the office."
                ),
            )
            raise  # the task's result keeps the traceback for whoever runs the service
        else:
            # The last progress line ("making the A4 pages…") would say it is still at work.
            job.state, job.finished_at, job.progress = Job.State.DONE, timezone.now(), _("Finished.")
            job.save(update_fields=["state", "finished_at", "progress", "file", "filename", "export"])


def fail(job: Job, error: str) -> None:
    if job.file:
        job.file.delete(save=False)
    job.state, job.error, job.finished_at = Job.State.FAILED, error[:500], timezone.now()
    job.save(update_fields=["state", "error", "finished_at", "file"])


def tidy() -> None:
    """Jobs whose worker was lost fail, and old jobs go with their files."""
    now = timezone.now()
    for job in Job.objects.filter(state=Job.State.RUNNING, started_at__lt=now - STALLED):
        with translation.override(job.language or None):
            fail(job, _("The work stopped before it finished, and nothing of it was kept. Try again."))
    for job in Job.objects.filter(created_at__lt=now - KEEP).exclude(state__in=Job.ACTIVE):
        if job.file:
            job.file.delete(save=False)
        job.delete()
