"""A Buildium integration of prop_a wired to the session simulator, its push endpoint with
a signing secret, and pushes signed as Buildium signs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from django.utils import timezone

from integrations.inbound.models import InboundHook
from integrations.inbound.services import inbound_hook_for, inbound_hook_secret_set
from integrations.models import PMSIntegration
from integrations.simulator.server import SimulatorHandle
from integrations.vendors.buildium.simulator import webhook_requests
from tests.integrations.sync.conftest import credential_create, integration_create

SECRET = "buildium-signing-secret-for-tests"


@pytest.fixture
def sim(pms_simulator: SimulatorHandle) -> Iterator[SimulatorHandle]:
    pms_simulator.state.faults.reset()
    pms_simulator.state.pushes.reset()
    yield pms_simulator
    pms_simulator.state.reset()


@pytest.fixture
def buildium(org_a, prop_a, sim) -> PMSIntegration:
    return integration_create(prop_a, credential_create(org_a, sim, "buildium"), ["1001"])


@pytest.fixture
def hook(buildium) -> InboundHook:
    found = inbound_hook_for(integration=buildium)
    inbound_hook_secret_set(hook=found, secret=SECRET)
    return found


def signed(event: dict, *, secret: str = SECRET, now: datetime | None = None):
    """(headers, body) of one push as Buildium would send it now."""
    [(headers, body)] = webhook_requests([event], secret=secret, now=now or timezone.now())
    return headers, body


def post(client, hook: InboundHook, headers: dict[str, str], body: bytes):
    return client.post(
        f"/hooks/pms/{hook.token}/", data=body, content_type="application/json", headers=headers
    )


def move_out_event(lease_id: int, tenant_id: int) -> dict:
    return json.loads(
        json.dumps(
            {"EventName": "Lease.MoveOut.Created", "EventDateTime": "2025-09-30T16:18:20Z",
             "AccountId": 100200, "LeaseId": lease_id, "TenantId": tenant_id}
        )
    )  # fmt: skip
