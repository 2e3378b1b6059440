from __future__ import annotations

from typing import Any

from django.db import transaction

from access.services import common_area_keys_ensure
from properties.models import Membership, Organization, Property


def organization_create(*, name: str) -> Organization:
    org = Organization(name=name.strip())
    org.full_clean()
    org.save()
    return org


@transaction.atomic
def property_create(
    *, organization: Organization, name: str, address: str = "", time_zone: str = "America/New_York"
) -> Property:
    """A new property always starts with the common-area keys for current residents."""
    prop = Property(
        organization=organization, name=name.strip(), address=address, time_zone=time_zone
    )
    prop.full_clean()
    prop.save()
    common_area_keys_ensure(property=prop)
    return prop


def membership_create(
    *,
    user: Any,
    organization: Organization,
    property: Property | None = None,
    role: str = Membership.Role.PROPERTY_MANAGER,
) -> Membership:
    membership = Membership(user=user, organization=organization, property=property, role=role)
    membership.full_clean()
    membership.save()
    return membership
