"""Changes runs through the Celery task, against the simulator (Yardi's GetResidentsByDate):
a move-out made in the PMS after the last cursor is applied by the next changes run and
takes the keys; a record absent from a changes run is not marked gone, while a full run
still marks it; a re-read inside the overlap writes nothing; the cursor moves only with a
run that read and applied everything. Automatic mode, Unit Sync mapped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from access.models import AccessSuggestion
from audit.models import AccessEvent
from integrations.models import AccessMode, PMSRecord, SyncCursor, SyncOutcome, SyncRun
from integrations.sync import runs
from integrations.sync.changes import OVERLAP
from integrations.tasks import user_sync_task
from tests.integrations.sync.simulated import (
    SimulatedProperty,
    any_keys_held,
    keys_held,
    simulated_property,
)

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def world(sim, org_a, prop_a, queued) -> SimulatedProperty:
    world = simulated_property(sim, org_a, prop_a, mode=AccessMode.AUTOMATIC)
    # Beat every 5 minutes, a full read hourly: the runs between are changes runs.
    world.integration.sync_interval_minutes = 5
    world.integration.full_sync_interval_minutes = 60
    world.integration.save(update_fields=["sync_interval_minutes", "full_sync_interval_minutes"])
    return world


def scheduled_run(world: SimulatedProperty) -> SyncRun:
    """One scheduled run, queued as beat queues it and executed by the Celery task."""
    with transaction.atomic():
        run, created = runs.sync_run_start(
            integration=world.integration, trigger=SyncRun.Trigger.SCHEDULE
        )
    assert created
    assert user_sync_task.apply(args=(run.id,)).get() == SyncRun.State.SUCCEEDED
    run.refresh_from_db()
    world.integration.refresh_from_db()
    return run


def full_sync_due(world: SimulatedProperty) -> None:
    """The hour since the last full run has passed."""
    world.integration.last_full_sync_at = timezone.now() - timedelta(minutes=61)
    world.integration.save(update_fields=["last_full_sync_at"])


def person(world: SimulatedProperty, unit: int, first: str) -> int:
    [sim_id] = world.lease_create(
        unit, {"first_name": first, "last_name": "Changes", "email": f"{first}@example.com"}
    )
    return sim_id


def test_a_move_out_after_the_cursor_is_applied_by_the_next_changes_run(world):
    # Given Ana living in unit A with its key, after a first (full) run
    [unit_a] = world.free_units(1)
    key_a = world.unit_key(unit_a)
    ana_id = person(world, unit_a, "ana")
    first = scheduled_run(world)
    assert first.kind == SyncRun.Kind.FULL
    ana = world.resident_of(ana_id)
    assert keys_held(ana) == {key_a.id}
    cursor = SyncCursor.objects.get(integration=world.integration, pms_property_id="1001")
    # Yardi's rows carry no modification time: the cursor is our read's start less the overlap
    assert first.started_at - OVERLAP <= cursor.position <= first.finished_at - OVERLAP

    # When the PMS records her move-out today, after the cursor
    world.edit(ana_id, lifecycle="past", move_out=world.today.isoformat())
    second = scheduled_run(world)

    # Then the next run is a changes run, and it took her keys
    assert (second.kind, second.changes_since) == (SyncRun.Kind.CHANGES, cursor.position)
    ana.refresh_from_db()
    assert ana.status == "past"
    assert any_keys_held(ana) == set()
    outcome = SyncOutcome.objects.get(run=second, external_id=world.external_id(ana_id))
    assert outcome.outcome == "updated"
    # It read only what changed (and the zone margin's few), not the property
    assert second.records_total < 30 < first.records_total


def test_a_record_absent_from_a_changes_run_is_not_gone_but_a_full_run_marks_it(world):
    [unit_a] = world.free_units(1)
    ben_id = person(world, unit_a, "ben")
    scheduled_run(world)
    record = PMSRecord.objects.get(integration=world.integration,
                                   external_id=world.external_id(ben_id))  # fmt: skip
    # When the PMS drops Ben's record altogether (no move-out, just gone)
    dataset = world.sim.state.dataset
    with dataset.lock:
        del dataset.residents[ben_id]
        dataset.version += 1
    changes_run = scheduled_run(world)

    # Then a changes run, which did not see him, leaves him as he was
    assert changes_run.kind == SyncRun.Kind.CHANGES
    record.refresh_from_db()
    assert record.gone_from_pms_at is None
    assert "not_in_pms" not in changes_run.counts

    # But the next full run marks him "no longer in the PMS"
    full_sync_due(world)
    full_run = scheduled_run(world)
    assert full_run.kind == SyncRun.Kind.FULL
    assert "last full sync was 61 minutes ago" in full_run.kind_reason
    record.refresh_from_db()
    assert record.gone_from_pms_at is not None
    assert full_run.counts["not_in_pms"] == 1


def test_a_re_read_inside_the_overlap_writes_nothing(world):
    # Given a changes run that applied an edit stamped exactly at the next cursor's boundary
    [unit_a] = world.free_units(1)
    cy_id = person(world, unit_a, "cy")
    scheduled_run(world)
    cursor = SyncCursor.objects.get(integration=world.integration)
    world.sim.state.dataset.update(cy_id, {"mobile": "(415) 555-0177"}, at=cursor.position)
    applied = scheduled_run(world)
    assert applied.kind == SyncRun.Kind.CHANGES
    assert applied.counts.get("updated") == 1
    before = {
        "records": list(PMSRecord.objects.order_by("id").values()),
        "events": AccessEvent.objects.count(),
        "suggestions": AccessSuggestion.objects.count(),
    }

    # When the next changes run reads the same records again (the overlap and margin)
    again = scheduled_run(world)

    # Then nothing is written: no record, no outcome row, no audit entry, no suggestion
    assert again.kind == SyncRun.Kind.CHANGES
    assert again.records_total >= 1
    assert set(again.counts) <= {"unchanged", "skipped_lifecycle", "skipped_no_email",
                                 "skipped_guarantor", "duplicate"}  # fmt: skip
    assert not SyncOutcome.objects.filter(run=again).exists()
    assert before == {
        "records": list(PMSRecord.objects.order_by("id").values()),
        "events": AccessEvent.objects.count(),
        "suggestions": AccessSuggestion.objects.count(),
    }


def test_a_failed_changes_run_moves_no_cursor_and_the_next_run_is_full(world):
    [unit_a] = world.free_units(1)
    dee_id = person(world, unit_a, "dee")
    scheduled_run(world)
    cursor = SyncCursor.objects.get(integration=world.integration)
    world.edit(dee_id, lifecycle="past", move_out=world.today.isoformat())
    # When the changes call's answer stops half-way
    world.sim.state.faults.set("yardi", {"truncated_page": 1})
    with transaction.atomic():
        run, _ = runs.sync_run_start(integration=world.integration,
                                     trigger=SyncRun.Trigger.SCHEDULE)  # fmt: skip
    user_sync_task.apply(args=(run.id,))
    run.refresh_from_db()
    assert (run.kind, run.state) == (SyncRun.Kind.CHANGES, SyncRun.State.FAILED)
    # Then the cursor stays, nothing was applied
    assert SyncCursor.objects.get(id=cursor.id).position == cursor.position
    assert world.resident_of(dee_id).status == "current"
    # And the next run reads everything, applying the move-out
    after = scheduled_run(world)
    assert (after.kind, after.kind_reason) == (SyncRun.Kind.FULL, "the last sync failed")
    assert world.resident_of(dee_id).status == "past"


def test_a_past_lease_without_a_move_out_waits_for_the_full_run(world):
    [unit_a] = world.free_units(1)
    key_a = world.unit_key(unit_a)
    eve_id = person(world, unit_a, "eve")
    scheduled_run(world)
    eve = world.resident_of(eve_id)
    # When a changes run sees a past status with no move-out date (as an old lease edited
    # after a renewal looks)
    world.edit(eve_id, lifecycle="past", move_out="")
    held = scheduled_run(world)
    # Then it leaves her keys to the full run, and says so
    assert held.kind == SyncRun.Kind.CHANGES
    assert held.counts.get("held_for_full") == 1
    assert keys_held(eve) == {key_a.id}
    why = SyncOutcome.objects.get(run=held, external_id=world.external_id(eve_id))
    assert (why.outcome, why.resident_id) == ("held_for_full", eve.id)
    assert why.get_outcome_display() == "Left for the next full sync"
    assert "without a move-out date reached" in why.detail
    # Re-read by the next changes run, it is counted but not listed again
    again = scheduled_run(world)
    assert again.counts.get("held_for_full") == 1
    assert not SyncOutcome.objects.filter(run=again).exists()
    full_sync_due(world)
    scheduled_run(world)
    eve.refresh_from_db()
    assert eve.status == "past"
    assert any_keys_held(eve) == set()


def test_sync_now_and_vendors_without_the_call_read_everything(world, alice):
    scheduled_run(world)
    with transaction.atomic():
        run, _ = runs.sync_run_start(
            integration=world.integration, trigger=SyncRun.Trigger.SYNC_NOW, user=alice
        )
    user_sync_task.apply(args=(run.id,))
    run.refresh_from_db()
    assert (run.kind, run.kind_reason) == (
        SyncRun.Kind.FULL,
        "started by a person: everything is read",
    )


def test_a_voyager_without_the_changes_call_gets_a_full_read_instead(world, monkeypatch):
    # Given a Voyager whose ItfResidentData lacks GetResidentsByDate (an older one)
    [unit_a] = world.free_units(1)
    fay_id = person(world, unit_a, "fay")
    scheduled_run(world)
    monkeypatch.setattr(
        "integrations.vendors.yardi.simulator.METHODS",
        ("GetPropertyConfigurations", "GetUnitInformation", "GetResidents"),
    )
    world.edit(fay_id, lifecycle="past", move_out=world.today.isoformat())
    # When the next run asks for changes, ASP.NET answers it does not know the method
    run = scheduled_run(world)
    # Then the run reads everything instead, says why, and the move-out is applied
    assert run.kind == SyncRun.Kind.FULL
    assert run.kind_reason == (
        "Yardi Voyager refused the call for changes (GetResidentsByDate): all read"
    )
    assert world.resident_of(fay_id).status == "past"


def test_a_setting_that_re_applies_records_makes_the_next_run_full(world, alice):
    from integrations.setup import integration_set_excluded_statuses

    scheduled_run(world)
    # When a manager excludes a lease status (every record must be looked at again)
    integration_set_excluded_statuses(
        integration=world.integration, statuses=["Applicant"],
        available=["Applicant", "Current", "Past"], actor=alice,
    )  # fmt: skip
    # Then the next run reads everything — a changes run would not see unchanged records
    full = scheduled_run(world)
    assert (full.kind, full.kind_reason) == (
        SyncRun.Kind.FULL,
        "records wait to be applied again after a change of settings",
    )
    # And the one after goes back to changes
    assert scheduled_run(world).kind == SyncRun.Kind.CHANGES
