"""The audit log: one app, because every feature writes to it (STYLE: one home per concern)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AccessEvent(models.Model):
    """Append-only audit of everything that changed who can open which door — written by
    every feature through audit/services.py, read by timelines, reports and the API."""

    class Action(models.TextChoices):
        KEY_GRANTED = "key_granted", "Key granted"
        KEY_REVOKED = "key_revoked", "Key revoked"
        STATUS_CHANGED = "status_changed", "Status changed"
        RESIDENT_CREATED = "resident_created", "Resident created"
        RESIDENT_UPDATED = "resident_updated", "Resident updated"
        UNIT_ASSIGNED = "unit_assigned", "Unit assigned"
        KEY_CREATED = "key_created", "Key created"
        KEY_UPDATED = "key_updated", "Key updated"
        DOOR_UPDATED = "door_updated", "Door updated"
        UNITS_IMPORTED = "units_imported", "Units imported"
        SUGGESTION_APPROVED = "suggestion_approved", "Suggestion approved"
        SUGGESTION_DISCARDED = "suggestion_discarded", "Suggestion discarded"
        SETTING_CHANGED = "setting_changed", "Setting changed"
        SYNC_ALERT_RESOLVED = "sync_alert_resolved", "Sync alert resolved"
        OCCUPANCY_CHANGED = "occupancy_changed", "Occupancy changed"
        # Sync Now pressed through the API (the console's button is on the run itself).
        SYNC_STARTED = "sync_started", "Sync started"

    property = models.ForeignKey(
        "properties.Property", on_delete=models.CASCADE, related_name="access_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The integrator's API token that made the change, when one did (then ``actor`` is
    # null: a token is the organization's, not the manager's who created it).
    api_token = models.ForeignKey(
        "api.ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who acted, as shown: a user's name, "API token <name>", or "automation" / "PMS sync".
    actor_label = models.CharField(max_length=150)
    # Validated in code (audit/services.py), not by choices: a new action needs no migration.
    action = models.CharField(max_length=32)
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_events",
    )
    key = models.ForeignKey(
        "access.Key", on_delete=models.SET_NULL, null=True, blank=True, related_name="access_events"
    )
    subject = models.CharField(max_length=300)
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        # The table keeps the name it had when the log lived in access (moved, not copied).
        db_table = "access_accessevent"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["property", "-created_at"]),
            models.Index(fields=["resident", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action_label()}: {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The audit trail is append-only: an existing row is never rewritten.
        if self.pk is not None and not self._state.adding:
            raise ValueError("AccessEvent rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("AccessEvent rows are append-only.")

    # A method, not a property: the model's `property` field shadows the builtin here.
    def action_label(self) -> str:
        """The action as people read it ("Key granted"); an unknown name as stored."""
        try:
            return str(self.Action(self.action).label)
        except ValueError:
            return self.action
