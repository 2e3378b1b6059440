"""A real User Sync per vendor: the simulator's wire format, the connector, the engine.

Each vendor's first run creates and links its residents, and a second run over the
same data changes nothing (no record's fingerprint drifts between two fetches).
"""

from __future__ import annotations

import pytest

from integrations.models import PMSRecord, SyncOutcome, SyncRun
from integrations.sync.service import user_sync_execute
from residents.models import Resident
from tests.integrations.sync.conftest import credential_create, integration_create

pytestmark = pytest.mark.django_db

VENDORS = ("yardi", "realpage", "entrata", "mri", "appfolio", "buildium", "rentmanager")
ALL_PMS_PROPERTIES = ["1001", "1002", "1003"]


def run_now(integration) -> SyncRun:
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    user_sync_execute(run_id=run.id)
    run.refresh_from_db()
    return run


def carried(first: dict[str, int]) -> dict[str, int]:
    """A re-sync's counts over unchanged data: what synced is "unchanged", the rest
    counts as it did (skipped, held for an alert)."""
    linked = {"created", "linked", "updated", "unchanged"}
    out = {k: n for k, n in first.items() if k not in linked}
    synced = sum(n for k, n in first.items() if k in linked)
    return {**out, **({"unchanged": synced} if synced else {})}


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_vendor_syncs_one_pms_property_and_a_resync_changes_nothing(vendor, sim, org_a, prop_a):
    integration = integration_create(prop_a, credential_create(org_a, sim, vendor), ["1001"])

    first = run_now(integration)

    assert first.state == SyncRun.State.SUCCEEDED, first.error
    assert first.counts["created"] > 30
    assert Resident.objects.count() == first.counts["created"]
    # Every created resident is linked to the record it came from
    assert PMSRecord.objects.exclude(resident=None).count() == Resident.objects.count()
    assert set(PMSRecord.objects.values_list("pms_property_id", flat=True)) == {"1001"}

    again = run_now(integration)

    assert again.state == SyncRun.State.SUCCEEDED, again.error
    # Nothing written; skipped records still count as skipped, the rest as unchanged
    assert again.counts == carried(first.counts)
    assert sum(again.counts.values()) == PMSRecord.objects.count()
    assert not SyncOutcome.objects.filter(run=again).exists()


@pytest.mark.parametrize(
    "vendor",
    VENDORS,
)
def test_a_vendor_syncs_several_pms_properties(vendor, sim, org_a, prop_a):
    integration = integration_create(
        prop_a, credential_create(org_a, sim, vendor), ALL_PMS_PROPERTIES
    )

    run = run_now(integration)

    assert run.state == SyncRun.State.SUCCEEDED, run.error
    assert set(PMSRecord.objects.values_list("pms_property_id", flat=True)) == set(
        ALL_PMS_PROPERTIES
    )
    assert run_now(integration).counts == carried(run.counts)
