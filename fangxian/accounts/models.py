"""Staff roles scoped to one place in the territory, API tokens, and the audit log."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangxian.places.models import City, Community, District, Grid, ScopePath, Street


class Role(models.Model):
    class Kind(models.TextChoices):
        CITY_ADMIN = "city_admin", _("city administrator")
        DISTRICT_ADMIN = "district_admin", _("district administrator")
        STREET_ADMIN = "street_admin", _("street administrator")
        SECRETARY = "secretary", _("community secretary")
        COMMUNITY_WORKER = "community_worker", _("community worker")
        GRID_WORKER = "grid_worker", _("grid worker")
        GATE_KEEPER = "gate_keeper", _("gate keeper")
        HEALTH_WORKER = "health_worker", _("health worker")
        VOLUNTEER = "volunteer", _("volunteer")
        LIAISON = "liaison", _("department liaison")

    # Which level of the territory each kind of role is scoped to.
    LEVELS = {
        Kind.CITY_ADMIN: "city",
        Kind.DISTRICT_ADMIN: "district",
        Kind.STREET_ADMIN: "street",
        Kind.SECRETARY: "community",
        Kind.COMMUNITY_WORKER: "community",
        Kind.GRID_WORKER: "grid",
        Kind.GATE_KEEPER: "community",
        Kind.HEALTH_WORKER: "community",
        Kind.VOLUNTEER: "community",
        Kind.LIAISON: "street",
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=30, choices=Kind.choices)
    city = models.ForeignKey(City, models.CASCADE, null=True, blank=True)
    district = models.ForeignKey(District, models.CASCADE, null=True, blank=True)
    street = models.ForeignKey(Street, models.CASCADE, null=True, blank=True)
    community = models.ForeignKey(Community, models.CASCADE, null=True, blank=True)
    grid = models.ForeignKey(Grid, models.CASCADE, null=True, blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                name="role_scoped_to_exactly_one_place",
                condition=(
                    models.Q(city__isnull=False, district=None, street=None, community=None, grid=None)
                    | models.Q(city=None, district__isnull=False, street=None, community=None, grid=None)
                    | models.Q(city=None, district=None, street__isnull=False, community=None, grid=None)
                    | models.Q(city=None, district=None, street=None, community__isnull=False, grid=None)
                    | models.Q(city=None, district=None, street=None, community=None, grid__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.place}"

    @property
    def place(self):
        return getattr(self, self.LEVELS[self.kind])

    def clean(self):
        from django.core.exceptions import ValidationError

        level = self.LEVELS.get(self.kind)
        set_levels = [lvl for lvl in ("city", "district", "street", "community", "grid") if getattr(self, f"{lvl}_id")]
        if set_levels != [level]:
            raise ValidationError(
                _("A %(role)s is scoped to one %(level)s.") % {"role": self.get_kind_display(), "level": level}
            )


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """Only the digest is stored: a leaked database does not leak usable tokens. Revoking
    deletes the row; every request looks its token up, so a revoked token stops at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("device"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name or self.pk} ({self.user_id})"

    @classmethod
    def issue(cls, user, name: str = "") -> str:
        token = "fx_" + secrets.token_urlsafe(32)
        now = timezone.now()
        cls.objects.create(
            user=user,
            name=name[:100],
            digest=token_digest(token),
            created_at=now,
            expires_at=now + timezone.timedelta(days=settings.API_TOKEN_DAYS),
        )
        return token


class AccessVersion(models.Model):
    """One number that changes whenever who may do what changes: a role given or removed,
    an account switched off, a token revoked, a keeper posted, a gate's trust granted or
    ended. A worker keeps what it looked up about a user (roles, gate postings) only while
    the number stays the same, so every change reaches the next request on every worker,
    and a busy gate still asks the database one question per scan about who is asking."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.version)

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=1).update(version=models.F("version") + 1):
            cls.objects.get_or_create(pk=1)

    @classmethod
    def current(cls) -> int:
        return cls.objects.filter(pk=1).values_list("version", flat=True).first() or 0


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        REVEAL_ID = "reveal_id", _("revealed an ID number")
        REVEAL_PHONE = "reveal_phone", _("revealed a phone number")
        EXPORT = "export", _("exported a list")
        IMPORT = "import", _("imported a file")
        PURGE = "purge", _("anonymised personal data")
        LOGIN = "login", _("logged in")
        TOKEN = "token", _("took an API token")
        GRANT = "grant", _("gave a role")
        REVOKE = "revoke", _("removed a role")
        LOGIN_FAILED = "login_failed", _("failed to log in")
        TOKEN_REVOKED = "token_revoked", _("revoked an API token")
        DEACTIVATE = "deactivate", _("switched an account off")
        TRUST_ASKED = "trust_asked", _("asked to admit another community's permits")
        TRUST_GRANTED = "trust_granted", _("let a gate admit its permits")
        TRUST_ENDED = "trust_ended", _("ended a gate's admission of permits")
        CAMPAIGN_CLOSED = "campaign_closed", _("closed a census campaign")
        CAMPAIGN_REOPENED = "campaign_reopened", _("reopened a census campaign")
        ROSTER_PUBLISHED = "roster_published", _("published a roster")
        PASS_UNDONE = "pass_undone", _("undid a gate pass")
        LINK_ISSUED = "link_issued", _("gave a household its link")
        LINK_REVOKED = "link_revoked", _("revoked a household's link")
        KIT_CLOSED = "kit_closed", _("closed a kit distribution")
        KIT_REOPENED = "kit_reopened", _("reopened a kit distribution")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True)
    username = models.CharField(max_length=150)  # kept when the account is deleted
    action = models.CharField(max_length=20, choices=Action.choices)
    community = models.ForeignKey(Community, models.SET_NULL, null=True, blank=True)
    target_type = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=50, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    SCOPE = ScopePath(community="community_id")

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


def bump_access_version(*_args, **_kwargs) -> None:
    AccessVersion.bump()


def version_follows(*models_) -> None:
    """Saving or deleting any of these models changes who may do what."""
    for model in models_:
        models.signals.post_save.connect(
            bump_access_version, sender=model, dispatch_uid=f"access-save-{model._meta.label}"
        )
        models.signals.post_delete.connect(
            bump_access_version, sender=model, dispatch_uid=f"access-delete-{model._meta.label}"
        )
