"""Testing campaigns: who must be tested (full coverage), where and when (sampling sites and
their slots, bookings), who need not (exemptions), the tubes that carry pooled samples and the
swabs in them, what the lab said, and the recalls a positive pool sets off.

A member of a positive pool carries `Resident.awaiting_retest` until the single-tube retest
comes back; the gate and the epidemic map read that flag without importing this app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.people.models import Resident
from fangxian.places.models import Building, Community, Dwelling, ScopePath

POOL_SIZES = (1, 5, 10, 20)  # the official pool sizes; a tube is never re-pooled
CAMPAIGN_SCOPE = ScopePath(community="campaign__community_id")
RESIDENT_SCOPE = ScopePath(community="campaign__community_id", grid="resident__dwelling__building__grid_id")


class Campaign(models.Model):
    class Target(models.TextChoices):
        COMMUNITY = "community", _("the whole community")
        BUILDINGS = "buildings", _("some buildings")
        LIST = "list", _("a list of residents")

    class Status(models.TextChoices):
        OPEN = "open", _("under way")
        COMPLETE = "complete", _("complete")

    community = models.ForeignKey(
        Community, models.CASCADE, related_name="testing_campaigns", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    pool_size = models.PositiveSmallIntegerField(_("pool size"), choices=[(n, str(n)) for n in POOL_SIZES], default=10)
    # Sealed compounds: one tube per household, whatever the pool size says.
    households_together = models.BooleanField(_("one tube per household"), default=False)
    target = models.CharField(_("who must be tested"), max_length=20, choices=Target.choices, default=Target.COMMUNITY)
    buildings = models.ManyToManyField(Building, blank=True, related_name="+", verbose_name=_("buildings"))
    listed = models.ManyToManyField(Resident, blank=True, related_name="+", verbose_name=_("listed residents"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("testing campaign")
        verbose_name_plural = _("testing campaigns")

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A sampling site of a campaign, or a home team that samples the bedridden at their door."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="sites")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    home_team = models.BooleanField(_("samples at home"), default=False)

    SCOPE = CAMPAIGN_SCOPE

    class Meta:
        ordering = ["name"]
        verbose_name = _("sampling site")
        verbose_name_plural = _("sampling sites")

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    site = models.ForeignKey(Site, models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    booked = models.PositiveIntegerField(default=0, editable=False)  # taken by a conditional UPDATE

    SCOPE = ScopePath(community="site__campaign__community_id")

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(booked__lte=models.F("capacity")), name="slot_not_overbooked")
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.starts_at:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    class Via(models.TextChoices):
        LINK = "link", _("household link")
        STAFF = "staff", _("by the community")

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="bookings")
    slot = models.ForeignKey(Slot, models.CASCADE, related_name="bookings")
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="+")
    via = models.CharField(max_length=10, choices=Via.choices)
    booked_at = models.DateTimeField(default=timezone.now)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    SCOPE = RESIDENT_SCOPE

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "resident"], condition=Q(cancelled_at=None), name="one_booking_per_campaign"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} @ {self.slot_id}"


class Exemption(models.Model):
    class Reason(models.TextChoices):
        # Not an exemption from the test: the resident is sampled at home by a team.
        AT_HOME = "at_home", _("bedridden: sampled at home")
        AWAY = "away", _("away from the community")
        INFANT = "infant", _("infant")
        TESTED_ELSEWHERE = "tested_elsewhere", _("tested elsewhere")
        OTHER = "other", _("other")

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="exemptions")
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    SCOPE = RESIDENT_SCOPE

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "resident"], name="one_exemption_per_campaign")]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.reason}"


class ResultImport(models.Model):
    """A lab's result file as uploaded: previewed first, applied whole or not at all."""

    class Kind(models.TextChoices):
        TABLE = "table", _("CSV or Excel")
        HL7 = "hl7", _("HL7 v2 ORU^R01")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("previewed")
        REFUSED = "refused", _("refused")
        APPLIED = "applied", _("applied")

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    filename = models.CharField(max_length=200)
    digest = models.CharField(max_length=64, db_index=True)  # sha256 of the file: the same file twice changes nothing
    data = models.BinaryField()
    status = models.CharField(max_length=20, choices=Status.choices)
    row_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)  # {"errors": [...], "preview": [...]}
    summary = models.JSONField(default=dict)  # {"negative": n, "positive": n, "unchanged": n, ...}
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class Result(models.TextChoices):
    PENDING = "pending", _("awaiting result")
    NEGATIVE = "negative", _("negative")
    POSITIVE = "positive", _("positive")
    INVALID = "invalid", _("invalid, sample again")


