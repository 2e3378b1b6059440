from __future__ import annotations

from tests.factories.access import DoorFactory, KeyFactory, KeyGrantFactory
from tests.factories.properties import (
    MembershipFactory,
    OrganizationFactory,
    PropertyFactory,
    UserFactory,
)
from tests.factories.residents import ResidentFactory
from tests.factories.units import UnitFactory

__all__ = [
    "DoorFactory",
    "KeyFactory",
    "KeyGrantFactory",
    "MembershipFactory",
    "OrganizationFactory",
    "PropertyFactory",
    "ResidentFactory",
    "UnitFactory",
    "UserFactory",
]
