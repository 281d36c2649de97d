"""Business inspections (复工复产检查): checklists per kind of premises, rounds of a patrol team,
visits with a finding per item, rectifications and their revisits, and the staff lists that
are checked against the observation registry. The rules are rules.py's.

A checklist is versioned: a visit keeps the version it was made with, and each finding copies
the item's words, so a new version never changes what a past inspection asked."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from fangxian.places.models import Business, Community, ScopePath, Street

BUSINESS_SCOPE = ScopePath(community="business__community_id", grid="business__building__grid_id")


class Template(models.Model):
    kind = models.CharField(_("kind of premises"), max_length=20, choices=Business.Kind.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="one_template_version_per_kind")]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    @classmethod
    def current(cls, kind: str) -> Template | None:
        return cls.objects.filter(kind=kind).order_by("-version").first()


class Item(models.Model):
    template = models.ForeignKey(Template, models.CASCADE, related_name="items", verbose_name=_("checklist"))
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.SlugField(_("code"), max_length=40)
    text_zh = models.CharField(_("Chinese text"), max_length=200)
    text_en = models.CharField(_("English text"), max_length=200, blank=True)

    class Meta:
        ordering = ["template", "position"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="one_item_code_per_template")]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text

    def save(self, *args, **kwargs):
        # A version that was used is history: the change goes into a new version.
        if self.template_id and Inspection.objects.filter(template_id=self.template_id).exists():
            raise ValidationError(_("This checklist has been used: make a new version instead."))
        super().save(*args, **kwargs)

    @property
    def text(self) -> str:
        if get_language() == "en" and self.text_en:
            return self.text_en
        return self.text_zh


class Round(models.Model):
    """A patrol team's round over a set of businesses, each to be visited `visits` times."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    street = models.ForeignKey(Street, models.CASCADE, related_name="inspection_rounds", verbose_name=_("street"))
    # None for a round of the street's own team over several communities.
    community = models.ForeignKey(
        Community,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="inspection_rounds",
        verbose_name=_("community"),
    )
    name = models.CharField(_("round"), max_length=100)
    team = models.CharField(_("patrol team"), max_length=100, blank=True)
    visits = models.PositiveSmallIntegerField(_("visits per business"), default=2)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    businesses = models.ManyToManyField(Business, related_name="inspection_rounds", verbose_name=_("businesses"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    SCOPE = ScopePath(community="community_id", street="street_id")

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(visits__gte=1, visits__lte=5), name="round_visits_1_to_5"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="round_ends_after"),
        ]
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")

    def __str__(self) -> str:
        return self.name


class Inspection(models.Model):
    """One visit to one business: the first ones go through the whole checklist, a revisit
    checks again only what was left to rectify."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("inspection")
        REVISIT = "revisit", _("revisit")

    round = models.ForeignKey(Round, models.CASCADE, related_name="inspections", verbose_name=_("round"))
    business = models.ForeignKey(Business, models.CASCADE, related_name="inspections", verbose_name=_("business"))
    template = models.ForeignKey(Template, models.PROTECT, related_name="inspections", verbose_name=_("checklist"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.VISIT)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("inspector")
    )
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)
    client_id = models.UUIDField(unique=True)

    SCOPE = BUSINESS_SCOPE

    class Meta:
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["round", "business", "kind"])]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.business} {self.visited_at:%Y-%m-%d}"


class Finding(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", pgettext_lazy("inspection", "pass")
        FAIL = "fail", _("fail")
        NA = "na", _("not applicable")

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="findings", verbose_name=_("inspection"))
    # None for what the registry found (staff under observation), not an item of the checklist.
    item = models.ForeignKey(Item, models.PROTECT, null=True, blank=True, related_name="+")
    code = models.SlugField(max_length=40)
    text = models.CharField(pgettext_lazy("inspection", "item"), max_length=200)
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.ImageField(_("photo"), upload_to="inspections/%Y/%m/", blank=True)
    fixed_on_spot = models.BooleanField(_("fixed on the spot"), default=False)
    deadline = models.DateField(_("rectify by"), null=True, blank=True)
    # The finding of an earlier visit that this one checks again (on a revisit).
    rechecks = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="rechecked_by", verbose_name=_("checks again")
    )
    # When a later check took it over (passed, or failed again with a deadline of its own).
    settled_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        "casework.Case",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("inspection", "case"),
    )

    SCOPE = ScopePath(community="inspection__business__community_id", grid="inspection__business__building__grid_id")

    class Meta:
        ordering = ["inspection", "id"]
        indexes = [models.Index(fields=["result", "fixed_on_spot", "settled_at", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(result="fail") | models.Q(fixed_on_spot=True) | ~models.Q(deadline=None),
                name="failure_fixed_or_given_a_deadline",
            ),
        ]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.text}: {self.get_result_display()}"

    @property
    def to_rectify(self) -> bool:
        return self.result == self.Result.FAIL and not self.fixed_on_spot and self.settled_at is None


class Staff(models.Model):
    """Who works at a premises, as the business gives the list: checked against the observation
    registry by ID number (someone under home observation at work is a finding)."""

    business = models.ForeignKey(Business, models.CASCADE, related_name="staff", verbose_name=_("business"))
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    SCOPE = BUSINESS_SCOPE

    class Meta:
        ordering = ["business", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "id_number"], condition=~models.Q(id_number=""), name="staff_id_once_per_business"
            )
        ]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.name
