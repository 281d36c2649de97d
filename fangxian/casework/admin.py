from django.contrib import admin

from .models import Case, Category, Holiday, Step


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "respond_within", "respond_unit", "resolve_within", "resolve_unit", "active"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["street", "day", "working", "name"]


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    readonly_fields = ["action", "by", "at", "note"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["id", "street", "community", "category", "source", "state", "received_at", "resolve_by"]
    list_filter = ["state", "source"]
    raw_id_fields = ["community", "building", "dwelling", "business", "assigned_to"]
    inlines = [StepInline]
