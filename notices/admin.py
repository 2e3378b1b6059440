from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from notices.models import NoticeOptOut, NoticeSent


@admin.register(NoticeSent)
class NoticeSentAdmin(admin.ModelAdmin):
    """What was emailed to whom, for support ("did they get told?")."""

    list_display = ("sent_at", "property", "kind", "subject")
    list_filter = ("kind",)
    search_fields = ("property__name", "subject", "key")
    readonly_fields = ("property", "kind", "key", "subject", "recipients", "sent_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(NoticeOptOut)
class NoticeOptOutAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "user__email")
