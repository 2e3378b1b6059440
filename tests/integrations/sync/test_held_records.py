"""Defect 13a: a PMS change made while a record is held for an alert is not lost.

Through the real sync against the simulator, for each hold: the record is held
(Email Mismatch, Possible Match, Duplicate), the lease moves to another unit in the
PMS, a sync runs while it is held, the manager resolves the alert, and the next sync
moves the resident and their keys (old unit key revoked, new one granted).
"""

from __future__ import annotations

import pytest

from access.models import KeyGrant
from integrations.models import AccessMode, PMSRecord, SyncAlert
from integrations.sync.alerts import sync_alert_resolve
from residents.models import ResidentStatus
from tests.factories.residents import ResidentFactory
from tests.integrations.sync.simulated import (
    SimulatedProperty,
    any_keys_held,
    keys_held,
    simulated_property,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sim, org_a, prop_a) -> SimulatedProperty:
    return simulated_property(sim, org_a, prop_a, mode=AccessMode.AUTOMATIC)


def held_alert(world: SimulatedProperty, kind: str, sim_id: int) -> SyncAlert:
    return SyncAlert.objects.get(
        integration=world.integration,
        kind=kind,
        external_id=world.external_id(sim_id),
        state=SyncAlert.State.OPEN,
    )


@pytest.mark.parametrize("resolution", ["keep_ours", "take_pms"])
def test_a_move_made_while_an_email_mismatch_holds_the_record_applies_once_resolved(
    world, alice, resolution
):
    # Given Ana, living in unit A of the PMS and holding its key
    unit_a, unit_b = world.free_units(2)
    key_a, key_b = world.unit_key(unit_a), world.unit_key(unit_b)
    [ana_id] = world.lease_create(unit_a, {"first_name": "Ana", "last_name": "Held",
                                           "email": "ana.held@example.com"})  # fmt: skip
    world.sync()
    ana = world.resident_of(ana_id)
    assert ana.unit == world.unit_of_pms(unit_a)
    assert keys_held(ana) == {key_a.id}
    # When the PMS changes her email: the record is held for an Email Mismatch
    world.edit(ana_id, email="ana.new@example.com")
    world.sync()
    alert = held_alert(world, SyncAlert.Kind.EMAIL_MISMATCH, ana_id)
    # And, while held, the PMS moves her lease to unit B and pushes the lease end
    world.lease_move(ana_id, unit_b)
    world.edit(ana_id, lease_end=(world.today.replace(year=world.today.year + 2)).isoformat())
    held = world.sync()
    assert held.counts.get("email_mismatch") == 1
    ana.refresh_from_db()
    assert ana.unit == world.unit_of_pms(unit_a)  # nothing applied while held
    assert keys_held(ana) == {key_a.id}

    # When the manager resolves the alert either way, and the next sync runs
    sync_alert_resolve(alert=alert, resolution=resolution, actor=alice)
    world.sync()

    # Then everything the hold kept back applies: the unit, the keys, the dates
    ana.refresh_from_db()
    assert ana.unit == world.unit_of_pms(unit_b)
    assert keys_held(ana) == {key_b.id}
    revoked = KeyGrant.objects.get(resident=ana, key=key_a)
    assert revoked.revoked_at is not None
    assert ana.lease_end == world.today.replace(year=world.today.year + 2)
    expected_email = "ana.held@example.com" if resolution == "keep_ours" else "ana.new@example.com"
    assert ana.email == expected_email
    assert ana.status == ResidentStatus.CURRENT
    # And the sync after that has nothing left to do for her
    again = world.sync()
    record = PMSRecord.objects.get(external_id=world.external_id(ana_id))
    assert record.outcome in ("updated", "unchanged")
    assert again.outcomes.filter(external_id=record.external_id).count() == 0


