from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver, start_receiver
from webhooks.models import EventType
from webhooks.services import EndpointCreated, endpoint_create


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = start_receiver()
    yield r
    r.stop()


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """Delivery ids that would go to Celery (on commit), kept instead of sent."""
    ids: list[int] = []
    monkeypatch.setattr("webhooks.emit.deliveries_enqueue", ids.extend)
    return ids


@pytest.fixture
def hook(org_a, receiver, alice) -> EndpointCreated:
    """An endpoint of Harbor Living receiving every event at the test receiver."""
    return endpoint_create(
        organization=org_a, url=receiver.url, events=EventType.values, actor=alice
    )
