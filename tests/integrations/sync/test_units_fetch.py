"""Issue 12c: units are fetched for Unit Sync only, and a units-call failure says what
failed — the vendor, the call, the vendor's reason — rather than blaming the Property
IDs the residents call has just read. Through the real sync against the simulator."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.models import PMSIntegration, PMSUnit, SyncRun
from integrations.pms.base import Connector
from integrations.sync.service import user_sync_execute
from integrations.vendors.entrata.client import EntrataClient
from residents.models import Resident
from tests.integrations.sync.conftest import credential_create, integration_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def entrata(sim, org_a, prop_a) -> PMSIntegration:
    return integration_create(prop_a, credential_create(org_a, sim, "entrata"), ["1001"])


def run_now(integration: PMSIntegration) -> SyncRun:
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    user_sync_execute(run_id=run.id)
    run.refresh_from_db()
    return run


def test_with_unit_sync_off_units_are_not_fetched_at_all(entrata, monkeypatch):
    # Given Unit Sync off, and a units call that would fail the sync if it were made
    entrata.unit_sync_enabled = False
    entrata.save(update_fields=["unit_sync_enabled"])
    calls: list[str] = []

    def units_call(self: Connector, pms_property_id: str) -> Any:
        calls.append(pms_property_id)
        raise AssertionError("the units call was made with Unit Sync off")

    monkeypatch.setattr(Connector, "fetch_units", units_call)

    run = run_now(entrata)

    # Then the residents sync, and no units call was made
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert calls == []
    assert Resident.objects.count() == run.counts["created"] > 0
    assert not PMSUnit.objects.exists()


def test_with_unit_sync_on_units_are_fetched_and_stored(entrata):
    run = run_now(entrata)

    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert PMSUnit.objects.filter(integration=entrata).count() > 0


def test_a_failed_units_call_names_the_vendor_the_call_and_its_reason(entrata, monkeypatch):
    # Given a units call the vendor answers with an error about its property parameter
    # (a malformed property id in propertyIds), the residents fine
    real_rpc = EntrataClient._rpc

    def misspelt(self: EntrataClient, property_id: str) -> Any:
        return real_rpc(self, "propertyunits", "getPropertyUnits",
                        {"propertyIds": f"0{property_id}"}, property_id=property_id)  # fmt: skip

    monkeypatch.setattr(EntrataClient, "units", misspelt)

    run = run_now(entrata)

    # Then the run fails whole, naming the vendor, the call and the vendor's own reason
    assert run.state == SyncRun.State.FAILED
    assert run.error.startswith(
        "Entrata failed the units call (getPropertyUnits) for PMS property 1001"
    )
    assert "Invalid property id" in run.error
    assert "its Property ID is right" in run.error
    # ...and does not send the manager to the Property IDs the residents call just read
    assert "check the Property IDs" not in run.error
    assert not Resident.objects.exists()


def test_a_units_call_the_credential_may_not_make_says_so(entrata, monkeypatch):
    from integrations.pms.errors import CredentialRejected

    def refused(self: Connector, pms_property_id: str) -> Any:
        raise CredentialRejected(vendor="Entrata", call="getPropertyUnits",
                                 detail="403 Access denied for method")  # fmt: skip

    monkeypatch.setattr(Connector, "fetch_units", refused)

    run = run_now(entrata)

    assert run.state == SyncRun.State.FAILED
    assert "(getPropertyUnits)" in run.error and "403 Access denied for method" in run.error
    assert "ask Entrata to enable it" in run.error
    assert "rejected the credential" not in run.error
