from django.contrib import admin

from .models import Errand


@admin.register(Errand)
class ErrandAdmin(admin.ModelAdmin):
    list_display = ["id", "community", "kind", "state", "needed_by", "claimed_by", "delivered_by", "door_only"]
    list_filter = ["state", "kind", "door_only"]
    raw_id_fields = ["dwelling", "resident"]
    readonly_fields = ["code", "client_id", "claim_client_id", "deliver_client_id", "photo"]
