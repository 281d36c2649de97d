"""GET /api/v1/jobs/{id}: how far a job is, for the user who asked only."""

from __future__ import annotations

import datetime

from django.urls import reverse
from ninja import Router, Schema

from fangxian.accounts.apikit import ErrorOut, Id, not_found

from .models import Job

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: int
    title: str
    state: str  # queued, running, done, failed
    progress: str
    error: str  # why it failed, in the language of the user who asked
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    file: str | None  # where its file is downloaded (with the session), once done
    next: str | None  # the page that shows its result, once done


def job_out(job: Job) -> dict:
    done = job.state == Job.State.DONE
    return {
        "id": job.pk,
        "title": job.title,
        "state": job.state,
        "progress": job.progress,
        "error": job.error,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "file": reverse("jobs:file", args=[job.pk]) if done and job.file else None,
        "next": job.next_url if done and job.next_url else None,
    }


@router.get("/jobs/{job_id}", response={200: JobOut, 404: ErrorOut})
def get_job(request, job_id: Id):
    job = Job.objects.filter(pk=job_id, user=request.user).first()
    if job is None:
        not_found()
    return job_out(job)
