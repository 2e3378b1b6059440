from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

from common.models import TimeStampedModel
from units.labels import unit_label


class Unit(TimeStampedModel):
    """An apartment (or other lettable space) of a property.

    Occupancy is not stored: a unit is Occupied while it has a current
    resident, so selectors derive it and it can never drift.
    """

    property = models.ForeignKey(
        "properties.Property", on_delete=models.CASCADE, related_name="units"
    )
    name = models.CharField(max_length=100)
    building = models.CharField(max_length=100, blank=True)
    floor = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["building", "name"]
        constraints = [
            # Case-insensitive: "12b" and "12B" are the same door in real life. Per building:
            # PMSs such as MRI number units within each building, so unit 101 of building A
            # and unit 101 of building B are two units ("A 101", "B 101").
            models.UniqueConstraint(
                "property",
                Lower("building"),
                Lower("name"),
                name="unit_name_unique_per_building",
            )
        ]
        indexes = [models.Index(fields=["property", "building", "name"])]

    def __str__(self) -> str:
        return unit_label(self.name, self.building)


class UnitImport(models.Model):
    """An uploaded unit CSV, kept between preview and confirm (and for the record)."""

    class State(models.TextChoices):
        PREVIEW = "preview", "Waiting for confirmation"
        APPLIED = "applied", "Imported"

    property = models.ForeignKey(
        "properties.Property", on_delete=models.CASCADE, related_name="unit_imports"
    )
    uploaded_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    content = models.TextField()
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PREVIEW)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"
