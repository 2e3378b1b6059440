"""Outbound webhooks (Standard Webhooks): endpoints, the messages sent, each delivery.

An endpoint belongs to an organization and receives the events it asked for, of every
property or of the properties chosen. A message is one event, signed and sent with the
same ``webhook-id`` to each matching endpoint by its own delivery; every try of a
delivery is an attempt, kept for the endpoint's delivery log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from properties.models import Organization, Property


class EventType(models.TextChoices):
    ACCESS_GRANTED = "access.granted", "A key was granted"
    ACCESS_REVOKED = "access.revoked", "A key was revoked"
    RESIDENT_CREATED = "resident.created", "A resident was added"
    RESIDENT_STATUS_CHANGED = "resident.status_changed", "A resident's status changed"
    RESIDENT_UNIT_CHANGED = "resident.unit_changed", "A resident moved to another unit"
    SUGGESTION_CREATED = "suggestion.created", "Access suggestions are waiting for approval"
    SYNC_FAILED = "sync.failed", "A PMS sync failed"
    SYNC_STALE = "sync.stale", "No successful PMS sync for over a day"


# Sent only by "Send test event", to one endpoint, whatever events it asked for.
TEST_EVENT = "webhook.test"


class WebhookEndpoint(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Event types this endpoint receives.")
    properties = models.ManyToManyField(
        Property,
        blank=True,
        related_name="+",
        help_text="Only events of these properties; none chosen: every property.",
    )
    # The signing secret ("whsec_…"), Fernet-encrypted like PMS secrets; shown once.
    secret_encrypted = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


class WebhookMessage(models.Model):
    """One event, as sent: ``body`` is the exact JSON signed, so a retry or a replay sends
    the same bytes under the same ``webhook-id``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    property = models.ForeignKey(
        Property, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    msg_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=64)
    body = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.event_type} {self.msg_id}"


class WebhookDelivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The last attempt, for the log without a join per row.
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The sweeper: due pending deliveries, oldest first.
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
            # The delivery log: an endpoint's newest first.
            models.Index(fields=["endpoint", "-id"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"Delivery {self.id} ({self.state})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_rows"
    )
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery_id", "number"]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"


class SyncStaleNotice(models.Model):
    """The staleness already announced (sync.stale) for an integration: one event per
    stretch without a successful sync, not one an hour."""

    integration = models.OneToOneField(
        "integrations.PMSIntegration", on_delete=models.CASCADE, related_name="+"
    )
    since = models.DateTimeField()
    announced_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"sync.stale for integration {self.integration_id} since {self.since:%Y-%m-%d %H:%M}"
