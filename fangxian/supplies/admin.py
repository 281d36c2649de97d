from django.contrib import admin

from .models import Item, Movement, Store


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "unit", "pack_name", "pack_size", "minimum"]
    list_filter = ["community"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "gate"]
    list_filter = ["community"]


@admin.register(Movement)
class MovementAdmin(admin.ModelAdmin):
    """Read only: a movement is never edited or deleted, here neither; corrections are reversals."""

    list_display = ["happened_at", "community", "kind", "item", "quantity", "from_store", "to_store", "receipt"]
    list_filter = ["community", "kind"]
    list_select_related = ["community", "item", "from_store", "to_store"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
