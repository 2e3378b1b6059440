"""A push's targeted sync (integrations/sync/targeted.py): only what the event names is read
— from the vendor, not the event — and applied through User Sync's path; nobody absent from
it is taken for gone; it waits for a run already under way; a redelivered task does
nothing; an integration that is not ready records why."""

from __future__ import annotations

import httpx
import pytest
from django.utils import timezone

from integrations.inbound.models import InboundEvent
from integrations.models import PMSRecord, SyncRun
from integrations.sync.targeted import RETRY_WHILE_BUSY, targeted_sync_execute
from residents.models import ResidentStatus
from tests.integrations.inbound.helpers import full_sync, resident_of
from tests.integrations.sync.conftest import credential_create, integration_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def buildium(org_a, prop_a, sim):
    return integration_create(prop_a, credential_create(org_a, sim, "buildium"), ["1001"])


def _event(integration, *, lease_ids=(), tenant_ids=(), key="k1") -> InboundEvent:
    return InboundEvent.objects.create(
        integration=integration,
        received_at=timezone.now(),
        verdict=InboundEvent.Verdict.ACCEPTED,
        event_key=key,
        event_name="Lease.Updated",
        lease_ids=list(lease_ids),
        tenant_ids=list(tenant_ids),
    )


def _current(sim):
    return next(
        r for r in sim.state.dataset.residents_of("1001")
        if r.lifecycle.value == "current" and r.role.value == "primary" and "@" in r.email
    )  # fmt: skip


def test_only_the_named_lease_is_read_and_applied(sim, buildium):
    full_sync(buildium)
    mover = _current(sim)
    records_before = PMSRecord.objects.filter(integration=buildium).count()
    # The event body says nothing of the change: the vendor is asked.
    httpx.patch(f"{sim.url}/_sim/residents/{mover.id}", json={"lifecycle": "past"})
    event = _event(buildium, lease_ids=[str(mover.lease_id)])

    result = targeted_sync_execute(event_id=event.id)

    assert result.state == SyncRun.State.SUCCEEDED
    assert resident_of(buildium, str(mover.id)).status == ResidentStatus.PAST
    run = SyncRun.objects.get(trigger=SyncRun.Trigger.WEBHOOK)
    assert run.state == SyncRun.State.SUCCEEDED
    # One lease read: nobody else counted, nobody marked "no longer in the PMS".
    assert sum(run.counts.values()) <= 4
    assert PMSRecord.objects.filter(integration=buildium).count() == records_before
    assert not PMSRecord.objects.filter(
        integration=buildium, gone_from_pms_at__isnull=False
    ).exists()
    event.refresh_from_db()
    assert event.applied_at is not None and event.sync_run == run
    assert f"lease {mover.lease_id}" in event.triggered


def test_a_tenant_event_reads_the_leases_the_tenant_is_on(sim, buildium):
    full_sync(buildium)
    mover = _current(sim)
    httpx.patch(f"{sim.url}/_sim/residents/{mover.id}", json={"first_name": "Renamed"})
    event = _event(buildium, tenant_ids=[str(mover.id)])
    assert targeted_sync_execute(event_id=event.id).state == SyncRun.State.SUCCEEDED
    assert resident_of(buildium, str(mover.id)).first_name == "Renamed"


def test_a_lease_gone_from_buildium_changes_nothing(sim, buildium):
    full_sync(buildium)
    event = _event(buildium, lease_ids=["999999"])
    assert targeted_sync_execute(event_id=event.id).state == SyncRun.State.SUCCEEDED
    assert not PMSRecord.objects.filter(
        integration=buildium, gone_from_pms_at__isnull=False
    ).exists()


def test_it_waits_for_a_run_under_way(sim, buildium):
    SyncRun.objects.create(
        integration=buildium, trigger=SyncRun.Trigger.SCHEDULE, state=SyncRun.State.RUNNING,
        heartbeat_at=timezone.now(),
    )  # fmt: skip
    event = _event(buildium, lease_ids=["1"])
    result = targeted_sync_execute(event_id=event.id)
    assert (result.state, result.retry_in) == ("busy", RETRY_WHILE_BUSY)
    assert not SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).exists()


def test_a_redelivered_task_does_nothing(sim, buildium):
    event = _event(buildium, lease_ids=["1"])
    assert targeted_sync_execute(event_id=event.id).state == SyncRun.State.SUCCEEDED
    assert targeted_sync_execute(event_id=event.id).state == "not_needed"
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.WEBHOOK).count() == 1


def test_with_user_sync_off_it_records_why_and_reads_nothing(sim, buildium):
    buildium.user_sync_enabled = False
    buildium.save(update_fields=["user_sync_enabled"])
    event = _event(buildium, lease_ids=["1"])
    assert targeted_sync_execute(event_id=event.id).state == "not_needed"
    event.refresh_from_db()
    assert event.triggered == "nothing: User Sync is off for this property"
    assert not SyncRun.objects.exists()


def test_a_vendor_failure_is_retried_and_changes_nothing(sim, buildium):
    sim.state.faults.set("buildium", {"status_5xx": 50})
    event = _event(buildium, lease_ids=["1"])
    result = targeted_sync_execute(event_id=event.id)
    assert result.state == SyncRun.State.FAILED and result.retry_in
    assert SyncRun.objects.get().state == SyncRun.State.FAILED
    assert not PMSRecord.objects.exists()
