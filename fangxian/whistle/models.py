"""The whistle (街乡吹哨、部门报到): a community calls on a department of its street for what it
cannot do itself, and the department reports on site. Departments are data, per street; their
staff are liaison accounts that are members of a department and see only the calls made to it.
The rules are calling.py's; every step is a CallStep, by whom and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.casework.models import Case
from fangxian.places.models import Building, Community, ScopePath, Street


class Department(models.Model):
    class Kind(models.TextChoices):
        CITY_MANAGEMENT = "city_management", _("city management")
        HOUSING = "housing", _("housing")
        POLICE = "police", _("police station")
        MARKET = "market", _("market regulation")
        HEALTH = "health", _("health centre")
        UTILITIES = "utilities", _("utilities")
        OTHER = "other", _("other")

    street = models.ForeignKey(Street, models.CASCADE, related_name="departments", verbose_name=_("street"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    # A department the street no longer calls on keeps its calls, and takes no new ones.
    active = models.BooleanField(_("takes calls"), default=True)

    class Meta:
        ordering = ["street", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="department_name_once_per_street")]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A liaison account of the department's street working for the department."""

    department = models.ForeignKey(Department, models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="departments")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "user"], name="member_once_per_department")]

    def __str__(self) -> str:
        return f"{self.user} · {self.department}"


class Call(models.Model):
    class State(models.TextChoices):
        CALLED = "called", _("called")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        ON_SITE = "on_site", _("department on site")
        DONE = "done", _("outcome reported")
        CONFIRMED = "confirmed", _("confirmed")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        SOLVED = "solved", _("solved")
        PARTLY = "partly", _("partly solved")
        CANNOT = "cannot", _("cannot be solved")

    class Level(models.IntegerChoices):
        NONE = 0, _("not escalated")
        STREET = 1, _("escalated to the street")
        DISTRICT = 2, _("escalated to the district")

    street = models.ForeignKey(Street, models.CASCADE, related_name="calls", verbose_name=_("street"))
    community = models.ForeignKey(Community, models.CASCADE, related_name="calls", verbose_name=_("community"))
    building = models.ForeignKey(
        Building, models.SET_NULL, null=True, blank=True, related_name="calls", verbose_name=_("building")
    )
    department = models.ForeignKey(Department, models.PROTECT, related_name="calls", verbose_name=_("department"))
    case = models.ForeignKey(
        Case, models.SET_NULL, null=True, blank=True, related_name="calls", verbose_name=_("case behind the call")
    )
    what = models.TextField(_("what is needed"), max_length=2000)
    address = models.CharField(_("where"), max_length=300)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    called_at = models.DateTimeField(_("called"), default=timezone.now)
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    needed_by = models.DateTimeField(_("needed by"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.CALLED)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    arrived_at = models.DateTimeField(_("arrived on site"), null=True, blank=True)
    arrived_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    arrival_note = models.TextField(_("found on site"), max_length=2000, blank=True)
    arrival_photo = models.ImageField(upload_to="whistle/%Y/%m/", blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("what was done"), max_length=2000, blank=True)
    done_at = models.DateTimeField(_("outcome reported"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    sent_back = models.PositiveSmallIntegerField(_("times sent back"), default=0)
    level = models.PositiveSmallIntegerField(_("escalation"), choices=Level.choices, default=Level.NONE)
    client_id = models.UUIDField(null=True, blank=True, unique=True)

    SCOPE = ScopePath(community="community_id", grid="building__grid_id", street="street_id")
    OPEN = (State.CALLED, State.ACKNOWLEDGED, State.ON_SITE)

    class Meta:
        ordering = ["-called_at", "-id"]
        indexes = [
            models.Index(fields=["street", "called_at"]),
            models.Index(fields=["department", "state"]),
            models.Index(fields=["state", "needed_by"]),
        ]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self) -> str:
        return f"#{self.pk} {self.department} {self.what[:30]}"

    def late(self, now=None) -> str:
        """Why the call is overdue now ("acknowledge", "done"), or "" when it is not."""
        now = now or timezone.now()
        if self.state == self.State.CALLED and self.acknowledge_by < now:
            return "acknowledge"
        if self.state in self.OPEN and self.needed_by < now:
            return "done"
        return ""

    @property
    def overdue(self) -> bool:
        return bool(self.late())


class CallStep(models.Model):
    class Action(models.TextChoices):
        CALL = "call", _("called")
        ACKNOWLEDGE = "acknowledge", _("acknowledged")
        ARRIVE = "arrive", _("arrived on site")
        OUTCOME = "outcome", _("outcome reported")
        CONFIRM = "confirm", _("confirmed")
        SEND_BACK = "send_back", _("sent back")
        ESCALATE = "escalate", _("escalated")

    call = models.ForeignKey(Call, models.CASCADE, related_name="steps")
    action = models.CharField(max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class Escalation(models.Model):
    """An overdue call raised to the street, then the district: once per level."""

    call = models.ForeignKey(Call, models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField(choices=Call.Level.choices)
    reason = models.CharField(max_length=12)  # what was late: "acknowledge" or "done"
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["call", "level"], name="escalation_once_per_level")]

    def __str__(self) -> str:
        return f"{self.call_id} → {self.get_level_display()}"
