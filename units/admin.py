from __future__ import annotations

from django.contrib import admin

from units.models import Unit, UnitImport


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "building", "floor", "property", "created_at"]
    list_filter = ["property__organization", "property"]
    search_fields = ["name", "building", "property__name"]
    list_select_related = ["property"]
    autocomplete_fields = ["property"]


@admin.register(UnitImport)
class UnitImportAdmin(admin.ModelAdmin):
    list_display = [
        "filename",
        "property",
        "state",
        "row_count",
        "error_count",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["state"]
    search_fields = ["filename", "property__name"]
    list_select_related = ["property", "uploaded_by"]
    readonly_fields = [f.name for f in UnitImport._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
