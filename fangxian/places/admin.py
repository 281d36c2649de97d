from django.contrib import admin

from .models import Building, Business, City, Community, District, Dwelling, Grid, Street


@admin.register(City, District, Street, Community)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "community"]
    list_filter = ["community"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["number", "community", "kind", "floors", "entrances", "grid"]
    list_filter = ["community", "kind"]
    search_fields = ["number", "name"]


@admin.register(Dwelling)
class DwellingAdmin(admin.ModelAdmin):
    list_display = ["building", "entrance", "floor", "room"]
    list_filter = ["community"]
    search_fields = ["room"]
    raw_id_fields = ["building"]
    readonly_fields = ["community"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "address", "staff_count"]
    list_filter = ["kind", "community"]
    raw_id_fields = ["building", "tower"]
