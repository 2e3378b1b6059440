from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from api.models import ApiToken
from common.admin import ZONED_TIMES


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Support sees and may revoke tokens (set "revoked at"); the secret is never stored."""

    formfield_overrides = ZONED_TIMES

    list_display = ["name", "organization", "prefix", "scopes", "last_used_at", "revoked_at"]
    list_filter = ["organization"]
    list_select_related = ["organization"]
    search_fields = ["name", "prefix"]
    readonly_fields = [
        "organization",
        "name",
        "scopes",
        "properties",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_by",
    ]
    exclude = ["secret_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
