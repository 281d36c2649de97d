"""Long work done for a person away from their request: solving a roster, printing a large PDF.

A Job belongs to the user who asked (no one else sees it) and names the community it
concerns; it is run by a django-tasks task (fangxian/jobs/running.py) and says how far it is,
what went wrong, or where its result is."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.places.models import Community

# A queued job that no worker has taken for this long makes the page say so.
WAITING_TOO_LONG = datetime.timedelta(seconds=30)


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    ACTIVE = (State.QUEUED, State.RUNNING)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="jobs")
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)  # in the language of the user who asked, as all its words
    language = models.CharField(max_length=10)
    work = models.CharField(max_length=200)  # the dotted path of the function that does it
    params = models.JSONField(default=dict, blank=True)
    # At most one job at a time per key (a roster is solved once at a time); blank for the others.
    key = models.CharField(max_length=100, blank=True)
    capability = models.CharField(max_length=30)  # what the user must still hold over the communities to take its file
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=500, blank=True)
    file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    filename = models.CharField(max_length=100, blank=True)
    # {"name", "communities": {id: rows}, "detail"}: audited at download
    export = models.JSONField(default=dict, blank=True)
    next_url = models.CharField(max_length=200, blank=True)  # the page that shows the result
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(state__in=["queued", "running"]) & ~models.Q(key=""),
                name="one_active_job_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def waiting_too_long(self) -> bool:
        return self.state == self.State.QUEUED and timezone.now() - self.created_at > WAITING_TOO_LONG

    @property
    def seconds(self) -> int:
        return int(((self.finished_at or timezone.now()) - (self.started_at or self.created_at)).total_seconds())

    def report(self, progress: str) -> None:
        """A progress line for the page, written at once (the work runs outside any request)."""
        self.progress = progress[:300]
        Job.objects.filter(pk=self.pk).update(progress=self.progress)

    def attach(self, data: bytes, filename: str, name: str, communities: dict[int, int], **detail) -> None:
        """The file the work made, and what its download will audit: the list's name and the
        rows of each community in it. Saved when the work finishes, not before."""
        self.file.save(filename, ContentFile(data), save=False)
        self.filename = filename
        self.export = {"name": name, "communities": {str(c): rows for c, rows in communities.items()}, "detail": detail}

    def counts(self) -> dict[int, int]:
        return {int(c): rows for c, rows in self.export.get("communities", {}).items()}
