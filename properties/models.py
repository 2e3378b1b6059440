from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from common.models import TimeStampedModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"“{value}” is not a time zone name. Use an IANA name such as America/New_York."
        )


class Organization(TimeStampedModel):
    """A portfolio: the company that owns or manages a set of properties."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Property(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="properties"
    )
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "properties"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="property_name_unique_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Membership(TimeStampedModel):
    """A console user's access to an organization, optionally one property only."""

    class Role(models.TextChoices):
        PORTFOLIO_MANAGER = "portfolio_manager", "Portfolio manager"
        PROPERTY_MANAGER = "property_manager", "Property manager"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    # Null: every property of the organization. Set: that property only.
    property = models.ForeignKey(
        Property, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.PROPERTY_MANAGER)

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=Q(property__isnull=True),
                name="membership_unique_org_wide",
            ),
            models.UniqueConstraint(
                fields=["user", "property"],
                condition=Q(property__isnull=False),
                name="membership_unique_per_property",
            ),
        ]

    def __str__(self) -> str:
        scope = self.property.name if self.property_id and self.property else "all properties"
        return f"{self.user} — {self.organization} ({scope}, {self.get_role_display()})"
