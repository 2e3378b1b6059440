from __future__ import annotations

from django.contrib import admin

from residents.models import Resident


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = [
        "last_name",
        "first_name",
        "email",
        "property",
        "unit",
        "status",
        "status_source",
    ]
    list_filter = ["status", "status_source", "property__organization", "property"]
    # Accent-insensitive, as in the console (common/search.py).
    search_fields = [
        "first_name__unaccent__icontains",
        "last_name__unaccent__icontains",
        "email",
        "phone",
        "unit__name",
    ]
    list_select_related = ["property", "unit"]
    autocomplete_fields = ["property", "unit"]
    # Status changes carry key effects: support uses the console (or a service), not a raw edit.
    readonly_fields = ["status", "status_source", "status_changed_at", "created_at", "updated_at"]
