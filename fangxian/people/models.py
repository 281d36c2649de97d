"""Residents and their households (the people living in one dwelling now), with history."""

from __future__ import annotations

import datetime
import re
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.lib.masking import mask_id_number, mask_phone
from fangxian.places.models import City, Community, Dwelling, ScopePath

MAINLAND_FORM = re.compile(r"\d{17}[\dX]", re.ASCII)  # 18 characters, as GB 11643 writes them


class Emergency(models.Model):
    """An outbreak response. Personal data collected for it is anonymised once it has been
    closed for FANGXIAN_RETENTION_DAYS (see `manage.py purge_personal_data`)."""

    city = models.ForeignKey(City, models.PROTECT, related_name="emergencies", verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=200)
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    purged_at = models.DateTimeField(_("personal data anonymised at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_on"]
        verbose_name = _("emergency")
        verbose_name_plural = _("emergencies")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def open_for(cls, community: Community) -> Emergency | None:
        return cls.objects.filter(city_id=community.street.district.city_id, closed_on=None).first()


class Tag(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("elderly living alone")
    DISABLED = "disabled", _("disabled")
    PREGNANT = "pregnant", _("pregnant")
    DIALYSIS = "dialysis", _("dialysis")
    CHRONIC = "chronic", _("chronic illness")
    PARTY_MEMBER = "party_member", _("party member")
    # Set by the health authorities' tracing; the epidemic map paints them first.
    CONFIRMED_CASE = "confirmed_case", _("confirmed case")
    CLOSE_CONTACT = "close_contact", _("close contact")
    # Found at the door by a census and registered there; the office checks documents later.
    UNVERIFIED = "unverified", _("pending verification")


class ResidentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(moved_out_on=None)

    def with_tag(self, tag: str):
        return self.filter(Resident.tagged(tag))


class Resident(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class IdType(models.TextChoices):
        MAINLAND = "mainland", _("resident ID card")
        PASSPORT = "passport", _("passport")
        HK_MACAO = "hk_macao", _("Hong Kong/Macao permit")
        TAIWAN = "taiwan", _("Taiwan permit")
        OTHER = "other", _("other document")

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        SIBLING = "sibling", _("sibling")
        TENANT = "tenant", _("tenant")
        OTHER = "other", _("other")

    class Residence(models.TextChoices):
        HERE = "here", _("registered and living here")
        LIVING_ELSEWHERE = "living_elsewhere", _("registered here, living elsewhere")
        REGISTERED_ELSEWHERE = "registered_elsewhere", _("living here, registered elsewhere")

    community = models.ForeignKey(Community, models.CASCADE, related_name="residents", verbose_name=_("community"))
    dwelling = models.ForeignKey(Dwelling, models.PROTECT, related_name="residents", verbose_name=_("dwelling"))
    name = models.CharField(_("name"), max_length=50)
    name_initials = models.CharField(max_length=50, db_index=True, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    id_type = models.CharField(_("ID document"), max_length=20, choices=IdType.choices, default=IdType.MAINLAND)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    relation = models.CharField(
        _("relation to household"), max_length=20, choices=Relation.choices, default=Relation.OTHER
    )
    residence = models.CharField(_("residence"), max_length=30, choices=Residence.choices, default=Residence.HERE)
    tags = models.CharField(_("tags"), max_length=200, default=",", blank=True)
    photo = models.ImageField(_("photo"), upload_to="photos/%Y/%m/", blank=True)
    emergency = models.ForeignKey(Emergency, models.SET_NULL, null=True, blank=True, related_name="residents")
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    anonymised = models.BooleanField(default=False)
    # Kept by the watch app while an observation runs; the gate reads it (watch is not below gate).
    under_observation = models.BooleanField(_("under observation"), default=False, editable=False)
    # Kept by testing: a member of a positive pooled sample, held at the gate until the
    # single-tube retest comes back.
    awaiting_retest = models.BooleanField(_("awaiting retest"), default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResidentQuerySet.as_manager()
    SCOPE = ScopePath(community="community_id", grid="dwelling__building__grid_id")

    class Meta:
        ordering = ["dwelling_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_type", "id_number"],
                condition=~models.Q(id_number=""),
                name="one_resident_per_document_per_community",
            )
        ]
        indexes = [
            models.Index(fields=["community", "name"]),
            models.Index(fields=["community", "phone"]),
        ]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return self.name

    # Tags are stored as ",a,b,": one LIKE finds a tag on SQLite and PostgreSQL alike. These
    # four are the only places that know it.
    @staticmethod
    def encode_tags(tags) -> str:
        return "," + "".join(f"{t}," for t in sorted(set(tags)))

    @staticmethod
    def decode_tags(stored: str) -> list[str]:
        return [t for t in stored.split(",") if t]

    @staticmethod
    def tagged(tag: str) -> models.Q:
        """Residents carrying `tag`, for filters and filtered counts."""
        return models.Q(tags__contains=f",{tag},")

    @property
    def tag_list(self) -> list[str]:
        return self.decode_tags(self.tags)

    @tag_list.setter
    def tag_list(self, values) -> None:
        self.tags = self.encode_tags(values)

    def tag_labels(self) -> list[str]:
        return [str(Tag(t).label) for t in self.tag_list if t in Tag.values]

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def birth_inside_id(self) -> bool:
        """A mainland ID number carries the birth date (digits 7 to 14): beside the masked
        number, the whole date would unmask it without the audited reveal. Judged by the
        number's form, not its declared document type, which anyone editing can change."""
        return bool(MAINLAND_FORM.fullmatch(self.id_number))

    @property
    def masked_birth_date(self) -> datetime.date | None:
        """The birth date where it does not unmask the ID number; otherwise None (the year
        stays known through `birth_year`)."""
        return None if self.birth_inside_id else self.birth_date

    @property
    def birth_year(self) -> int | None:
        return self.birth_date.year if self.birth_date else None


class Move(models.Model):
    """Moving keeps history: the resident row stays, and each move is recorded."""

    resident = models.ForeignKey(Resident, models.CASCADE, related_name="moves")
    from_dwelling = models.ForeignKey(Dwelling, models.SET_NULL, null=True, related_name="+")
    to_dwelling = models.ForeignKey(Dwelling, models.SET_NULL, null=True, blank=True, related_name="+")
    moved_on = models.DateField(_("date"), default=timezone.localdate)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-moved_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.moved_on}"


class ImportBatch(models.Model):
    """An uploaded spreadsheet between preview and confirmation; then only the import's record."""

    class Kind(models.TextChoices):
        BUILDINGS = "buildings", _("buildings")
        DWELLINGS = "dwellings", _("dwellings")
        RESIDENTS = "residents", _("residents")

    class Status(models.TextChoices):
        CHECKING = "checking", _("being checked")  # stored before its check job has run
        PREVIEWED = "previewed", _("checked, waiting for confirmation")
        INVALID = "invalid", _("has errors, nothing imported")
        APPLIED = "applied", _("imported")

    community = models.ForeignKey(Community, models.CASCADE, related_name="imports")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    filename = models.CharField(max_length=200)
    data = models.BinaryField()
    status = models.CharField(max_length=20, choices=Status.choices)
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict)  # {"errors": [the first...], "preview": [...], "header": [...]}
    # The uploaded rows with an errors column, written once by the check that found them;
    # personal data like `data`, and deleted with it.
    error_report = models.BinaryField(default=b"", blank=True)
    summary = models.JSONField(default=dict)  # {"created": n, "updated": n, "unchanged": n}
    # The plan the preview showed, as `importing.plan_digest`: confirming writes only that plan.
    plan_digest = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    # When the file and its rows (names, ID numbers, phones) were deleted: at confirmation, or
    # FANGXIAN_IMPORT_KEEP_DAYS after an upload never confirmed. Counts and who/when stay.
    cleared_at = models.DateTimeField(null=True, blank=True)

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"


class Tally(models.Model):
    """Aggregate counts kept when an emergency's personal data is anonymised."""

    emergency = models.ForeignKey(Emergency, models.CASCADE, related_name="tallies")
    community = models.ForeignKey(Community, models.CASCADE, related_name="+")
    counts = models.JSONField(default=dict)
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["emergency", "community"], name="one_tally_per_community")]

    def __str__(self) -> str:
        return f"{self.emergency_id} / {self.community_id}"


class HouseholdLink(models.Model):
    """A household's private link: a page without an account that shows its permits, errands and
    orders, and lets it ask for help. Re-issuing one revokes the one before; the token is the
    only key, so it is long, random and never shown in a list."""

    dwelling = models.ForeignKey(Dwelling, models.CASCADE, related_name="links")
    token = models.CharField(max_length=43, unique=True, default=secrets.token_urlsafe, editable=False)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    SCOPE = ScopePath(community="dwelling__community_id", grid="dwelling__building__grid_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dwelling"], condition=models.Q(revoked_at__isnull=True), name="one_live_link_a_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dwelling} ({timezone.localtime(self.issued_at):%Y-%m-%d})"
