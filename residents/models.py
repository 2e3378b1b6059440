from __future__ import annotations

import builtins

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Trim

from common.models import TimeStampedModel


class ResidentStatus(models.TextChoices):
    FUTURE = "future", "Future"
    CURRENT = "current", "Current"
    PAST = "past", "Past"


class StatusSource(models.TextChoices):
    """Where the resident's DOOR status last came from."""

    MANUAL = "manual", "Set in the console"
    PMS = "pms", "PMS sync"
    IMPORT = "import", "Import"


class Resident(TimeStampedModel):
    """A contact of a property — a person who lives, or will or did live, there."""

    property = models.ForeignKey(
        "properties.Property", on_delete=models.CASCADE, related_name="residents"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +12125550123")
    lease_start = models.DateField(null=True, blank=True)
    lease_end = models.DateField(null=True, blank=True)
    move_in = models.DateField(null=True, blank=True)
    move_out = models.DateField(null=True, blank=True)
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="residents",
    )
    status = models.CharField(
        max_length=16, choices=ResidentStatus.choices, default=ResidentStatus.FUTURE
    )
    status_source = models.CharField(
        max_length=16, choices=StatusSource.choices, default=StatusSource.MANUAL
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # The PMS's own lease status, shown beside the DOOR status (User Sync keeps it).
    pms_status = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lease_end__isnull=True)
                | Q(lease_start__isnull=True)
                | Q(lease_end__gte=F("lease_start")),
                name="resident_lease_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(move_out__isnull=True)
                | Q(move_in__isnull=True)
                | Q(move_out__gte=F("move_in")),
                name="resident_move_out_after_move_in",
            ),
        ]
        indexes = [
            models.Index(fields=["property", "status", "last_name", "first_name"]),
            models.Index(fields=["property", "last_name", "first_name", "id"]),
            # The API's residents list: keyset pages in change order, and updated_since.
            models.Index(fields=["property", "updated_at", "id"], name="resident_changes"),
            models.Index(fields=["property", "email"]),
            models.Index(fields=["unit", "status"]),
            # User Sync looks up match candidates by email the way email_key compares
            # them, lower-cased and trimmed (an address typed in admin may differ in
            # case): without this, every batch scanned all the property's residents.
            models.Index(F("property"), Lower(Trim("email")), name="resident_property_email_key"),
        ]

    def __str__(self) -> str:
        return self.full_name

    # `property` is a field on this model, so name the builtin explicitly.
    @builtins.property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
