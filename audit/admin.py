from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "property", "actor_label", "action", "subject", "reason"]
    list_filter = ["action", "property"]
    search_fields = ["subject", "reason", "actor_label", "resident__email"]
    list_select_related = ["property"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in AccessEvent._meta.fields]

    # The audit trail is read-only, for support as for everyone.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
