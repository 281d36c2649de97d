from django.contrib import admin

from .models import Item, Template


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    """Checklists for the data stewards: a version that was used is shown, not changed (add
    the next version of the kind instead)."""

    list_display = ["kind", "version", "created_at"]
    list_filter = ["kind"]
    inlines = [ItemInline]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.inspections.exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)
