"""The models of inbound pushes (imported into integrations.models, their app)."""

from __future__ import annotations

import secrets

from django.db import models


def _new_token() -> str:
    # 32 bytes, URL-safe: the endpoint's address is not guessable, but the signature is
    # what authenticates a push — a leaked address alone changes nothing.
    return secrets.token_urlsafe(32)


class InboundHook(models.Model):
    """An integration's push endpoint: its public token and the vendor's signing secret."""

    integration = models.OneToOneField(
        "integrations.PMSIntegration", on_delete=models.CASCADE, related_name="inbound_hook"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    # The vendor's signing secret (Buildium generates it when the webhook is registered):
    # a Fernet token, never shown again after entry.
    secret_encrypted = models.TextField(blank=True, editable=False)
    secret_set_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "inbound push endpoint"

    def __str__(self) -> str:
        return f"Push endpoint of {self.integration}"


class InboundEvent(models.Model):
    """One request to a push endpoint: what came, whether it was genuine, what it set off.

    Kept for support ("did Buildium tell us about the move-out?"); the body is kept
    (events hold ids only), the signature headers are not.
    """

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        DUPLICATE = "duplicate", "Duplicate (replayed)"

    integration = models.ForeignKey(
        "integrations.PMSIntegration", on_delete=models.CASCADE, related_name="inbound_events"
    )
    received_at = models.DateTimeField(db_index=True)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    # Why a request was rejected, in words support can act on.
    reason = models.CharField(max_length=300, blank=True)
    # The replay key (the vendor's event id, or its stand-in): unique among accepted ones.
    event_key = models.CharField(max_length=200, blank=True)
    event_name = models.CharField(max_length=100, blank=True)
    lease_ids = models.JSONField(default=list, blank=True)
    tenant_ids = models.JSONField(default=list, blank=True)
    body = models.TextField(blank=True)
    # What the event set off: "targeted sync of lease 7001", or why nothing.
    triggered = models.CharField(max_length=300, blank=True)
    sync_run = models.ForeignKey(
        "integrations.SyncRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_events",
    )
    # When the targeted sync finished with the records the event named.
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "inbound push event"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "event_key"],
                condition=models.Q(verdict="accepted"),
                name="inboundevent_accepted_once",
            )
        ]
        indexes = [models.Index(fields=["integration", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.event_name or 'push'} ({self.get_verdict_display()})"
