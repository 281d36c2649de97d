from django.contrib import admin
from django.utils import timezone

from .models import Gate, Pass, Permit, SigningKey, TrustGrant


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """A community's first permit makes its first key; the "add a key" action rotates, and a
    steward retires an old key here once its permits have been reissued. Private keys never
    show."""

    list_display = ["community", "kid_hex", "created_at", "retired_at"]
    list_filter = ["retired_at"]
    fields = ["community", "kid_hex", "created_at", "retired_at"]
    readonly_fields = ["community", "kid_hex", "created_at", "retired_at"]
    actions = ["retire", "add_key"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retire the selected keys (their permits stop verifying)")
    def retire(self, request, queryset):
        queryset.filter(retired_at=None).update(retired_at=timezone.now())

    @admin.action(description="Add a new key for the selected keys' communities (rotation)")
    def add_key(self, request, queryset):
        for community in {k.community for k in queryset.select_related("community")}:
            SigningKey.create_for(community)


@admin.register(Gate)
class GateAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "direction"]
    filter_horizontal = ["keepers"]


@admin.register(TrustGrant)
class TrustGrantAdmin(admin.ModelAdmin):
    """Trust is asked and granted by the communities on /gate/trust/, where it is audited."""

    list_display = ["gate", "issuer", "status", "asked_at", "granted_at", "ended_at", "ending"]
    list_filter = ["status"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Permit)
class PermitAdmin(admin.ModelAdmin):
    list_display = ["id", "community", "valid_until", "revoked_at", "revoke_reason"]
    list_filter = ["community", "revoke_reason"]
    readonly_fields = [
        "community",
        "resident",
        "key",
        "valid_from",
        "valid_until",
        "photo_sha256",
        "code",
        "issued_at",
        "issued_by",
    ]


@admin.register(Pass)
class PassAdmin(admin.ModelAdmin):
    list_display = ["scanned_at", "gate", "kind", "verdict", "temperature"]
    list_filter = ["verdict", "kind"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
