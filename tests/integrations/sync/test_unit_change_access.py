"""Defect c, through the real sync against the PMS simulator (Yardi's wire format): a
resident who moves to another unit while Current loses the old unit's key and gets the new
unit's key at the same moment — no 15 minutes without a unit key. The 15-minute delay is
only for a status becoming Current (seed 004).

Set-up: a first sync, a doorsync unit (with its unit key) made for every PMS unit and
mapped by name, a second sync that places everyone; then one current resident is moved in
the simulator to an empty unit and the next sync runs at a frozen time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from access.automation import suggestions_approve, suggestions_pending
from access.models import AccessSuggestion, Key, KeyGrant
from integrations.models import AccessMode, PMSIntegration, PMSUnit, SyncRun
from integrations.pms.types import Lifecycle
from integrations.simulator.server import SimulatorHandle
from integrations.sync.service import user_sync_execute
from integrations.unit_mapping import units_map_identical_names
from residents.models import Resident, ResidentStatus
from tests.integrations.sync.conftest import credential_create, integration_create
from units.services import unit_create

pytestmark = pytest.mark.django_db

PMS_PROPERTY = "1001"
MOVED_AT = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)


def run_now(integration: PMSIntegration) -> SyncRun:
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    user_sync_execute(run_id=run.id)
    run.refresh_from_db()
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    return run


@pytest.fixture
def placed(sim: SimulatorHandle, org_a, prop_a, alice, request) -> Iterator[PMSIntegration]:
    """Everyone synced and placed in their mapped unit, in the mode the test asks for."""
    integration = integration_create(prop_a, credential_create(org_a, sim), [PMS_PROPERTY])
    integration.access_mode = request.param
    integration.save(update_fields=["access_mode"])
    run_now(integration)
    for pms_unit in PMSUnit.objects.filter(integration=integration):
        unit_create(property=prop_a, name=pms_unit.name, actor=None)
    units_map_identical_names(integration=integration, actor=None)
    run_now(integration)
    # The onboarding backlog of Approval Required, approved, so both modes start alike
    backlog = list(suggestions_pending(property=prop_a).values_list("id", flat=True))
    suggestions_approve(property=prop_a, suggestion_ids=backlog, actor=alice)
    yield integration


def mover(sim: SimulatorHandle, prop) -> tuple[Resident, int, str]:
    """A current resident of ours, alone in their unit and holding its key, and an empty
    PMS unit to move to: (resident, simulator id, the new unit's name)."""
    dataset = sim.state.dataset
    people = list(dataset.residents_of(PMS_PROPERTY))
    per_unit: dict[int, int] = {}
    for r in people:
        per_unit[r.unit_id] = per_unit.get(r.unit_id, 0) + 1
    empty = next(u for u in dataset.units_of(PMS_PROPERTY) if u.id not in per_unit)
    for sim_resident in people:
        if sim_resident.lifecycle != Lifecycle.CURRENT or per_unit[sim_resident.unit_id] != 1:
            continue
        resident = Resident.objects.filter(
            property=prop,
            email__iexact=sim_resident.email,
            status=ResidentStatus.CURRENT,
            unit__name=dataset.units[sim_resident.unit_id].name,
        ).first()
        if (
            resident is not None
            and KeyGrant.objects.filter(
                resident=resident, key__unit=resident.unit, revoked_at=None
            ).exists()
        ):
            return resident, sim_resident.id, empty.name
    raise AssertionError("the simulator's data set has no current resident to move")


def unit_key(resident: Resident, unit_name: str) -> Key:
    return Key.objects.get(property=resident.property, kind=Key.Kind.UNIT, unit__name=unit_name)


@pytest.mark.parametrize("placed", [AccessMode.AUTOMATIC], indirect=True)
def test_automatic_a_move_while_current_swaps_the_unit_keys_at_the_same_moment(sim, placed):
    resident, sim_id, new_unit = mover(sim, placed.property)
    old_key = unit_key(resident, resident.unit.name)
    new_key = unit_key(resident, new_unit)
    others = KeyGrant.objects.exclude(resident=resident).filter(revoked_at=None).count()

    # When the PMS moves them to an empty unit and the sync runs
    sim.state.dataset.update(
        sim_id,
        {"unit_id": next(u.id for u in sim.state.dataset.units.values() if u.name == new_unit)},
    )
    with time_machine.travel(MOVED_AT, tick=False):
        run_now(placed)

    # Then the old unit key went and the new one opens doors from the same moment
    resident.refresh_from_db()
    assert resident.unit is not None and resident.unit.name == new_unit
    old = KeyGrant.objects.get(resident=resident, key=old_key)
    assert old.revoked_at == MOVED_AT
    new = KeyGrant.objects.get(resident=resident, key=new_key, revoked_at=None)
    assert (new.starts_at, new.source) == (MOVED_AT, KeyGrant.Source.AUTOMATED)
    # The common-area keys stay; nobody else's keys changed
    assert KeyGrant.objects.filter(resident=resident, revoked_at=None).count() == 3
    assert KeyGrant.objects.exclude(resident=resident).filter(revoked_at=None).count() == others


@pytest.mark.parametrize("placed", [AccessMode.APPROVAL_REQUIRED], indirect=True)
def test_approval_a_move_while_current_suggests_a_grant_from_detection_not_15_minutes_on(
    sim, placed, prop_a, alice
):
    resident, sim_id, new_unit = mover(sim, placed.property)
    old_key = unit_key(resident, resident.unit.name)
    new_key = unit_key(resident, new_unit)

    sim.state.dataset.update(
        sim_id,
        {"unit_id": next(u.id for u in sim.state.dataset.units.values() if u.name == new_unit)},
    )
    with time_machine.travel(MOVED_AT, tick=False):
        run_now(placed)

    # Then red and green suggestions, the grant starting at detection
    waiting = {
        (s.kind, s.key_id): s
        for s in AccessSuggestion.objects.filter(resident=resident, state="pending")
    }
    assert set(waiting) == {("revoke", old_key.id), ("grant", new_key.id)}
    assert waiting[("grant", new_key.id)].starts_at == MOVED_AT

    # When the manager approves them two minutes later: both take effect then
    approved_at = MOVED_AT + timedelta(minutes=2)
    with time_machine.travel(approved_at, tick=False):
        result = suggestions_approve(
            property=prop_a, suggestion_ids=[s.id for s in waiting.values()], actor=alice
        )

    assert (result.granted, result.revoked, result.refused) == (1, 1, [])
    old = KeyGrant.objects.get(resident=resident, key=old_key)
    new = KeyGrant.objects.get(resident=resident, key=new_key, revoked_at=None)
    assert old.revoked_at == new.starts_at == approved_at
