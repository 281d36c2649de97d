"""A confirmed case traced through the community's own records, and the contacts found.

A contact is a resident (of this community or, met at our gate with their permit, another), a
member of staff (an account that knocked or delivered), or someone outside the registry known
by a name and a phone (a visitor or courier registered at the gate, a person on duty)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.people.models import Resident
from fangxian.places.models import Community, ScopePath
from fangxian.watch.models import Observation


class Trace(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="traces")
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="traces", verbose_name=_("confirmed case"))
    onset_on = models.DateField(_("onset of symptoms"), null=True, blank=True)
    tested_on = models.DateField(_("date of the positive test"), null=True, blank=True)
    days_before = models.PositiveSmallIntegerField(_("infectious from (days before)"), default=2)
    # The end of the infectious window: isolation, or now while the case is still at large.
    isolated_at = models.DateTimeField(_("isolated at"), null=True, blank=True)
    gate_minutes = models.PositiveSmallIntegerField(_("same gate within (minutes)"), default=15)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    traced_at = models.DateTimeField(null=True, blank=True)  # the last run

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["resident"], name="one_trace_per_case")]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.onset_on or self.tested_on}"

    @property
    def starts_at(self) -> datetime.datetime:
        """Midnight of the first infectious day, `days_before` the onset (or the test without one)."""
        first = (self.onset_on or self.tested_on) - datetime.timedelta(days=self.days_before)
        return timezone.make_aware(datetime.datetime.combine(first, datetime.time()))

    def ends_at(self, now: datetime.datetime | None = None) -> datetime.datetime:
        return self.isolated_at or now or timezone.now()


class Contact(models.Model):
    class Kind(models.TextChoices):
        CLOSE = "close", _("close contact")
        SECONDARY = "secondary", _("secondary contact")

    trace = models.ForeignKey(Trace, models.CASCADE, related_name="contacts")
    # Who it is, one person per trace however many records reach them: "resident:12",
    # "user:3", "phone:13812345678", "duty:7".
    key = models.CharField(max_length=40)
    resident = models.ForeignKey(Resident, models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("name"), max_length=50, blank=True)  # outside the registry
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # [{"reason": "gate", "record": "pass:12", "at": iso time, "where": "东门", ...}], first seen first.
    reasons = models.JSONField(default=list)
    found_at = models.DateTimeField(default=timezone.now)
    observation = models.ForeignKey(Observation, models.SET_NULL, null=True, blank=True, related_name="+")
    observed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    observed_at = models.DateTimeField(null=True, blank=True)

    SCOPE = ScopePath(community="trace__community_id")

    class Meta:
        ordering = ["kind", "id"]
        constraints = [models.UniqueConstraint(fields=["trace", "key"], name="one_contact_per_person_per_trace")]

    def __str__(self) -> str:
        return self.key
