from django.contrib import admin

from .models import Observation, Policy


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "days", "extra_home_days", "is_default"]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["resident", "kind", "start", "ends_on", "released_at"]
    list_filter = ["kind"]
    raw_id_fields = ["resident"]
