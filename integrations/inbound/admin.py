"""Support's view of pushes: every request received, whether it was genuine, what it set off
(imported by integrations/admin.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from common.admin import NoDirectDeleteMixin
from integrations.inbound.models import InboundEvent, InboundHook


@admin.register(InboundEvent)
class InboundEventAdmin(NoDirectDeleteMixin, admin.ModelAdmin):
    no_delete_reason = "The push log is kept as evidence."
    list_display = ["received_at", "integration", "event_name", "verdict", "reason", "triggered"]
    list_filter = ["verdict", "event_name"]
    search_fields = ["integration__property__name", "event_name", "reason", "body"]
    list_select_related = ["integration__property", "integration__credential"]
    date_hierarchy = "received_at"
    raw_id_fields = ["integration", "sync_run"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InboundHook)
class InboundHookAdmin(NoDirectDeleteMixin, admin.ModelAdmin):
    """The token and whether a secret is set; the secret itself is never shown."""

    no_delete_reason = "Delete the integration instead."
    list_display = ["integration", "secret_set", "secret_set_at", "created_at"]
    readonly_fields = ("integration", "token", "secret_set", "secret_set_at", "created_at")
    fields = ("integration", "token", "secret_set", "secret_set_at", "created_at")
    list_select_related = ["integration__property", "integration__credential"]

    @admin.display(description="Signing secret set", boolean=True)
    def secret_set(self, obj: InboundHook) -> bool:
        return bool(obj.secret_encrypted)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
