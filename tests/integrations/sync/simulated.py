"""A property synced from the PMS simulator with Unit Sync mapped and unit keys, for
tests that drive the real User Sync (wire format, connector, engine) through PMS
histories: the test edits the simulator's data as a PMS user would, then syncs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from access.models import Key, KeyGrant
from integrations.models import AccessMode, PMSIntegration, PMSRecord, SyncRun
from integrations.simulator.server import SimulatorHandle
from integrations.sync.service import user_sync_execute
from integrations.unit_mapping import pms_units_refresh, units_create_from_unmapped
from properties.models import Property
from residents.models import Resident
from tests.integrations.sync.conftest import credential_create, integration_create
from units.models import Unit

PMS_PROPERTY = "1001"


@dataclass
class SimulatedProperty:
    sim: SimulatorHandle
    integration: PMSIntegration
    property: Property

    # --- the PMS side ---------------------------------------------------------------

    @property
    def today(self) -> date:
        return self.sim.state.dataset.today

    def free_units(self, count: int) -> list[int]:
        """Simulator units of the PMS property nobody lives in (ids)."""
        dataset = self.sim.state.dataset
        housed = {r.unit_id for r in dataset.residents.values()}
        return [u.id for u in dataset.units_of(PMS_PROPERTY) if u.id not in housed][:count]

    def lease_create(self, unit_id: int, *people: dict[str, Any]) -> list[int]:
        """A current lease in the PMS: the first person holds it, the rest are roommates.
        Each person's own dates default to the lease's."""
        dataset = self.sim.state.dataset
        start = self.today - timedelta(days=200)
        ids: list[int] = []
        for n, person in enumerate(people):
            values = {
                "unit_id": unit_id,
                "lifecycle": "current",
                "role": "primary" if n == 0 else "roommate",
                "lease_start": start.isoformat(),
                "lease_end": (start + timedelta(days=365)).isoformat(),
                "move_in": start.isoformat(),
                "mobile": "(415) 555-0142",
                **person,
            }
            if ids:
                values["lease_id"] = dataset.residents[ids[0]].lease_id
            ids.append(dataset.create(values).id)
        return ids

    def edit(self, resident_id: int, **changes: Any) -> None:
        self.sim.state.dataset.update(resident_id, changes)

    def lease_move(self, resident_id: int, unit_id: int) -> None:
        """The PMS moves the whole lease to another unit."""
        dataset = self.sim.state.dataset
        lease = dataset.residents[resident_id].lease_id
        for person in [r for r in dataset.residents.values() if r.lease_id == lease]:
            dataset.update(person.id, {"unit_id": unit_id})

    # --- doorsync's side --------------------------------------------------------------

    def sync(self) -> SyncRun:
        run = SyncRun.objects.create(integration=self.integration, trigger=SyncRun.Trigger.SCHEDULE)
        user_sync_execute(run_id=run.id)
        run.refresh_from_db()
        assert run.state == SyncRun.State.SUCCEEDED, run.error
        return run

    def unit_of_pms(self, sim_unit_id: int) -> Unit:
        return Unit.objects.get(pms_units__integration=self.integration,
                                pms_units__external_id=str(sim_unit_id))  # fmt: skip

    def unit_key(self, sim_unit_id: int) -> Key:
        unit = self.unit_of_pms(sim_unit_id)
        return Key.objects.get_or_create(
            property=self.property, unit=unit, kind=Key.Kind.UNIT,
            defaults={"name": f"Unit {unit} key"},
        )[0]  # fmt: skip

    def resident_of(self, sim_resident_id: int) -> Resident:
        record = PMSRecord.objects.get(
            integration=self.integration, external_id=self.external_id(sim_resident_id)
        )
        assert record.resident is not None, record.outcome_detail
        return record.resident

    def external_id(self, sim_resident_id: int) -> str:
        """The record's external id as the vendor sends it (Yardi: the tenant code)."""
        from integrations.simulator.vocab import external_id

        return external_id("yardi", self.sim.state.dataset.residents[sim_resident_id])


def keys_held(resident: Resident) -> set[int]:
    """Unit keys the resident holds (granted, not revoked; a grant starting later
    included). Common-area keys are left out: they follow the status, not the unit."""
    return set(
        KeyGrant.objects.filter(
            resident=resident, revoked_at__isnull=True, key__kind=Key.Kind.UNIT
        ).values_list("key_id", flat=True)
    )


def any_keys_held(resident: Resident) -> set[int]:
    """Every key the resident holds, common-area keys included."""
    return set(
        KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True).values_list(
            "key_id", flat=True
        )
    )


def simulated_property(
    sim: SimulatorHandle, org: Any, prop: Property, *, mode: str = AccessMode.AUTOMATIC
) -> SimulatedProperty:
    """Units fetched from the simulator and mapped (a unit created per PMS unit), before
    the first sync, so residents arrive in their units."""
    integration = integration_create(prop, credential_create(org, sim), [PMS_PROPERTY])
    integration.access_mode = mode
    integration.save(update_fields=["access_mode"])
    pms_units_refresh(integration=integration)
    units_create_from_unmapped(integration=integration, actor=None)
    return SimulatedProperty(sim, integration, prop)
