"""Fixtures for the User Sync engine tests: an integration of prop_a wired to the PMS
simulator with a demo credential, and a hand-written PMS (`pms`) for deterministic data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import timezone

from integrations.credentials.services import pms_credential_create
from integrations.models import PMSCredential, PMSIntegration
from integrations.simulator.credentials import demo_fields
from integrations.simulator.server import SimulatorHandle
from properties.models import Property
from tests.integrations.sync.fake_pms import FakePMS

VENDOR = "yardi"


def integration_create(
    prop: Property, credential: PMSCredential, pms_property_ids: list[str]
) -> PMSIntegration:
    return PMSIntegration.objects.create(
        property=prop,
        credential=credential,
        pms_property_ids=pms_property_ids,
        user_sync_enabled=True,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
        # Every scheduled run reads the PMS whole unless a test says otherwise: the
        # changes runs between full ones (sync/changes.py) have tests of their own that
        # set a shorter interval.
        sync_interval_minutes=60,
    )


def credential_create(org, sim: SimulatorHandle, vendor: str = VENDOR) -> PMSCredential:
    return pms_credential_create(
        organization=org,
        vendor=vendor,
        label=f"{vendor} demo",
        values=demo_fields(vendor),
        endpoint_override=sim.vendor_url(vendor),
    )


@pytest.fixture
def credential(org_a, pms_simulator) -> PMSCredential:
    return credential_create(org_a, pms_simulator)


@pytest.fixture
def integration(prop_a, credential) -> PMSIntegration:
    return integration_create(prop_a, credential, ["1001"])


@pytest.fixture
def pms(integration, monkeypatch) -> FakePMS:
    return FakePMS(integration, monkeypatch)


@pytest.fixture
def sim(pms_simulator: SimulatorHandle) -> Iterator[SimulatorHandle]:
    """The session simulator; its faults and data are restored after the test."""
    pms_simulator.state.faults.reset()
    yield pms_simulator
    pms_simulator.state.reset()
