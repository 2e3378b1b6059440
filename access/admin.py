from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from access.automation import suggestion_discard
from access.models import AccessSuggestion, Door, Key, KeyGrant
from common.admin import NoDirectDeleteMixin
from common.text import plural


@admin.register(Door)
class DoorAdmin(admin.ModelAdmin):
    list_display = ["name", "property", "location"]
    list_filter = ["property"]
    search_fields = ["name", "location", "property__name"]
    list_select_related = ["property"]
    autocomplete_fields = ["property"]


@admin.register(Key)
class KeyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "property", "unit", "shareable", "share_with_current_residents"]
    list_filter = ["kind", "shareable", "share_with_current_residents", "property"]
    search_fields = ["name", "property__name", "unit__name"]
    list_select_related = ["property", "unit"]
    autocomplete_fields = ["property", "unit", "doors"]


@admin.register(KeyGrant)
class KeyGrantAdmin(NoDirectDeleteMixin, admin.ModelAdmin):
    # Deleting a grant would erase it without an AccessEvent: keys are revoked (audited)
    # in the console, on the resident's page.
    no_delete_reason = "Revoke the key on the resident's page instead: that is audited."

    list_display = ["key", "resident", "source", "starts_at", "ends_at", "revoked_at"]
    list_filter = ["source", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = [
        "key__name",
        "resident__first_name__unaccent__icontains",
        "resident__last_name__unaccent__icontains",
        "resident__email",
    ]
    list_select_related = ["key", "resident"]
    # Grants change through the console's services so every change is audited.
    readonly_fields = [f.name for f in KeyGrant._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AccessSuggestion)
class AccessSuggestionAdmin(NoDirectDeleteMixin, admin.ModelAdmin):
    """What managers see in their alert window, for support to look into. Decisions stay
    the manager's (Update Access); support may only discard, which is audited — never
    delete, which would also forget a discard and let it be suggested again."""

    no_delete_reason = "Discard it instead: a discarded suggestion is not suggested again."

    list_display = [
        "resident",
        "kind",
        "key",
        "transition_label",
        "reason",
        "state",
        "property",
        "detected_at",
    ]
    list_filter = ["state", "kind", "property"]
    search_fields = [
        "resident__first_name__unaccent__icontains",
        "resident__last_name__unaccent__icontains",
        "resident__email",
        "reason",
    ]
    list_select_related = ["resident", "key", "property"]
    date_hierarchy = "detected_at"
    readonly_fields = [f.name for f in AccessSuggestion._meta.fields]
    actions = ["discard"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Discard the selected pending suggestions (audited)")
    def discard(self, request: HttpRequest, queryset: QuerySet[AccessSuggestion]) -> None:
        done = 0
        for suggestion in queryset.filter(state=AccessSuggestion.State.PENDING):
            try:
                suggestion_discard(suggestion=suggestion, actor=request.user)
            except ValidationError:
                continue  # handled meanwhile in the console
            done += 1
        self.message_user(request, f"{plural(done, 'suggestion')} discarded.")
