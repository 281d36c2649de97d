"""Cases: complaints from the 12345 hotline or the door, the community's own findings, and
what it handles before anyone complains (未诉先办). One workflow for all of them, whose
rules are handling.py's; every step is a Step, by whom and when.

A case belongs to a street, and to the community that owns its address once that is known:
a 12345 work order whose address matches no community stays with the street, never lost."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.places.models import Building, Business, Community, Dwelling, ScopePath, Street


class Category(models.Model):
    """A kind of case (the hotline's taxonomy is the city's), with its two deadlines.

    `code` is the Open311 service_code."""

    class Unit(models.TextChoices):
        HOURS = "hours", _("hours")
        DAYS = "days", _("working days")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    group = models.CharField(_("group"), max_length=100, blank=True)
    respond_within = models.PositiveSmallIntegerField(_("respond within"), default=2)
    respond_unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices, default=Unit.HOURS)
    resolve_within = models.PositiveSmallIntegerField(_("resolve within"), default=5)
    resolve_unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices, default=Unit.DAYS)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["group", "code"]
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_en if get_language() == "en" and self.name_en else self.name_zh


class Holiday(models.Model):
    """One day of the street's working calendar that is not what its weekday says: a holiday
    on a weekday, or a weekend day worked in its place (调休)."""

    street = models.ForeignKey(Street, models.CASCADE, related_name="holidays", verbose_name=_("street"))
    day = models.DateField(_("day"))
    working = models.BooleanField(_("a working day"), default=False)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        ordering = ["street", "day"]
        constraints = [models.UniqueConstraint(fields=["street", "day"], name="holiday_once_a_day")]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class Case(models.Model):
    class Source(models.TextChoices):
        HOTLINE = "hotline", _("12345 work order")
        PHONE = "phone", _("phone call")
        WALK_IN = "walk_in", _("walk-in")
        PATROL = "patrol", _("patrol")
        INSPECTION = "inspection", _("inspection")
        PROACTIVE = "proactive", _("handled before complaint")
        OPEN311 = "open311", _("Open311")

    class State(models.TextChoices):
        RECEIVED = "received", _("received")
        ASSIGNED = "assigned", _("assigned")
        ON_SITE = "on_site", _("on site")
        RESOLVED = "resolved", _("resolved")
        UNFOUNDED = "unfounded", _("unfounded")
        PASSED = "passed", _("passed to a department")
        CALLED_BACK = "called_back", _("called back")
        CLOSED = "closed", _("closed")

    class Callback(models.TextChoices):
        NONE = "", _("—")
        SATISFIED = "satisfied", _("satisfied")
        BASICALLY = "basically", _("basically satisfied")
        UNSATISFIED = "unsatisfied", _("unsatisfied")
        UNREACHABLE = "unreachable", _("unreachable")

    street = models.ForeignKey(Street, models.CASCADE, related_name="cases", verbose_name=_("street"))
    community = models.ForeignKey(
        Community, models.CASCADE, null=True, blank=True, related_name="cases", verbose_name=_("community")
    )
    building = models.ForeignKey(
        Building, models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("building")
    )
    dwelling = models.ForeignKey(
        Dwelling, models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("dwelling")
    )
    business = models.ForeignKey(
        Business, models.SET_NULL, null=True, blank=True, related_name="cases", verbose_name=_("business")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    category = models.ForeignKey(Category, models.PROTECT, related_name="cases", verbose_name=_("category"))
    what = models.TextField(_("what"), max_length=2000)
    # The hotline's own number for a work order: a re-imported order updates its case.
    hotline_number = models.CharField(_("work order number"), max_length=40, blank=True)
    reporter_name = models.CharField(_("reported by"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("callback number"), max_length=20, blank=True)
    client_id = models.UUIDField(null=True, blank=True, unique=True)

    received_at = models.DateTimeField(_("received"), default=timezone.now)
    respond_by = models.DateTimeField(_("respond by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.RECEIVED)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    # The first time someone answered it (assigned, on site or better): the response rate.
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    # When and how it was handled (resolved, found unfounded or passed on), kept through the
    # callback and closing: the resolution rate leaves unfounded complaints out.
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_as = models.CharField(_("handled as"), max_length=12, blank=True)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    # The department it was passed to (by the whistle), by name: Open311's agency_responsible.
    agency = models.CharField(_("department responsible"), max_length=100, blank=True)
    callback = models.CharField(_("callback"), max_length=12, choices=Callback.choices, blank=True)
    called_back_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Closed without a callback (the reporter left no number, an anonymous patrol finding).
    close_reason = models.CharField(_("why closed without a callback"), max_length=300, blank=True)
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    SCOPE = ScopePath(community="community_id", grid="building__grid_id", street="street_id")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["street", "received_at"]),
            models.Index(fields=["community", "received_at"]),
            models.Index(fields=["community", "state", "received_at"]),
            models.Index(fields=["category", "community", "received_at"]),
            # The case list's overdue ones first: open states of a street by their deadline.
            models.Index(fields=["street", "state", "resolve_by"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "hotline_number"],
                condition=~models.Q(hotline_number=""),
                name="case_work_order_once_per_street",
            ),
        ]
        verbose_name = pgettext_lazy("casework", "case")
        verbose_name_plural = pgettext_lazy("casework", "cases")

    def __str__(self) -> str:
        return f"#{self.pk} {self.what[:30]}"

    OPEN = (State.RECEIVED, State.ASSIGNED, State.ON_SITE)
    HANDLED = (State.RESOLVED, State.UNFOUNDED, State.PASSED)

    @property
    def overdue(self) -> bool:
        now = timezone.now()
        if self.state in self.OPEN:
            return self.resolve_by < now or (self.responded_at is None and self.respond_by < now)
        return False


class Step(models.Model):
    """One step of a case: who did what, when, with what notes (and photos)."""

    class Action(models.TextChoices):
        RECEIVE = "receive", _("received")
        UPDATE = "update", _("work order updated")
        ROUTE = "route", _("routed")
        ASSIGN = "assign", _("assigned")
        VISIT = "visit", _("on site")
        RESOLVE = "resolve", _("resolved")
        UNFOUNDED = "unfounded", _("found unfounded")
        PASS = "pass", _("passed to a department")
        CALLBACK = "callback", _("called back")
        CLOSE = "close", _("closed")
        REOPEN = "reopen", _("reopened")
        NOTE = "note", _("note")

    case = models.ForeignKey(Case, models.CASCADE, related_name="steps")
    action = models.CharField(max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(max_length=2000, blank=True)
    client_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class Photo(models.Model):
    step = models.ForeignKey(Step, models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="cases/%Y/%m/")

    def __str__(self) -> str:
        return self.image.name


class WorkOrderImport(models.Model):
    """A 12345 export uploaded by a street, between its preview and its confirmation; then
    only the counts. The file holds callers' names and phones: it is deleted once imported."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("being checked")
        PREVIEWED = "previewed", _("checked, waiting for confirmation")
        INVALID = "invalid", _("has errors, nothing imported")
        APPLIED = "applied", _("imported")

    street = models.ForeignKey(Street, models.CASCADE, related_name="work_order_imports", verbose_name=_("street"))
    filename = models.CharField(max_length=200)
    data = models.BinaryField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECKING)
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)
    error_report = models.BinaryField(default=b"", blank=True)
    summary = models.JSONField(default=dict)
    # What the preview showed, as a digest: confirming writes only that plan.
    plan_digest = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("12345 work order import")
        verbose_name_plural = _("12345 work order imports")

    def __str__(self) -> str:
        return self.filename
