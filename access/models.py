from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from common.models import TimeStampedModel

COMMON_AREA_KEY_NAMES = ("Resident Entrances", "Resident Amenities")


class Door(TimeStampedModel):
    property = models.ForeignKey(
        "properties.Property", on_delete=models.CASCADE, related_name="doors"
    )
    name = models.CharField(max_length=150)
    location = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("property", Lower("name"), name="door_name_unique_per_property")
        ]

    def __str__(self) -> str:
        return self.name


class Key(TimeStampedModel):
    """A named set of doors that can be granted to residents."""

    class Kind(models.TextChoices):
        UNIT = "unit", "Unit key"
        COMMON = "common", "Common area"
        OTHER = "other", "Other"

    property = models.ForeignKey(
        "properties.Property", on_delete=models.CASCADE, related_name="keys"
    )
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="keys"
    )
    doors = models.ManyToManyField(Door, blank=True, related_name="keys")
    shareable = models.BooleanField(
        default=False, help_text="Residents holding this key may share it with guests."
    )
    share_with_current_residents = models.BooleanField(
        default=False, help_text="Granted to every current resident (common-area keys)."
    )

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint("property", Lower("name"), name="key_name_unique_per_property"),
            # A unit key always names its unit; other keys never do.
            models.CheckConstraint(
                condition=(Q(kind="unit") & Q(unit__isnull=False))
                | (~Q(kind="unit") & Q(unit__isnull=True)),
                name="key_unit_iff_unit_kind",
            ),
        ]
        indexes = [models.Index(fields=["property", "share_with_current_residents"])]

    def __str__(self) -> str:
        return self.name


class KeyGrant(models.Model):
    """A key held by a resident for a period. Revoked grants are kept for the record."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        AUTOMATED = "automated", "Automated"

    key = models.ForeignKey(Key, on_delete=models.CASCADE, related_name="grants")
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.CASCADE, related_name="key_grants"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    # Copied from the key when granted, so the grant keeps its own terms.
    shareable = models.BooleanField(default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Never two live grants of one key to one resident.
            models.UniqueConstraint(
                fields=["key", "resident"],
                condition=Q(revoked_at__isnull=True),
                name="keygrant_one_active_per_key_and_resident",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="keygrant_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["resident", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.key} → {self.resident}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def starts_later(self) -> bool:
        """Granted but not opening doors yet (automated grants start 15 minutes on)."""
        return self.revoked_at is None and self.starts_at > timezone.now()


class AccessEvent(models.Model):
    """Append-only audit of everything that changed who can open which door."""

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
    action = models.CharField(max_length=32, choices=Action.choices)
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_events",
    )
    key = models.ForeignKey(
        Key, on_delete=models.SET_NULL, null=True, blank=True, related_name="access_events"
    )
    subject = models.CharField(max_length=300)
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["property", "-created_at"]),
            models.Index(fields=["resident", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The audit trail is append-only: an existing row is never rewritten.
        if self.pk is not None and not self._state.adding:
            raise ValueError("AccessEvent rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("AccessEvent rows are append-only.")


class AccessSuggestion(models.Model):
    """A lease-driven access change waiting for a manager (Approval Required mode).

    Green grant, red revoke, grey no change. One row per (resident, transition, kind,
    key): a re-sync never duplicates one, and a discarded one is not suggested again
    for the same transition.
    """

    class Kind(models.TextChoices):
        GRANT = "grant", "Grant"
        REVOKE = "revoke", "Revoke"
        NONE = "none", "No change"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DISCARDED = "discarded", "Discarded"
        SUPERSEDED = "superseded", "Superseded by a newer change"
        STALE = "stale", "No longer applies"
        # An Automatic-mode revoke written during a sync and settled when the sync ends:
        # applied, or made pending behind the mass-revoke brake's alert (access/brake.py).
        HELD = "held", "Held until the sync ends"

    property = models.ForeignKey(
        "properties.Property", on_delete=models.CASCADE, related_name="access_suggestions"
    )
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.CASCADE, related_name="access_suggestions"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.ForeignKey(Key, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    grant = models.ForeignKey(
        KeyGrant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Identifies the PMS transition this came from (record, from → to, unit, data).
    transition_key = models.CharField(max_length=200)
    transition_label = models.CharField(max_length=200)
    reason = models.CharField(max_length=300)
    detected_at = models.DateTimeField()
    starts_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Held by the mass-revoke brake: a revoke Automatic mode would have applied, waiting
    # with the others of its sync alert for a manager's approval in bulk.
    brake = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["resident_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "transition_key", "kind", "key"],
                condition=Q(key__isnull=False),
                name="suggestion_once_per_transition_and_key",
            ),
            # Grey "no change" rows have no key: one per transition.
            models.UniqueConstraint(
                fields=["resident", "transition_key"],
                condition=Q(key__isnull=True),
                name="suggestion_one_no_change_per_transition",
            ),
            models.CheckConstraint(
                condition=Q(kind="none") | Q(key__isnull=False),
                name="suggestion_grant_or_revoke_names_a_key",
            ),
        ]
        indexes = [
            models.Index(fields=["property", "state", "kind"]),
            models.Index(fields=["resident", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.key or self.reason} → {self.resident_id}"
