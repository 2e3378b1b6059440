"""Fixtures for the rate-limit budget: an injected clock whose sleep moves it, and the two
stores (Redis when REDIS_URL is set, as in CI; this process's memory always)."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from integrations.pms.budget import BudgetStore, LocalBudgetStore, RedisBudgetStore


class Clock:
    """Time for the budget: `sleep` moves it instead of waiting, and records each wait."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def redis_store() -> RedisBudgetStore:
    import redis

    if not settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL (CI does)")
    return RedisBudgetStore(redis.Redis.from_url(settings.REDIS_URL))


@pytest.fixture(params=["redis", "local"])
def store(request) -> BudgetStore:
    return redis_store() if request.param == "redis" else LocalBudgetStore()


@pytest.fixture
def name() -> str:
    """A credential name of this test's own: Redis keys never meet another test's."""
    return f"test:{uuid.uuid4().hex}"
