"""The supplies ledger (物资台账): items, stores, and the movements between them.

Stock is never a stored number: it is what the movements into a store add up to, less what
went out of it, at any moment. Movements are never edited or deleted; a mistake is put right
by a reversing movement, so the ledger a community discloses in public stays what it was."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangxian.gate.models import Gate
from fangxian.lib import units
from fangxian.places.models import Community, Dwelling, ScopePath

COMMUNITY_SCOPE = ScopePath(community="community_id")


class Item(models.Model):
    """A kind of supplies, counted in its unit (个, 副, 瓶 …, or a weight: kept in grams)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="supply_items")
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10)
    pack_name = models.CharField(_("pack"), max_length=10, blank=True)
    pack_size = models.PositiveIntegerField(_("pieces in a pack"), default=0)
    minimum = models.BigIntegerField(_("minimum level"), default=0)  # in quanta
    created_at = models.DateTimeField(default=timezone.now)

    SCOPE = COMMUNITY_SCOPE

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="supply_item_name_once")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def units(self) -> dict[str, int]:
        return units.units_for(self.unit, self.pack_name, self.pack_size)

    def quanta(self, amount, unit: str | None = None) -> int:
        return units.to_quanta(amount, unit or self.unit, self.units)

    def show(self, quanta: int) -> str:
        return f"{units.show(quanta, self.unit, self.units)} {self.unit}"

    def show_packed(self, quanta: int) -> str:
        """60 个 as 3 箱（60 个） when it fills whole packs: how a donation is counted at the door."""
        if self.pack_name and self.pack_size > 1 and quanta % self.pack_size == 0 and self.unit not in units.WEIGHTS:
            return gettext("%(packs)s (%(pieces)s)") % {
                "packs": f"{quanta // self.pack_size} {self.pack_name}",
                "pieces": self.show(quanta),
            }
        return self.show(quanta)

    @property
    def minimum_shown(self) -> str:
        return self.show_packed(self.minimum)

    @property
    def units_shown(self) -> str:
        """个（1 箱 = 20 个） or 斤 (every weight): what the unit field of a form takes."""
        if self.weighed:
            return " / ".join(units.WEIGHTS)
        return " / ".join(self.units)

    @property
    def weighed(self) -> bool:
        return self.unit in units.WEIGHTS


class Store(models.Model):
    """Where supplies are kept: the community office, or a gate's post."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="supply_stores")
    name = models.CharField(_("name"), max_length=100)
    gate = models.OneToOneField(Gate, models.SET_NULL, null=True, blank=True, related_name="store")

    SCOPE = COMMUNITY_SCOPE

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="supply_store_name_once")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RecipientRole(models.TextChoices):
    VOLUNTEER = "volunteer", _("volunteer")
    STAFF = "staff", _("community worker")
    GATE_KEEPER = "gate_keeper", _("gate keeper")
    HEALTH_WORKER = "health_worker", _("health worker")
    RESIDENT = "resident", _("resident")
    OTHER = "other", _("other")


class Movement(models.Model):
    """One line of the ledger: a quantity of one item out of a store, into a store, or both."""

    class Kind(models.TextChoices):
        DONATION = "donation", _("donation")
        PURCHASE = "purchase", _("purchase")
        ISSUE = "issue", _("issue")
        TRANSFER = "transfer", _("transfer")
        ADJUSTMENT = "adjustment", _("adjustment")
        REVERSAL = "reversal", _("reversal")

    community = models.ForeignKey(Community, models.CASCADE, related_name="supply_movements")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    item = models.ForeignKey(Item, models.RESTRICT, related_name="movements")
    quantity = models.BigIntegerField(_("quantity"))  # in the item's quanta, always positive
    from_store = models.ForeignKey(Store, models.RESTRICT, null=True, blank=True, related_name="outgoing")
    to_store = models.ForeignKey(Store, models.RESTRICT, null=True, blank=True, related_name="incoming")
    # Whom an issue went to: a gate's post, a household, or a person named.
    to_gate = models.ForeignKey(Gate, models.RESTRICT, null=True, blank=True, related_name="+")
    to_dwelling = models.ForeignKey(Dwelling, models.RESTRICT, null=True, blank=True, related_name="+")
    to_person = models.CharField(_("to whom"), max_length=100, blank=True)
    # The public ledger names a person by their role, never by name.
    to_role = models.CharField(_("their role"), max_length=20, choices=RecipientRole.choices, blank=True)
    donor = models.CharField(_("donor"), max_length=200, blank=True)  # or the supplier of a purchase
    anonymous = models.BooleanField(_("anonymous"), default=False)
    receipt = models.CharField(_("receipt number"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reverses = models.OneToOneField("self", models.RESTRICT, null=True, blank=True, related_name="reversed_by")
    # What drew it: "kit:12", "errand:40"; the ledger does not import the apps above it.
    source = models.CharField(max_length=40, blank=True)
    happened_at = models.DateTimeField(_("when"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    SCOPE = COMMUNITY_SCOPE

    class Meta:
        ordering = ["happened_at", "id"]
        indexes = [
            models.Index(fields=["item", "to_store", "happened_at"], name="movement_in"),
            models.Index(fields=["item", "from_store", "happened_at"], name="movement_out"),
            models.Index(fields=["community", "kind", "happened_at"], name="movement_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="movement_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(from_store__isnull=False) | models.Q(to_store__isnull=False),
                name="movement_touches_a_store",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item.show(self.quantity)}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("A movement is never changed: record a reversing movement."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A movement is never deleted: record a reversing movement."))

    @property
    def quantity_shown(self) -> str:
        return self.item.show_packed(self.quantity)
