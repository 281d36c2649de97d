"""Errands (代买代办): what a household asked for, who carried it and how it was handed over.

A request is taken from a phone call by staff, or sent by the household through its link; a
volunteer or grid worker claims it, delivers it without contact (a photo at the door, or the
short code the household reads out), and it is closed. The rules are requests.py's."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.people.models import Resident
from fangxian.places.models import Community, Dwelling, ScopePath


class Errand(models.Model):
    class Kind(models.TextChoices):
        MEDICINE = "medicine", _("medicine")
        GROCERIES = "groceries", _("groceries")
        BILL = "bill", _("bill or paperwork")
        HOSPITAL_RIDE = "hospital_ride", _("hospital ride")
        OTHER = "other", _("other errand")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("normal")
        URGENT = "urgent", _("urgent")

    class Via(models.TextChoices):
        PHONE = "phone", _("phone call")
        LINK = "link", _("household link")
        API = "api", _("API")

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLAIMED = "claimed", _("claimed")
        DELIVERED = "delivered", _("delivered")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled")

    class Handover(models.TextChoices):
        NONE = "", _("—")
        CODE = "code", _("code read out by the household")
        PHOTO = "photo", _("photo at the door")

    # community duplicates dwelling.community: the lists of thousands filter on it without a join.
    # A dwelling with errands is not deleted alone (RESTRICT); with its whole community it is.
    community = models.ForeignKey(Community, models.CASCADE, related_name="errands", verbose_name=_("community"))
    dwelling = models.ForeignKey(Dwelling, models.RESTRICT, related_name="errands", verbose_name=_("household"))
    resident = models.ForeignKey(
        Resident, models.SET_NULL, null=True, blank=True, related_name="errands", verbose_name=_("for whom")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    what = models.CharField(_("what exactly"), max_length=500)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    needed_by = models.DateTimeField(_("needed by"))
    via = models.CharField(_("asked through"), max_length=10, choices=Via.choices, default=Via.PHONE)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("taken by")
    )
    created_at = models.DateTimeField(default=timezone.now)
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    # The household's proof of receipt: shown to it when it asks, read out at the door.
    code = models.CharField(_("hand-over code"), max_length=4)
    wrong_codes = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    # Door delivery only: someone in the household is under observation (when asked or delivered).
    door_only = models.BooleanField(_("door delivery only"), default=False)

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("claimed by")
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_client_id = models.UUIDField(null=True, blank=True, unique=True)

    handover = models.CharField(_("handed over"), max_length=10, choices=Handover.choices, blank=True)
    photo = models.ImageField(_("photo at the door"), upload_to="errands/%Y/%m/", blank=True)
    # Tracing asks who stood at the door of a household under observation. Accounts are
    # switched off, never deleted, by the staff pages; only the demo's reset deletes its own.
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivered by"),
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    deliver_client_id = models.UUIDField(null=True, blank=True, unique=True)

    # Money in fen: advanced by the deliverer, repaid by the household; both sides see both.
    advanced = models.PositiveIntegerField(_("money advanced (fen)"), default=0)
    repaid = models.PositiveIntegerField(_("money repaid (fen)"), default=0)
    repaid_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    repaid_at = models.DateTimeField(null=True, blank=True)

    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)

    SCOPE = ScopePath(community="community_id", grid="dwelling__building__grid_id")

    class Meta:
        ordering = ["needed_by", "id"]
        indexes = [
            models.Index(fields=["community", "state", "needed_by"]),
            models.Index(fields=["claimed_by", "state"]),
            models.Index(fields=["dwelling", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(repaid__lte=models.F("advanced")), name="errand_repaid_le_advanced"
            ),
        ]
        verbose_name = _("errand")
        verbose_name_plural = _("errands")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.what[:30]}"

    def save(self, *args, **kwargs):
        self.community_id = self.dwelling.community_id
        super().save(*args, **kwargs)

    LIVE = (State.OPEN, State.CLAIMED)

    @property
    def overdue(self) -> bool:
        return self.state in self.LIVE and self.needed_by < timezone.now()

    @property
    def owed(self) -> int:
        return self.advanced - self.repaid
