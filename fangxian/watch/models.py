"""Home observation and central quarantine. While an observation runs, its resident carries
`Resident.under_observation` (kept by `observations.start` and `observations.release`), which
the gate reads without importing this app."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.people.models import Resident
from fangxian.people.temperature import is_fever
from fangxian.places.models import City, Community, Dwelling, ScopePath

RESIDENT_SCOPE = ScopePath(community="resident__community_id", grid="resident__dwelling__building__grid_id")


class Arrival(models.Model):
    """Someone came back (or came) to the community: the paper table of who returned from where."""

    class Transport(models.TextChoices):
        TRAIN = "train", _("train")
        PLANE = "plane", _("plane")
        COACH = "coach", _("coach")
        CAR = "car", _("car")
        OTHER = "other", _("other")

    resident = models.ForeignKey(Resident, models.CASCADE, related_name="arrivals")
    came_from = models.CharField(_("from"), max_length=100)
    arrived_on = models.DateField(_("arrival date"))
    transport = models.CharField(_("transport"), max_length=10, choices=Transport.choices, default=Transport.TRAIN)
    transport_number = models.CharField(_("train, flight or plate number"), max_length=30, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = RESIDENT_SCOPE

    class Meta:
        ordering = ["-arrived_on", "-id"]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.arrived_on}"


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

    arrival = models.ForeignKey(Arrival, models.SET_NULL, null=True, blank=True, related_name="observations")
    # The private link for self-reports: whoever holds it may report, for this period only.
    report_token = models.CharField(max_length=43, unique=True, default=secrets.token_urlsafe, editable=False)
    notice_number = models.CharField(_("release notice number"), max_length=30, blank=True)

    SCOPE = RESIDENT_SCOPE

    class Meta:
        ordering = ["ends_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=models.Q(released_at=None), name="one_running_observation_per_resident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.start} → {self.ends_on}"

    @property
    def days_left(self) -> int:
        return (self.ends_on - timezone.localdate()).days

    @property
    def due(self) -> bool:
        return self.released_at is None and self.ends_on <= timezone.localdate()

    @property
    def running(self) -> bool:
        return self.released_at is None

    @property
    def link_open(self) -> bool:
        """The private report link works while the observation runs, until its last day."""
        return self.running and timezone.localdate() <= self.ends_on

    @staticmethod
    def end_for(start: datetime.date, policy: Policy) -> datetime.date:
        return start + datetime.timedelta(days=policy.total_days)


class Extension(models.Model):
    """A period made longer: how many days, why, and who approved it."""

    observation = models.ForeignKey(Observation, models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("days"))
    reason = models.CharField(_("reason"), max_length=200)
    approved_by = models.CharField(_("approved by"), max_length=50)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"+{self.days}"


class Symptom(models.TextChoices):
    COUGH = "cough", _("cough")
    SORE_THROAT = "sore_throat", _("sore throat")
    FATIGUE = "fatigue", _("fatigue")
    SHORT_BREATH = "short_breath", _("short of breath")
    DIARRHOEA = "diarrhoea", _("diarrhoea")
    SMELL = "smell", _("lost smell or taste")


class HealthReport(models.Model):
    """Twice a day, morning and afternoon: by the grid worker, or by the person on the private link."""

    class Half(models.TextChoices):
        MORNING = "am", _("morning")
        AFTERNOON = "pm", _("afternoon")

    observation = models.ForeignKey(Observation, models.CASCADE, related_name="reports")
    day = models.DateField()
    half = models.CharField(max_length=2, choices=Half.choices)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(default=list, blank=True)
    by_self = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)

    SCOPE = ScopePath(
        community="observation__resident__community_id", grid="observation__resident__dwelling__building__grid_id"
    )

    class Meta:
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["observation", "day", "half"])]

    def __str__(self) -> str:
        return f"{self.day} {self.half} {self.temperature}"

    @property
    def fever(self) -> bool:
        return is_fever(self.temperature)

    @property
    def symptom_labels(self) -> list[str]:
        return [str(Symptom(s).label) for s in self.symptoms if s in Symptom.values]


class Outcome(models.TextChoices):
    """What a census visit found at a door."""

    CONFIRMED = "confirmed", _("confirmed")
    UNKNOWN_OCCUPANTS = "unknown_occupants", _("unknown occupants")
    ABSENT = "absent", _("listed but absent")
    VACANT = "vacant", _("vacant")
    REFUSED = "refused", _("refused")
    NO_ANSWER = "no_answer", _("no answer")


class Campaign(models.Model):
    """A door-to-door census of some of a community's buildings over a few days."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("census campaign")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Assignment(models.Model):
    """One dwelling of a campaign, who knocks, and the latest outcome (kept here so that
    progress is a count over one table, not a search through every visit)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="assignments")
    dwelling = models.ForeignKey(Dwelling, models.CASCADE, related_name="+")
    community_id = models.IntegerField(db_index=False)  # the dwelling's, for grouping without a join
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    team = models.CharField(_("team"), max_length=50, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    visited_at = models.DateTimeField(null=True, blank=True)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    last_visit_id = models.IntegerField(null=True, blank=True)
    conflict = models.BooleanField(default=False)

    SCOPE = ScopePath(community="community_id", grid="dwelling__building__grid_id")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "dwelling"], name="one_assignment_per_dwelling")]
        indexes = [models.Index(fields=["campaign", "community_id", "outcome"], name="assignment_progress")]

    def __str__(self) -> str:
        return f"{self.campaign_id} / {self.dwelling_id}"


class Visit(models.Model):
    """Every knock is kept, so two workers at one door at once are both on record."""

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="visits")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    present = models.JSONField(default=list, blank=True)  # [{"resident_id", "temperature"}]
    absent = models.JSONField(default=dict, blank=True)  # {"where", "back_on", "temperature"}
    note = models.CharField(_("note"), max_length=200, blank=True)
    visited_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    client_id = models.UUIDField(unique=True)
    # The visit this one's author had seen; another one since means two people recorded at once.
    seen_visit_id = models.IntegerField(null=True, blank=True)
    conflict = models.BooleanField(default=False)

    class Meta:
        ordering = ["visited_at", "id"]

    def __str__(self) -> str:
        return f"{self.assignment_id} {self.outcome}"
