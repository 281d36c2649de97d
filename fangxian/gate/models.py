"""Signed entry permits, the gates that check them, and every pass through a gate."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.people.models import Resident
from fangxian.places.models import Community, Dwelling, ScopePath

from . import keys


class SigningKey(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="signing_keys")
    kid = models.BinaryField(max_length=4, unique=True)
    public_key = models.BinaryField(max_length=32)
    private_key_encrypted = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["community", "-created_at"]

    def __str__(self) -> str:
        return self.kid.hex() if isinstance(self.kid, bytes) else bytes(self.kid).hex()

    @classmethod
    def create_for(cls, community: Community) -> SigningKey:
        encrypted, public = keys.new_key_pair()
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    return cls.objects.create(
                        community=community, kid=keys.new_kid(), public_key=public, private_key_encrypted=encrypted
                    )
            except IntegrityError:  # a 4-byte kid collided; draw another
                continue
        raise RuntimeError("could not draw a unique key id")

    @classmethod
    def current(cls, community: Community) -> SigningKey:
        """The newest key still in service; a community's first permit makes its first key."""
        key = cls.objects.filter(community=community, retired_at=None).order_by("-created_at").first()
        return key or cls.create_for(community)

    @cached_property
    def private(self):
        return keys.private_key(bytes(self.private_key_encrypted))

    @property
    def kid_hex(self) -> str:
        return bytes(self.kid).hex()


class Permit(models.Model):
    class RevokeReason(models.TextChoices):
        LOST = "lost", _("lost")
        MOVED_OUT = "moved_out", _("moved out")
        MISUSE = "misuse", _("misuse")
        REISSUED = "reissued", _("replaced by a new permit")

    community = models.ForeignKey(Community, models.CASCADE, related_name="permits")
    resident = models.ForeignKey(Resident, models.CASCADE, related_name="permits")
    key = models.ForeignKey(SigningKey, models.PROTECT, related_name="permits")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    photo_sha256 = models.CharField(max_length=64, blank=True)
    code = models.TextField()
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=20, choices=RevokeReason.choices, blank=True)

    SCOPE = ScopePath(community="community_id", grid="resident__dwelling__building__grid_id")

    class Meta:
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["community", "revoked_at"])]

    def __str__(self) -> str:
        return str(self.pk)


class Gate(models.Model):
    class Direction(models.TextChoices):
        IN = "in", _("in")
        OUT = "out", _("out")
        BOTH = "both", _("in and out")

    community = models.ForeignKey(Community, models.CASCADE, related_name="gates")
    name = models.CharField(_("gate name"), max_length=100)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices, default=Direction.BOTH)
    keepers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="gates", blank=True, verbose_name=_("keepers posted here")
    )

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["community", "name"]

    def __str__(self) -> str:
        return self.name

    def accepted_issuers(self) -> set[int]:
        """Its own community's permits, and those of every community that granted it trust."""
        return {
            self.community_id,
            *TrustGrant.objects.filter(gate=self, status=TrustGrant.Status.GRANTED).values_list("issuer_id", flat=True),
        }


