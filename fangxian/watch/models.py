"""Home observation and central quarantine. While an observation runs, its resident carries
`Resident.under_observation` (kept by `observations.start` and `observations.release`), which
the gate reads without importing this app."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.people.models import Resident
from fangxian.places.models import City, ScopePath


class Policy(models.Model):
    """How long an observation lasts: data, since a city may use 14, 14+7 or change it."""

    city = models.ForeignKey(City, models.CASCADE, related_name="observation_policies")
    name = models.CharField(_("name of the policy"), max_length=100)
    days = models.PositiveSmallIntegerField(_("days"), default=14)
    extra_home_days = models.PositiveSmallIntegerField(_("further days at home"), default=0)
    is_default = models.BooleanField(_("the city's default"), default=False)

    class Meta:
        ordering = ["city", "-is_default", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def total_days(self) -> int:
        return self.days + self.extra_home_days

    @classmethod
    def default_for(cls, city_id: int) -> Policy:
        policy = cls.objects.filter(city_id=city_id, is_default=True).first()
        return policy or cls.objects.create(city_id=city_id, name="14天", days=14, is_default=True)


class Observation(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", _("home observation")
        CENTRAL = "central", _("central quarantine")

    resident = models.ForeignKey(Resident, models.CASCADE, related_name="observations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    facility = models.CharField(_("facility"), max_length=100, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    policy = models.ForeignKey(Policy, models.PROTECT, related_name="observations")
    start = models.DateField(_("start"))
    ends_on = models.DateField(_("ends on"))
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(_("reason"), max_length=200, blank=True)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = ScopePath(community="resident__community_id", grid="resident__dwelling__building__grid_id")

    class Meta:
        ordering = ["ends_on"]
        constraints = [
            models.UniqueConstraint(fields=["resident"], condition=models.Q(released_at=None), name="one_running_observation_per_resident")
        ]

    @property
    def days_left(self) -> int:
        return (self.ends_on - timezone.localdate()).days

    @property
    def due(self) -> bool:
        return self.released_at is None and self.ends_on <= timezone.localdate()

    @staticmethod
    def end_for(start: datetime.date, policy: Policy) -> datetime.date:
        return start + datetime.timedelta(days=policy.total_days)
