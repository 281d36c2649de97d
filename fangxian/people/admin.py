from django.contrib import admin

from .models import Emergency, Resident


@admin.register(Emergency)
class EmergencyAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "opened_on", "closed_on", "purged_at"]
    readonly_fields = ["purged_at"]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    # Identifiers stay masked even here; a full number is revealed on the resident's page,
    # where the reveal is audited.
    list_display = ["name", "community", "dwelling", "masked_id_number", "masked_phone", "moved_out_on"]
    list_filter = ["community", "residence"]
    search_fields = ["name", "name_initials"]
    raw_id_fields = ["dwelling", "emergency"]
    exclude = ["id_number", "phone", "photo"]
    readonly_fields = ["community"]