class TrustGrant(models.Model):
    """A community's leave for a gate of another community to admit its permits: asked by the
    gate's community, granted by the issuer's secretary (or an office above both), ended by
    either side at any time. While it is granted, the gate gets the issuer's keys,
    revocations and observed permits, and its keepers see the holders' photos."""

    class Status(models.TextChoices):
        ASKED = "asked", _("asked")
        GRANTED = "granted", _("granted")
        ENDED = "ended", _("ended")

    class Ending(models.TextChoices):
        REFUSED = "refused", _("refused")
        REVOKED = "revoked", _("revoked")
        WITHDRAWN = "withdrawn", _("withdrawn by the gate")

    gate = models.ForeignKey(Gate, models.CASCADE, related_name="grants")
    issuer = models.ForeignKey(Community, models.CASCADE, related_name="trust_grants", verbose_name=_("issuer"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ASKED)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    granted_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ending = models.CharField(max_length=10, choices=Ending.choices, blank=True)

    SCOPE = ScopePath(community="issuer_id")

    class Meta:
        ordering = ["-asked_at"]
        verbose_name = _("trust grant")
        constraints = [
            models.UniqueConstraint(
                fields=["gate", "issuer"],
                condition=~models.Q(status="ended"),
                name="one_open_grant_per_gate_and_issuer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer_id} → {self.gate_id}: {self.status}"


class Verdict(models.TextChoices):
    ADMIT = "admit", _("admit")
    FEVER = "fever", _("fever")
    FORGED = "forged", _("forged")
    UNKNOWN_ISSUER = "unknown_issuer", _("unknown issuer")
    NOT_ACCEPTED_HERE = "not_accepted_here", _("not accepted here")
    REVOKED = "revoked", _("revoked")
    NOT_YET_VALID = "not_yet_valid", _("not yet valid")
    EXPIRED = "expired", _("expired")
    UNDER_OBSERVATION = "under_observation", _("under observation")
    AWAITING_RETEST = "awaiting_retest", _("awaiting retest")
    REFUSED = "refused", _("refused")


class Pass(models.Model):
    class Kind(models.TextChoices):
        PERMIT = "permit", _("permit")
        VISITOR = "visitor", _("visitor")
        COURIER = "courier", _("courier")
        REFUSAL = "refusal", _("refusal")

    class Refusal(models.TextChoices):
        NO_PERMIT = "no_permit", _("no permit")
        NO_MASK = "no_mask", _("no mask")
        WOULD_NOT_STOP = "would_not_stop", _("would not stop")

    class NoTemperature(models.TextChoices):
        """Why a pass holds no temperature: a pass says one or the other, never neither."""

        THERMOMETER_FAILED = "thermometer_failed", _("thermometer failed")
        GOING_OUT = "going_out", _("going out")
        NOT_ADMITTED = "not_admitted", _("not admitted")

    gate = models.ForeignKey(Gate, models.CASCADE, related_name="passes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    reasons = models.JSONField(default=list, blank=True)
    direction = models.CharField(max_length=4, choices=Gate.Direction.choices)
    temperature = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    no_temperature = models.CharField(max_length=20, choices=NoTemperature.choices, blank=True)
    permit = models.ForeignKey(Permit, models.SET_NULL, null=True, blank=True, related_name="passes")
    claimed_permit_id = models.BigIntegerField(null=True, blank=True)  # as read, even from a forged code
    issuer_code = models.CharField(max_length=20, blank=True)
    holder = models.CharField(max_length=50, blank=True)  # masked name, or the visitor's name
    phone = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    visiting = models.ForeignKey(Dwelling, models.SET_NULL, null=True, blank=True, related_name="+")
    refusal = models.CharField(max_length=20, choices=Refusal.choices, blank=True)
    scanned_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    keeper = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    client_id = models.UUIDField(unique=True)

    SCOPE = ScopePath(community="gate__community_id")

    class Meta:
        ordering = ["-scanned_at"]
        indexes = [
            models.Index(fields=["gate", "scanned_at"]),
            models.Index(fields=["phone"]),
            # The same card at the same gate a moment ago (checking.permit_rows), on every scan.
            models.Index(fields=["permit", "gate", "scanned_at"], name="pass_permit_gate_time"),
            # Who came to see a dwelling (tracing a case that lives there).
            models.Index(fields=["visiting", "scanned_at"], name="pass_visiting_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.scanned_at:%Y-%m-%d %H:%M}"

    @property
    def temperature_text(self) -> str:
        """The temperature, or why none was taken, as the records and their export show it."""
        if self.temperature is not None:
            return str(self.temperature)
        if self.no_temperature:
            return _("not taken: %(why)s") % {"why": self.get_no_temperature_display()}
        return ""
