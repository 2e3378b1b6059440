"""Named fixtures: two organizations with a manager each, so isolation is tested everywhere.

alice manages Harbor Living (two properties); bob manages Elm Group. carol is a
property manager restricted to one of alice's properties.
"""

from __future__ import annotations

import os

import pytest
from django.test import Client

from properties.models import Membership, Property
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PropertyFactory,
    UnitFactory,
    UserFactory,
)
from units.services import unit_create


def pytest_collection_modifyitems(config, items):
    """Query counts are pinned on PostgreSQL, the database of CI and production: SQLite
    takes no row locks and splits bulk writes differently, so those pins skip there.
    CI runs on PostgreSQL and refuses to skip them."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError("CI runs the tests on PostgreSQL: set DATABASE_URL.")
    skip = pytest.mark.skip(reason="query counts are pinned on PostgreSQL; set DATABASE_URL")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Harbor Living")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Elm Group")


@pytest.fixture
def prop_a(org_a) -> Property:
    return PropertyFactory(organization=org_a, name="Harborview")


@pytest.fixture
def prop_a2(org_a) -> Property:
    return PropertyFactory(organization=org_a, name="Maple Court", time_zone="America/Chicago")


@pytest.fixture
def prop_b(org_b) -> Property:
    return PropertyFactory(organization=org_b, name="Elm Tower")


@pytest.fixture
def alice(org_a):
    user = UserFactory(username="alice", first_name="Alice", last_name="Ames")
    MembershipFactory(user=user, organization=org_a, role=Membership.Role.PORTFOLIO_MANAGER)
    return user


@pytest.fixture
def bob(org_b):
    user = UserFactory(username="bob", first_name="Bob", last_name="Banks")
    MembershipFactory(user=user, organization=org_b, role=Membership.Role.PORTFOLIO_MANAGER)
    return user


@pytest.fixture
def carol(org_a, prop_a):
    user = UserFactory(username="carol", first_name="Carol", last_name="Cho")
    MembershipFactory(
        user=user, organization=org_a, property=prop_a, role=Membership.Role.PROPERTY_MANAGER
    )
    return user


@pytest.fixture
def support(db):
    """Support staff: they work in Django admin."""
    return UserFactory(username="support", is_staff=True, is_superuser=True)


@pytest.fixture
def support_client(support) -> Client:
    client = Client()
    client.force_login(support)
    return client


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def unit_a(prop_a):
    """A unit made the product's way: with its entry door and unit key."""
    return unit_create(property=prop_a, name="12B", building="A", floor="12", actor=None)


@pytest.fixture
def bare_unit(prop_a):
    return UnitFactory(property=prop_a)
