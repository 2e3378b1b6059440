from __future__ import annotations

from django.contrib import admin

from properties.models import Membership, Organization, Property


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
