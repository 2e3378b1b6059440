"""Defect 13b: each person by their own dates.

Through the real sync against the simulator (Yardi sends each roommate's own MoveIn /
MoveOut when it differs from the lease holder's): a co-resident whose own move-out
date has passed while the lease goes on is Past — never created with access, their
access revoked — and the household's status never extends anyone past their own
move-out, even when nothing changes in the PMS but the calendar.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AccessEvent
from integrations.models import AccessMode, PMSRecord
from residents.models import Resident, ResidentStatus
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


def household(world: SimulatedProperty, unit: int, *, ben: dict | None = None) -> list[int]:
    """Ana holds the lease, Ben is her roommate."""
    return world.lease_create(
        unit,
        {"first_name": "Ana", "last_name": "Own", "email": "ana.own@example.com"},
        {"first_name": "Ben", "last_name": "Own", "email": "ben.own@example.com", **(ben or {})},
    )


def test_a_roommate_whose_own_move_out_passed_is_not_created_with_access(world):
    # Given a current lease whose roommate Ben moved out last week; Ana stays on
    [unit] = world.free_units(1)
    key = world.unit_key(unit)
    ana_id, ben_id = household(world, unit, ben={
        "move_out": (world.today - timedelta(days=7)).isoformat()})  # fmt: skip

    run = world.sync()

    # Then Ana is Current with the unit key, and Ben is not created at all
    ana = world.resident_of(ana_id)
    assert (ana.status, keys_held(ana)) == (ResidentStatus.CURRENT, {key.id})
    ben = PMSRecord.objects.get(external_id=world.external_id(ben_id))
    assert ben.resident is None
    assert ben.outcome == "skipped_lifecycle"
    assert ben.outcome_detail.startswith(
        f"their own move-out date {(world.today - timedelta(days=7)).isoformat()} has passed"
    )
    assert not Resident.objects.filter(first_name="Ben", last_name="Own").exists()
    assert run.counts["skipped_lifecycle"] >= 1


def test_a_roommate_moved_out_in_the_pms_loses_access_while_the_lease_goes_on(world):
    # Given Ana and Ben, both Current with the unit key
    [unit] = world.free_units(1)
    key = world.unit_key(unit)
    ana_id, ben_id = household(world, unit)
    world.sync()
    ben = world.resident_of(ben_id)
    assert keys_held(ben) == {key.id}
    assert any_keys_held(ben) - keys_held(ben)  # common-area keys too

    # When the PMS records Ben's own move-out two days ago (the lease stays Current)
    world.edit(ben_id, move_out=(world.today - timedelta(days=2)).isoformat())
    world.sync()

    # Then Ben is Past and holds no key; Ana keeps hers
    ben.refresh_from_db()
    assert ben.status == ResidentStatus.PAST
    assert any_keys_held(ben) == set()
    ana = world.resident_of(ana_id)
    assert (ana.status, keys_held(ana)) == (ResidentStatus.CURRENT, {key.id})
    event = AccessEvent.objects.get(action=AccessEvent.Action.STATUS_CHANGED, resident=ben)
    assert event.subject == "Ben Own: Current → Past"
    assert event.reason.startswith("their own PMS move-out date")


def test_a_roommates_move_out_date_passing_revokes_access_with_nothing_changed_in_the_pms(world):
    # Given Ben moves out in two days, per his own date; both synced Current with keys
    [unit] = world.free_units(1)
    key = world.unit_key(unit)
    ana_id, ben_id = household(world, unit, ben={
        "move_out": (world.today + timedelta(days=2)).isoformat()})  # fmt: skip
    world.sync()
    ben = world.resident_of(ben_id)
    assert (ben.status, keys_held(ben)) == (ResidentStatus.CURRENT, {key.id})
    # A sync the day after changes nothing: his move-out day has not passed yet
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        world.sync()
    ben.refresh_from_db()
    assert ben.status == ResidentStatus.CURRENT

    # When three days later the PMS still sends exactly the same data
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        world.sync()

    # Then Ben is Past and his keys are gone; Ana, whose lease goes on, keeps hers
    ben.refresh_from_db()
    assert ben.status == ResidentStatus.PAST
    assert any_keys_held(ben) == set()
    ana = world.resident_of(ana_id)
    assert (ana.status, keys_held(ana)) == (ResidentStatus.CURRENT, {key.id})


def test_a_roommate_who_moves_in_later_gets_access_on_their_own_move_in(world):
    # Given a running lease that adds Ben, who moves in next week
    [unit] = world.free_units(1)
    key = world.unit_key(unit)
    _, ben_id = household(world, unit, ben={
        "move_in": (world.today + timedelta(days=7)).isoformat()})  # fmt: skip
    world.sync()
    ben = world.resident_of(ben_id)
    assert (ben.status, any_keys_held(ben)) == (ResidentStatus.FUTURE, set())

    # When his move-in day comes
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        world.sync()

    # Then he is Current with the unit key
    ben.refresh_from_db()
    assert (ben.status, keys_held(ben)) == (ResidentStatus.CURRENT, {key.id})
