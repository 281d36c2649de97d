"""The vegetable station (便民菜站): rounds of packages from a supplier, ordered by households
in a window, picked by building and entrance, carried to the door, paid for. The rules are
ordering.py's; these are the rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.lib.money import yuan
from fangxian.places.models import Community, Dwelling, ScopePath


class Round(models.Model):
    """One offer of packages from a supplier to a community, ordered within a window and
    delivered on one day. Closing the window freezes the orders."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    community = models.ForeignKey(
        Community, models.CASCADE, related_name="vegetable_rounds", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    supplier_name = models.CharField(_("supplier"), max_length=100)
    supplier_phone = models.CharField(_("supplier's phone"), max_length=20, blank=True)
    opens_at = models.DateTimeField(_("orders from"))
    closes_at = models.DateTimeField(_("orders until"))
    delivery_day = models.DateField(_("delivery day"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-delivery_day", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")), name="round_window_ends"),
        ]
        verbose_name = _("vegetable round")
        verbose_name_plural = _("vegetable rounds")

    def __str__(self) -> str:
        return self.name

    def is_open(self, now=None) -> bool:
        """Orders are taken: the round is not closed and now is inside its window."""
        now = now or timezone.now()
        return self.state == self.State.OPEN and self.opens_at <= now < self.closes_at


class Package(models.Model):
    """What a household orders: 蔬菜包 A, its contents, its price in fen, the stock left and
    how many one household may have in this round."""

    round = models.ForeignKey(Round, models.CASCADE, related_name="packages", verbose_name=_("vegetable round"))
    name = models.CharField(_("name"), max_length=100)
    contents = models.TextField(_("contents"), max_length=1000, blank=True)
    price = models.PositiveIntegerField(_("price (fen)"))
    stock = models.PositiveIntegerField(_("stock left"))
    cap = models.PositiveSmallIntegerField(_("per household at most"), default=1)

    SCOPE = ScopePath(community="round__community_id")

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="package_stock_not_negative"),
            models.CheckConstraint(condition=models.Q(cap__gte=1), name="package_cap_at_least_one"),
            models.UniqueConstraint(fields=["round", "name"], name="package_name_per_round"),
        ]
        verbose_name = _("package")
        verbose_name_plural = _("packages")

    def __str__(self) -> str:
        return self.name

    @property
    def price_yuan(self) -> str:
        return yuan(self.price)


class Order(models.Model):
    class Via(models.TextChoices):
        PHONE = "phone", _("phone call")
        LINK = "link", _("household's link")
        API = "api", _("API")

    class State(models.TextChoices):
        PLACED = "placed", _("placed")
        DELIVERED = "delivered", _("delivered")
        CANCELLED = "cancelled", _("cancelled")

    round = models.ForeignKey(Round, models.RESTRICT, related_name="orders", verbose_name=_("vegetable round"))
    # community duplicates round.community (and the dwelling's): scoped counts need no join.
    community = models.ForeignKey(Community, models.CASCADE, related_name="+", verbose_name=_("community"))
    dwelling = models.ForeignKey(
        Dwelling, models.RESTRICT, related_name="vegetable_orders", verbose_name=_("household")
    )
    via = models.CharField(_("ordered by"), max_length=10, choices=Via.choices)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("taken by")
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    total = models.PositiveIntegerField(_("total (fen)"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLACED)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivered by"),
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivered_client_id = models.UUIDField(null=True, blank=True, unique=True)
    paid = models.BooleanField(_("paid"), default=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("paid to")
    )
    paid_client_id = models.UUIDField(null=True, blank=True, unique=True)

    SCOPE = ScopePath(community="community_id", grid="dwelling__building__grid_id")

    class Meta:
        ordering = ["round", "id"]
        indexes = [
            models.Index(fields=["round", "dwelling"]),
            models.Index(fields=["community", "placed_at"]),
            models.Index(fields=["community", "delivered_at"]),
        ]
        verbose_name = _("vegetable order")
        verbose_name_plural = _("vegetable orders")

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def total_yuan(self) -> str:
        return yuan(self.total)


class Line(models.Model):
    """One package of an order, at the price of the moment it was placed."""

    order = models.ForeignKey(Order, models.CASCADE, related_name="lines")
    package = models.ForeignKey(Package, models.RESTRICT, related_name="lines", verbose_name=_("package"))
    quantity = models.PositiveSmallIntegerField(_("quantity"))
    price = models.PositiveIntegerField(_("price (fen)"))

    SCOPE = ScopePath(community="order__community_id", grid="order__dwelling__building__grid_id")

    class Meta:
        ordering = ["order", "package"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="line_quantity_at_least_one"),
            models.UniqueConstraint(fields=["order", "package"], name="one_line_per_package"),
        ]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.package_id} × {self.quantity}"
