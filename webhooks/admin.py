"""Support's view of webhooks: read-mostly, with the actions a support call needs."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from common.text import plural
from webhooks import services
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "enabled", "disabled_reason", "created_at"]
    list_filter = ["organization", ("disabled_at", admin.EmptyFieldListFilter)]
    search_fields = ["url", "description", "organization__name"]
    list_select_related = ["organization"]
    # The signing secret is never shown back, not even encrypted.
    exclude = ["secret_encrypted"]
    readonly_fields = [
        "organization",
        "url",
        "events",
        "created_by",
        "created_at",
        "disabled_at",
        "disabled_reason",
    ]
    filter_horizontal = ["properties"]
    actions = ["disable", "enable"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # added in the console, where the secret is shown once

    @admin.display(boolean=True)
    def enabled(self, obj: WebhookEndpoint) -> bool:
        return obj.enabled

    @admin.action(description="Disable the selected endpoints")
    def disable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_disable_by(endpoint=endpoint, actor=request.user)
        self.message_user(request, f"{plural(queryset.count(), 'endpoint')} disabled.")

    @admin.action(description="Enable the selected endpoints")
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_enable(endpoint=endpoint)
        self.message_user(request, f"{plural(queryset.count(), 'endpoint')} enabled.")


@admin.register(WebhookMessage)
class WebhookMessageAdmin(admin.ModelAdmin):
    list_display = ["msg_id", "event_type", "organization", "property", "created_at"]
    list_filter = ["event_type"]
    search_fields = ["msg_id"]
    list_select_related = ["organization", "property"]
    readonly_fields = [f.name for f in WebhookMessage._meta.fields]


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = [
        "number",
        "attempted_at",
        "status_code",
        "latency_ms",
        "response_excerpt",
        "error",
    ]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "endpoint",
        "message",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["state"]
    search_fields = ["message__msg_id", "endpoint__url"]
    list_select_related = ["endpoint", "message"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay"]

    @admin.action(description="Replay the selected deliveries")
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        done = 0
        for delivery in queryset.select_related("endpoint", "message"):
            try:
                services.delivery_replay(delivery=delivery)
                done += 1
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.WARNING)
        self.message_user(request, f"{plural(done, 'delivery', 'deliveries')} queued again.")
