from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from common.admin import ZONED_TIMES
from properties.models import Membership, Organization, Property

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ConsoleUserAdmin(UserAdmin):  # type: ignore[type-arg]
    """Django's user admin, its last-login and joined times naming their zone."""

    formfield_overrides = ZONED_TIMES


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(Property)
class PropertyAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "time_zone", "address", "created_at"]
    list_filter = ["organization", "time_zone"]
    search_fields = ["name", "address", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "property", "role"]
    list_filter = ["role", "organization"]
    search_fields = ["user__username", "user__email", "organization__name", "property__name"]
    list_select_related = ["user", "organization", "property"]
    autocomplete_fields = ["user", "organization", "property"]
