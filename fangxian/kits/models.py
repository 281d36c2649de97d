"""Emergency kits (应急包): a distribution of the same contents to a list of households
computed from the registry, each handed over with a signature or a photo, drawn from one
store of the supplies ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangxian.people.models import Resident
from fangxian.places.models import Community, Dwelling, ScopePath
from fangxian.supplies.models import Item, Store


class Distribution(models.Model):
    """One round of kits for a community, such as 独居老人应急包, drawn from one store."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="kit_distributions")
    name = models.CharField(_("name"), max_length=100)
    store = models.ForeignKey(Store, models.RESTRICT, related_name="kit_distributions", verbose_name=_("store"))
    # How the list was made, kept to say so on the page: tags and buildings chosen.
    tags = models.JSONField(default=list, blank=True)
    building_ids = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    # The last reopening and why (a closed list is what the community reports; reopening it is said).
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    reopen_reason = models.CharField(_("reason to reopen"), max_length=200, blank=True)

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("kit distribution")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Content(models.Model):
    """What one kit holds of one item, in the item's quanta (typed in any of its units)."""

    distribution = models.ForeignKey(Distribution, models.CASCADE, related_name="contents")
    item = models.ForeignKey(Item, models.RESTRICT, related_name="+", verbose_name=_("item"))
    quantity = models.BigIntegerField(_("quantity per kit"))

    SCOPE = ScopePath(community="distribution__community_id")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "item"], name="kit_content_item_once"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="kit_content_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} {self.item.show(self.quantity)}"


class Recipient(models.Model):
    """One household on a distribution's list, and whether its kit was handed over."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        HANDED_OVER = "handed_over", pgettext_lazy("kit", "handed over")
        LEFT_OUT = "left_out", _("left out")

    class How(models.TextChoices):
        SIGNATURE = "signature", _("signature")
        PHOTO = "photo", _("photo")

    distribution = models.ForeignKey(Distribution, models.CASCADE, related_name="recipients")
    dwelling = models.ForeignKey(Dwelling, models.RESTRICT, related_name="+", verbose_name=_("dwelling"))
    # The tagged person the kit is for (the household's first, when several carry a tag).
    resident = models.ForeignKey(Resident, models.SET_NULL, null=True, blank=True, related_name="+")
    community_id = models.IntegerField(db_index=False)  # the dwelling's, for counting without a join
    state = models.CharField(_("hand-over state"), max_length=12, choices=State.choices, default=State.PENDING)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    how = models.CharField(max_length=10, choices=How.choices, blank=True)
    # Personal data: served through the scoping layer (kits:proof), never from a public URL.
    proof = models.FileField(upload_to="kits/%Y/%m/", blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)  # why left out
    left_out_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    client_id = models.UUIDField(null=True, blank=True, unique=True)

    SCOPE = ScopePath(community="community_id", grid="dwelling__building__grid_id")

    class Meta:
        ordering = ["id"]
        verbose_name = _("kit recipient")
        constraints = [models.UniqueConstraint(fields=["distribution", "dwelling"], name="one_kit_per_household")]
        indexes = [models.Index(fields=["distribution", "community_id", "state"], name="kit_progress")]

    def __str__(self) -> str:
        return f"{self.distribution_id} / {self.dwelling_id}"
