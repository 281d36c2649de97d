from django.contrib import admin

from .models import AuditEvent, Role

# Only superusers (data stewards) reach the admin: it does not go through the scoping layer.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
admin.site.site_header = "Fangxian"


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "city", "district", "street", "community", "grid"]
    list_filter = ["kind"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        obj.full_clean()
        super().save_model(request, obj, form, change)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "username", "action", "community", "target_type", "target_id", "ip"]
    list_filter = ["action"]
    search_fields = ["username"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