def test_a_move_out_and_a_move_made_while_held_both_apply_once_resolved(world, alice):
    # Given Ana in unit A with its key, held for an Email Mismatch
    unit_a, unit_b = world.free_units(2)
    key_a = world.unit_key(unit_a)
    world.unit_key(unit_b)
    [ana_id] = world.lease_create(unit_a, {"first_name": "Ana", "last_name": "Gone",
                                           "email": "ana.gone@example.com"})  # fmt: skip
    world.sync()
    ana = world.resident_of(ana_id)
    assert keys_held(ana) == {key_a.id}
    world.edit(ana_id, email="ana.gone.new@example.com")
    world.sync()
    alert = held_alert(world, SyncAlert.Kind.EMAIL_MISMATCH, ana_id)
    # When, while held, the lease moves to unit B and then ends
    world.lease_move(ana_id, unit_b)
    world.sync()
    world.edit(ana_id, lifecycle="past", move_out=world.today.isoformat())
    world.sync()
    sync_alert_resolve(alert=alert, resolution="take_pms", actor=alice)
    world.sync()
    # Then she is Past and holds no key at all
    ana.refresh_from_db()
    assert ana.status == ResidentStatus.PAST
    assert any_keys_held(ana) == set()


def test_a_move_made_while_a_possible_match_holds_the_record_applies_once_linked(
    world, alice, prop_a
):
    # Given our own Anna (typed in by a manager) in unit A, holding its key by hand
    unit_a, unit_b = world.free_units(2)
    key_a, key_b = world.unit_key(unit_a), world.unit_key(unit_b)
    ours = ResidentFactory(
        property=prop_a, first_name="Anna", last_name="Possible-Smith",
        email="anna.possible@example.com", status=ResidentStatus.CURRENT,
        unit=world.unit_of_pms(unit_a),
    )  # fmt: skip
    KeyGrant.objects.create(key=key_a, resident=ours, starts_at=ours.created_at)
    # And the PMS lists her in unit A under another name: held as a Possible Match
    [pms_id] = world.lease_create(unit_a, {"first_name": "Ana", "last_name": "Possible",
                                           "email": "anna.possible@example.com"})  # fmt: skip
    world.sync()
    alert = held_alert(world, SyncAlert.Kind.POSSIBLE_MATCH, pms_id)
    # When, while held, the PMS moves the lease to unit B
    world.lease_move(pms_id, unit_b)
    world.sync()
    ours.refresh_from_db()
    assert (ours.unit, keys_held(ours)) == (world.unit_of_pms(unit_a), {key_a.id})

    # When the manager links the record to our Anna, and the next sync runs
    sync_alert_resolve(alert=alert, resolution="link", actor=alice)
    world.sync()

    # Then she moves to unit B with its key; unit A's key is taken back
    ours.refresh_from_db()
    assert ours.unit == world.unit_of_pms(unit_b)
    assert keys_held(ours) == {key_b.id}


def test_a_move_made_while_a_duplicate_holds_the_record_applies_once_used(world, alice):
    # Given two PMS records sharing one email: the first is synced into a resident in
    # unit A, the second (a newer lease of the same person, in unit C) is held as a Duplicate
    unit_a, unit_b, unit_c = world.free_units(3)
    key_a, key_b = world.unit_key(unit_a), world.unit_key(unit_b)
    world.unit_key(unit_c)
    email = "dee.duplicate@example.com"
    [first_id] = world.lease_create(unit_a, {"first_name": "Dee", "last_name": "Dup",
                                             "email": email})  # fmt: skip
    world.sync()
    dee = world.resident_of(first_id)
    assert keys_held(dee) == {key_a.id}
    [second_id] = world.lease_create(unit_c, {"first_name": "Dee", "last_name": "Dup",
                                              "email": email})  # fmt: skip
    world.sync()
    alert = held_alert(world, SyncAlert.Kind.DUPLICATE, second_id)
    # When, while held, the PMS moves the second lease to unit B
    world.lease_move(second_id, unit_b)
    world.sync()
    dee.refresh_from_db()
    assert (dee.unit, keys_held(dee)) == (world.unit_of_pms(unit_a), {key_a.id})

    # When the manager uses the second record for Dee, and the next sync runs
    sync_alert_resolve(alert=alert, resolution="use_this", actor=alice)
    world.sync()

    # Then Dee follows it to unit B with its key; unit A's key is taken back
    dee.refresh_from_db()
    assert dee.unit == world.unit_of_pms(unit_b)
    assert keys_held(dee) == {key_b.id}
