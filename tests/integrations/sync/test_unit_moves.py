"""A PMS move after the left PMS unit's mapping was removed still takes that unit's key
back (found by the access-invariant machine); removing a mapping alone takes nothing.
Through the real sync against the simulator, in Automatic mode."""

from __future__ import annotations

import pytest

from integrations.models import AccessMode, PMSUnit
from integrations.unit_mapping import unit_mapping_remove
from tests.integrations.sync.simulated import SimulatedProperty, keys_held, simulated_property

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sim, org_a, prop_a) -> SimulatedProperty:
    return simulated_property(sim, org_a, prop_a, mode=AccessMode.AUTOMATIC)


def mapping_remove(world: SimulatedProperty, sim_unit_id: int, actor) -> None:
    pms_unit = PMSUnit.objects.get(integration=world.integration, external_id=str(sim_unit_id))
    unit_mapping_remove(pms_unit=pms_unit, actor=actor)


def test_a_move_after_the_left_units_mapping_was_removed_takes_its_key_back(world, alice):
    # Given Ana in unit A with its key
    unit_a, unit_b = world.free_units(2)
    key_a, key_b = world.unit_key(unit_a), world.unit_key(unit_b)
    [ana_id] = world.lease_create(unit_a, {"first_name": "Ana", "last_name": "Mover",
                                           "email": "ana.mover@example.com"})  # fmt: skip
    world.sync()
    ana = world.resident_of(ana_id)
    in_a = ana.unit
    assert keys_held(ana) == {key_a.id}
    # When the manager removes unit A's mapping, and the PMS moves Ana to unit B
    mapping_remove(world, unit_a, alice)
    world.lease_move(ana_id, unit_b)
    world.sync()

    # Then she is in unit B with its key, and unit A's key is taken back
    ana.refresh_from_db()
    assert ana.unit == world.unit_of_pms(unit_b) != in_a
    assert keys_held(ana) == {key_b.id}


def test_removing_a_mapping_alone_keeps_the_assignment_and_the_key(world, alice):
    [unit_a] = world.free_units(1)
    key_a = world.unit_key(unit_a)
    [ana_id] = world.lease_create(unit_a, {"first_name": "Ana", "last_name": "Stays",
                                           "email": "ana.stays@example.com"})  # fmt: skip
    world.sync()
    ana = world.resident_of(ana_id)
    in_a = ana.unit

    mapping_remove(world, unit_a, alice)
    world.edit(ana_id, mobile="(415) 555-0199")  # something else changes in the PMS
    world.sync()

    ana.refresh_from_db()
    assert ana.unit == in_a
    assert keys_held(ana) == {key_a.id}
