"""The territory: city → district → street → community → grid, and under a community its
buildings, dwellings and businesses. A community is the unit of data ownership."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ScopePath:
    """How a model's rows hang from the territory, read by accounts.scoping.

    `community` is the lookup to the owning community's id; `grid` the lookup to the grid id,
    or None where a grid worker sees the row through their grid's community. `street`, for
    rows that may belong to a street before any of its communities (a complaint whose address
    is not yet known), is the lookup to the street's id: roles at the street and above see them."""

    def __init__(self, community: str, grid: str | None = None, street: str | None = None):
        self.community = community
        self.grid = grid
        self.street = street


class Named(models.Model):
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_zh


class Area(Named):
    code = models.CharField(_("code"), max_length=20, unique=True)

    class Meta:
        abstract = True
        ordering = ["code"]


class City(Area):
    class Meta(Area.Meta):
        verbose_name = _("city")
        verbose_name_plural = _("cities")


class District(Area):
    city = models.ForeignKey(City, models.PROTECT, related_name="districts", verbose_name=_("city"))

    class Meta(Area.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class Street(Area):
    district = models.ForeignKey(District, models.PROTECT, related_name="streets", verbose_name=_("district"))

    class Meta(Area.Meta):
        verbose_name = _("street")
        verbose_name_plural = _("streets")


class Community(Area):
    street = models.ForeignKey(Street, models.PROTECT, related_name="communities", verbose_name=_("street"))

    SCOPE = ScopePath(community="id")

    class Meta(Area.Meta):
        verbose_name = _("community")
        verbose_name_plural = _("communities")


class Grid(Named):
    community = models.ForeignKey(Community, models.CASCADE, related_name="grids", verbose_name=_("community"))
    code = models.CharField(_("code"), max_length=20)

    SCOPE = ScopePath(community="community_id", grid="id")

    class Meta:
        ordering = ["community", "code"]
        constraints = [models.UniqueConstraint(fields=["community", "code"], name="grid_code_per_community")]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")


class Building(models.Model):
    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("residential")
        OFFICE = "office", _("office")
        SHOP = "shop", _("shop")
        MIXED = "mixed", _("mixed")

    community = models.ForeignKey(Community, models.CASCADE, related_name="buildings", verbose_name=_("community"))
    grid = models.ForeignKey(
        Grid, models.SET_NULL, null=True, blank=True, related_name="buildings", verbose_name=_("grid")
    )
    number = models.CharField(_("building number"), max_length=30)
    name = models.CharField(_("building name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.RESIDENTIAL)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    entrances = models.PositiveSmallIntegerField(_("entrances"), default=1)

    SCOPE = ScopePath(community="community_id", grid="grid_id")

    class Meta:
        ordering = ["community", "number"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="building_number_per_community"),
            models.CheckConstraint(condition=models.Q(floors__gte=1), name="building_has_floors"),
            models.CheckConstraint(condition=models.Q(entrances__gte=1), name="building_has_entrances"),
        ]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return self.label

    def shrink_problems(self, floors: int | None, entrances: int | None) -> dict[str, str]:
        """Fewer floors or entrances than registered dwellings use would orphan them: the
        page's form and the API refuse the same."""
        problems = {}
        if floors and self.dwellings.filter(floor__gt=floors).exists():
            problems["floors"] = str(_("Dwellings are registered above this floor."))
        if entrances and self.dwellings.filter(entrance__gt=entrances).exists():
            problems["entrances"] = str(_("Dwellings are registered in a higher entrance."))
        return problems

    @property
    def label(self) -> str:
        # Numbers are kept as written ("3" or "3号楼"); the label reads naturally in Chinese.
        if self.number.isdigit():
            return _("Building %(number)s") % {"number": self.number}
        return self.number


class Dwelling(models.Model):
    # community duplicates building.community so that scoped lists of 100,000 rows need no join.
    community = models.ForeignKey(Community, models.CASCADE, related_name="dwellings", verbose_name=_("community"))
    building = models.ForeignKey(Building, models.CASCADE, related_name="dwellings", verbose_name=_("building"))
    entrance = models.PositiveSmallIntegerField(_("entrance"), default=1)
    floor = models.SmallIntegerField(_("floor"))
    room = models.CharField(_("room"), max_length=20)

    SCOPE = ScopePath(community="community_id", grid="building__grid_id")

    class Meta:
        ordering = ["building", "entrance", "floor", "room"]
        constraints = [
            models.UniqueConstraint(fields=["building", "entrance", "room"], name="dwelling_room_per_entrance"),
        ]
        indexes = [models.Index(fields=["community", "room"])]
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        self.community_id = self.building.community_id
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return _("%(building)s, entrance %(entrance)s, room %(room)s") % {
            "building": self.building.label,
            "entrance": self.entrance,
            "room": self.room,
        }


class Business(models.Model):
    """A premises in the registry. Its kind picks the inspection checklist: a firm sits in an
    office tower (inspected with it, "every firm twice"), and the six small shops (六小) share
    one kind, told apart by their subkind."""

    class Kind(models.TextChoices):
        OFFICE_TOWER = "office_tower", _("office tower")
        FIRM = "firm", _("firm in an office tower")
        SHOP = "shop", _("shop")
        SMALL_SHOP = "small_shop", _("small shop (the six small)")
        CONSTRUCTION = "construction", _("construction site")
        HOTEL = "hotel", _("hotel")
        COURIER = "courier", _("courier firm")
        RENTAL = "rental", _("shared rental")

    class SmallKind(models.TextChoices):
        NONE = "", _("—")
        RESTAURANT = "restaurant", _("restaurant")
        BARBER = "barber", _("barber")
        GROCERY = "grocery", _("grocery")
        LAUNDRY = "laundry", _("laundry")
        BATHHOUSE = "bathhouse", _("bathhouse")
        INTERNET_CAFE = "internet_cafe", _("internet café")

    community = models.ForeignKey(Community, models.CASCADE, related_name="businesses", verbose_name=_("community"))
    building = models.ForeignKey(
        Building, models.SET_NULL, null=True, blank=True, related_name="businesses", verbose_name=_("building")
    )
    name = models.CharField(_("business name"), max_length=200)
    address = models.CharField(_("address in the community"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    staff_count = models.PositiveIntegerField(_("staff"), default=0)
    kind = models.CharField(_("kind of premises"), max_length=20, choices=Kind.choices, default=Kind.SHOP)
    small_kind = models.CharField(_("which small shop"), max_length=20, choices=SmallKind.choices, blank=True)
    tower = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="firms",
        limit_choices_to={"kind": "office_tower"},
        verbose_name=_("office tower"),
    )

    SCOPE = ScopePath(community="community_id", grid="building__grid_id")

    class Meta:
        ordering = ["community", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(small_kind="") | models.Q(kind="small_shop"),
                name="business_small_kind_of_small_shop",
            ),
            models.CheckConstraint(
                condition=models.Q(tower=None) | models.Q(kind="firm"), name="business_tower_of_firm"
            ),
        ]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")

    def __str__(self) -> str:
        return self.name
