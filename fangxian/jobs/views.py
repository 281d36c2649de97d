"""A job's page, the status fragment its page polls, and its file, for the user who asked only."""

from __future__ import annotations

import mimetypes

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from fangxian.accounts.exports import audit_export, require_export
from fangxian.accounts.scoping import Can

from .models import Job


def own_job(request: HttpRequest, pk: int) -> Job:
    """Another account, even a secretary of the same community, hears 404."""
    job = Job.objects.filter(pk=pk, user=request.user).first() if request.user.is_authenticated else None
    if job is None:
        raise Http404
    return job


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "jobs/job.html", {"job": own_job(request, pk)})


@login_required
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """The fragment htmx polls every second until the job is finished; a job whose result is
    a page sends the browser there."""
    job = own_job(request, pk)
    response = render(request, "jobs/_status.html", {"job": job})
    if job.state == Job.State.DONE and job.next_url:
        response["HX-Redirect"] = job.next_url
    return response


@login_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's file leaves as the page printed it would have: for whoever may still see every
    community in it, audited per community."""
    job = own_job(request, pk)
    if job.state != Job.State.DONE or not job.file:
        raise Http404
    counts = job.counts()
    require_export(request, counts, Can(job.capability))
    audit_export(
        request,
        job.export["name"],
        counts,
        format=job.filename.rsplit(".", 1)[-1],
        job=job.pk,
        **job.export.get("detail", {}),
    )
    content_type = mimetypes.guess_type(job.filename)[0] or "application/octet-stream"
    return FileResponse(job.file.open("rb"), content_type=content_type, filename=job.filename, as_attachment=False)