class Tube(models.Model):
    """One tube: a pooled sample of up to `capacity` swabs (1 for a single-tube retest)."""

    class Status(models.TextChoices):
        OPEN = "open", _("filling")
        CLOSED = "closed", _("closed")

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="tubes")
    site = models.ForeignKey(Site, models.SET_NULL, null=True, blank=True, related_name="tubes")
    barcode = models.CharField(_("tube number"), max_length=32, unique=True)
    capacity = models.PositiveSmallIntegerField()
    size = models.PositiveSmallIntegerField(default=0)  # swabs in it, filled by a conditional UPDATE
    household = models.ForeignKey(Dwelling, models.SET_NULL, null=True, blank=True, related_name="+")
    retest = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=10, choices=Result.choices, default=Result.PENDING)
    result_at = models.DateTimeField(null=True, blank=True)
    result_import = models.ForeignKey(ResultImport, models.SET_NULL, null=True, blank=True, related_name="tubes")

    SCOPE = CAMPAIGN_SCOPE

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["campaign", "status"]), models.Index(fields=["campaign", "result"])]
        constraints = [models.CheckConstraint(condition=Q(size__lte=models.F("capacity")), name="tube_not_overfilled")]

    def __str__(self) -> str:
        return self.barcode


class Sample(models.Model):
    """One person's swab in one tube. Its result is the tube's, until a positive pool makes it
    `recalled` and the single retest decides."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("awaiting result")
        NEGATIVE = "negative", _("negative")
        RECALLED = "recalled", _("positive pool: retest")
        POSITIVE = "positive", _("positive")
        INVALID = "invalid", _("invalid, sample again")

    # A swab row is written on every registration and again by every pool's result: the
    # foreign keys' own indexes would repeat the leading columns of the composite ones below.
    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="samples", db_index=False)
    tube = models.ForeignKey(Tube, models.CASCADE, related_name="samples", db_index=False)
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="+", db_index=False)
    position = models.PositiveSmallIntegerField()
    site = models.ForeignKey(Site, models.SET_NULL, null=True, blank=True, related_name="+", db_index=False)
    sampled_at = models.DateTimeField()  # on the sampler's phone, even offline
    received_at = models.DateTimeField(default=timezone.now)
    sampler = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    client_id = models.UUIDField(unique=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)

    SCOPE = RESIDENT_SCOPE

    class Meta:
        ordering = ["tube", "position"]
        indexes = [models.Index(fields=["campaign", "resident"]), models.Index(fields=["resident", "sampled_at"])]
        constraints = [
            models.UniqueConstraint(fields=["tube", "position"], name="one_swab_per_tube_position"),
            models.UniqueConstraint(fields=["tube", "resident"], name="one_swab_per_person_per_tube"),
        ]

    def __str__(self) -> str:
        return f"{self.tube_id}#{self.position}"


class Recall(models.Model):
    """A member of a positive pool, called back for a single-tube retest."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="recalls")
    pool = models.ForeignKey(Tube, models.CASCADE, related_name="recalls")
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="+")
    recalled_at = models.DateTimeField(default=timezone.now)
    retest = models.ForeignKey(Sample, models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=10, choices=Result.choices, default=Result.PENDING)
    cleared_at = models.DateTimeField(null=True, blank=True)

    SCOPE = RESIDENT_SCOPE

    class Meta:
        ordering = ["recalled_at"]
        constraints = [models.UniqueConstraint(fields=["pool", "resident"], name="one_recall_per_pool_member")]

    def __str__(self) -> str:
        return f"{self.resident_id} ← {self.pool_id}"


class Call(models.Model):
    """A grid worker's call to a resident still due, and what came of it."""

    class Outcome(models.TextChoices):
        WILL_COME = "will_come", _("will come")
        BOOKED = "booked", _("booked a slot")
        AWAY = "away", _("away: exempted")
        NO_ANSWER = "no_answer", _("no answer")

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="calls")
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    called_at = models.DateTimeField(default=timezone.now)

    SCOPE = RESIDENT_SCOPE

    class Meta:
        ordering = ["-called_at"]
        indexes = [models.Index(fields=["campaign", "resident", "called_at"])]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.outcome}"


class LabelSheet(models.Model):
    """Tube numbers printed on A4 label sheets, allocated per community from one sequence:
    `first` to `first + count - 1`, never given twice (a later sheet starts where the last ended)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    first = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    ordered_at = models.DateTimeField(default=timezone.now)

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-first"]
        constraints = [models.UniqueConstraint(fields=["community", "first"], name="one_label_range_start")]

    def __str__(self) -> str:
        return f"{self.community_id}: {self.first}+{self.count}"
