"""A User Sync against an adversarial PMS (issue 12 b and 3): a server that caps the page
size is read to the end and nobody is marked "no longer in the PMS"; pages that disagree
(a record moving mid-fetch) fail the run whole and change nothing."""

from __future__ import annotations

import pytest

from integrations.models import PMSRecord, SyncOutcome, SyncRun
from tests.integrations.sync import test_sync_faults as faults
from tests.integrations.sync.test_sync_faults import (
    VENDOR_NAMES,
    assert_recovers,
    database_state,
    run_now,
)

# The fault tests' fixtures: a vendor's integration synced once, then the PMS edited.
synced = faults.synced
sleeps = faults.sleeps

pytestmark = pytest.mark.django_db

PAGED = ("entrata", "mri", "appfolio", "buildium", "rentmanager")


@pytest.mark.parametrize("synced", PAGED, indirect=True)
def test_a_server_capping_the_page_size_is_read_whole(synced, sim):
    vendor, integration, renamed, added = synced
    sim.state.adversary.set(vendor, {"page_cap": 8})

    run = run_now(integration)

    assert run.state == SyncRun.State.SUCCEEDED, run.error
    # Everyone is still there: nobody was taken for gone because a page came back short.
    assert not PMSRecord.objects.filter(
        integration=integration, gone_from_pms_at__isnull=False
    ).exists()
    assert PMSRecord.objects.get(external_id=renamed).resident.last_name == "Renamed"
    assert PMSRecord.objects.get(external_id=added).resident.first_name == "Nova"


@pytest.mark.parametrize("synced", PAGED, indirect=True)
def test_a_record_moving_between_pages_fails_the_run_and_changes_nothing(synced, sim):
    vendor, integration, renamed, added = synced
    sim.state.adversary.set(vendor, {"page_cap": 8, "moving_record": True})
    before = database_state()

    run = run_now(integration)

    assert run.state == SyncRun.State.FAILED
    assert run.error.startswith(f"{VENDOR_NAMES[vendor]} sent pages that disagree")
    assert "nothing was changed" in run.error
    assert not SyncOutcome.objects.filter(run=run).exists()
    assert database_state() == before

    sim.state.adversary.reset()
    assert_recovers(integration, renamed, added)
