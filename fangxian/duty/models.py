"""People on duty, posts and their shift patterns, rosters, check-ins, swaps and volunteer
projects. The solving itself is fangxian/lib/roster.py; planning.py connects the two."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.places.models import Community, ScopePath

COMMUNITY_SCOPE = ScopePath(community="community_id")


class Team(models.Model):
    """A duty team (临时党支部): dispatched staff with a leader, rostered together when possible."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="duty_teams")
    name = models.CharField(_("name"), max_length=100)
    leader = models.ForeignKey("Person", models.SET_NULL, null=True, blank=True, related_name="+")

    SCOPE = COMMUNITY_SCOPE

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone who can be put on the roster, with or without an account."""

    class Kind(models.TextChoices):
        DISPATCHED_CADRE = "dispatched_cadre", _("dispatched cadre")
        REPORTING_MEMBER = "reporting_member", _("reporting member")
        COMMUNITY_WORKER = "community_worker", _("community worker")
        HEALTH_WORKER = "health_worker", _("health worker")
        VOLUNTEER = "volunteer", _("volunteer")

    class Level(models.TextChoices):
        NONE = "", _("—")
        CITY = "city", _("city")
        DISTRICT = "district", _("district")
        STREET = "street", _("street")

    community = models.ForeignKey(Community, models.CASCADE, related_name="duty_people")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="duty_people"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.VOLUNTEER)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    sending_unit = models.CharField(_("sending unit"), max_length=100, blank=True)
    dispatched_from = models.DateField(_("dispatched from"), null=True, blank=True)
    dispatched_until = models.DateField(_("dispatched until"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    languages = models.CharField(_("languages"), max_length=100, blank=True)
    # {"0": [0, 1, ...], ...}: weekday (Monday 0) to the four-hour bands (0 = 00-04 ... 5 = 20-24) they can come.
    availability = models.JSONField(default=dict, blank=True)
    preferred = models.JSONField(default=dict, blank=True)
    max_hours_week = models.PositiveSmallIntegerField(_("hours a week at most"), default=40)
    is_new = models.BooleanField(_("new to the work"), default=True)
    team = models.ForeignKey(Team, models.SET_NULL, null=True, blank=True, related_name="members")
    active = models.BooleanField(_("on the roster"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = COMMUNITY_SCOPE

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def minor(self) -> bool:
        return self.birth_year is not None and timezone.localdate().year - self.birth_year < 18

    @property
    def health(self) -> bool:
        return self.kind == self.Kind.HEALTH_WORKER


class Post(models.Model):
    """A gate or a patrol that must be staffed, with its shifts (Pattern) and dates."""

    class Kind(models.TextChoices):
        GATE = "gate", _("gate")
        PATROL = "patrol", _("patrol")
        OTHER = "other", _("other")

    community = models.ForeignKey(Community, models.CASCADE, related_name="posts")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GATE)
    starts_on = models.DateField(_("from"), default=timezone.localdate)
    ends_on = models.DateField(_("to"), null=True, blank=True)

    SCOPE = COMMUNITY_SCOPE

    class Meta:
        ordering = ["community", "name"]

    def __str__(self) -> str:
        return self.name


class Pattern(models.Model):
    """One daily shift of a post: when it starts, how long, how many, and the mix it needs."""

    post = models.ForeignKey(Post, models.CASCADE, related_name="patterns")
    start = models.PositiveSmallIntegerField(_("starts at (hour)"))
    hours = models.PositiveSmallIntegerField(_("hours"))
    headcount = models.PositiveSmallIntegerField(_("people"), default=2)
    needs_health = models.BooleanField(_("a health worker"), default=False)
    adults_only = models.BooleanField(_("no one under 18"), default=False)
    needs_experienced = models.BooleanField(_("not everyone new"), default=False)

    class Meta:
        ordering = ["post", "start"]

    def __str__(self) -> str:
        return f"{self.start}:00 +{self.hours} h × {self.headcount}"


class Roster(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    community = models.ForeignKey(Community, models.CASCADE, related_name="rosters")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    rest_hours = models.PositiveSmallIntegerField(_("rest between shifts (hours)"), default=8)
    max_nights_in_row = models.PositiveSmallIntegerField(_("nights in a row at most"), default=3)
    seed = models.PositiveIntegerField(default=2020)
    solved_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)  # status, objective, bound, scores, explanations
    published_at = models.DateTimeField(null=True, blank=True)
    published = models.JSONField(default=list, blank=True)  # [[person id, shift id], ...] as last published
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    SCOPE = COMMUNITY_SCOPE

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("roster")

    def __str__(self) -> str:
        return f"{self.starts_on:%m-%d}–{self.ends_on:%m-%d}"

    @property
    def days(self) -> list[datetime.date]:
        return [self.starts_on + datetime.timedelta(days=i) for i in range((self.ends_on - self.starts_on).days + 1)]


class Shift(models.Model):
    """A post's shift on one day of a roster, made from the post's patterns."""

    roster = models.ForeignKey(Roster, models.CASCADE, related_name="shifts")
    post = models.ForeignKey(Post, models.CASCADE, related_name="+")
    day = models.DateField()
    start = models.PositiveSmallIntegerField()
    hours = models.PositiveSmallIntegerField()
    headcount = models.PositiveSmallIntegerField()
    needs_health = models.BooleanField(default=False)
    adults_only = models.BooleanField(default=False)
    needs_experienced = models.BooleanField(default=False)

    SCOPE = ScopePath(community="roster__community_id")

    class Meta:
        ordering = ["day", "start", "post_id"]

    def __str__(self) -> str:
        return f"{self.day} {self.start}:00 +{self.hours} h"

    @property
    def begins(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.day, datetime.time(self.start)))

    @property
    def ends(self) -> datetime.datetime:
        return self.begins + datetime.timedelta(hours=self.hours)

    @property
    def label(self) -> str:
        return f"{self.start:02d}:00–{(self.start + self.hours) % 24:02d}:00"

    @property
    def missing(self) -> int:
        """Places still empty (counts prefetched assignments, no query)."""
        return max(0, self.headcount - len(self.assignments.all()))


class Assignment(models.Model):
    shift = models.ForeignKey(Shift, models.CASCADE, related_name="assignments")
    person = models.ForeignKey(Person, models.CASCADE, related_name="assignments")
    locked = models.BooleanField(_("locked"), default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)

    SCOPE = ScopePath(community="shift__roster__community_id")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shift", "person"], name="one_place_per_person_per_shift")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.shift_id}"

    @property
    def late(self) -> bool:
        """Checked in more than ten minutes after the start, or not at all ten minutes in."""
        grace = self.shift.begins + datetime.timedelta(minutes=10)
        return (self.checked_in_at or timezone.now()) > grace and (
            self.checked_in_at is not None or timezone.now() < self.shift.ends
        )

    @property
    def can_check_in(self) -> bool:
        """From an hour before the shift until its end (planning.check says why otherwise)."""
        now = timezone.now()
        return self.checked_in_at is None and self.shift.begins - datetime.timedelta(hours=1) <= now <= self.shift.ends

    @property
    def hours_worked(self) -> float:
        if not (self.checked_in_at and self.checked_out_at):
            return 0.0
        return round((self.checked_out_at - self.checked_in_at).total_seconds() / 3600, 1)


class SwapRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="swaps")
    replacement = models.ForeignKey(Person, models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = ScopePath(community="assignment__shift__roster__community_id")

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.status}"


class Project(models.Model):
    """A community's call for volunteers: gate duty, door knocking, deliveries, test-site order."""

    class Kind(models.TextChoices):
        GATE_DUTY = "gate_duty", _("gate duty")
        DOOR_KNOCKING = "door_knocking", _("door knocking")
        DELIVERIES = "deliveries", _("deliveries")
        TEST_SITE = "test_site", _("test-site order")

    community = models.ForeignKey(Community, models.CASCADE, related_name="projects")
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GATE_DUTY)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    headcount = models.PositiveSmallIntegerField(_("people needed"))
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = COMMUNITY_SCOPE

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")

    project = models.ForeignKey(Project, models.CASCADE, related_name="signups")
    person = models.ForeignKey(Person, models.CASCADE, related_name="signups")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = ScopePath(community="project__community_id")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "person"], name="one_signup_per_person")]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.project_id}: {self.status}"
