"""Integrators' clients: a token of alice's organization (read + write, every property),
a read-only one, one restricted to prop_a2, and bob's."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories.api import api_token


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The per-token counters live in the cache (Redis when REDIS_URL is set): token ids
    # repeat across tests once their rows are rolled back.
    cache.clear()
    yield
    cache.clear()


def token_client(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def acme(org_a, alice):
    return api_token(org_a, by=alice)


@pytest.fixture
def acme_client(acme) -> Client:
    return token_client(acme.secret)


@pytest.fixture
def reader_client(org_a, alice) -> Client:
    return token_client(api_token(org_a, name="Reader", scopes=["read"], by=alice).secret)


@pytest.fixture
def maple_client(org_a, prop_a2, alice) -> Client:
    """Restricted to Maple Court (prop_a2): Harborview (prop_a) does not exist for it."""
    return token_client(api_token(org_a, name="Maple only", properties=[prop_a2], by=alice).secret)


@pytest.fixture
def elm_client(org_b, bob) -> Client:
    return token_client(api_token(org_b, name="Elm", by=bob).secret)
