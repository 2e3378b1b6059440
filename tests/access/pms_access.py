"""A hand-written PMS with Unit Sync mapped, for the Automated Access tests.

`AccessPMS` is the User Sync tests' FakePMS (the real `user_sync_execute` over records
the test writes) that also lists PMS units, as every real fetch does. PMS units
12B and 14C are mapped to units of the property; 15D is left unmapped.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from access.models import AccessSuggestion, KeyGrant
from integrations.credentials.services import pms_credential_create
from integrations.models import PMSIntegration, PMSRecord, PMSUnit, SyncRun
from integrations.pms.types import PMSUnit as PMSUnitRecord
from integrations.simulator.credentials import demo_fields
from integrations.sync.unit_sync import pms_units_apply
from integrations.sync.user_sync import Snapshot
from integrations.unit_mapping import unit_mappings_save
from properties.models import Property
from residents.models import Resident
from tests.integrations.sync.fake_pms import FakePMS

P12B, P14C, P15D = "10001", "10002", "10003"
PMS_UNITS = {P12B: "12B", P14C: "14C", P15D: "15D"}


def pms_unit(external_id: str) -> PMSUnitRecord:
    return PMSUnitRecord(
        id=external_id, pms_property_id="1001", name=PMS_UNITS[external_id], building="A"
    )


def integration_create(prop: Property) -> PMSIntegration:
    """User Sync on, set-up done. The credential's endpoint is never called: the fetch
    is replaced by AccessPMS."""
    credential = pms_credential_create(
        organization=prop.organization,
        vendor="yardi",
        label="yardi demo",
        values=demo_fields("yardi"),
        endpoint_override="http://127.0.0.1:9/",
    )
    return PMSIntegration.objects.create(
        property=prop,
        credential=credential,
        pms_property_ids=["1001"],
        user_sync_enabled=True,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )


class AccessPMS(FakePMS):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {ext: pms_unit(ext) for ext in PMS_UNITS}

    def _fetch(self, *, run: SyncRun) -> Snapshot:
        snapshot = super()._fetch(run=run)
        snapshot.units = list(self.units.values())
        return snapshot

    def sync(self) -> SyncRun:
        run = super().sync()
        assert run.state == SyncRun.State.SUCCEEDED, run.error
        return run


def units_map(integration: PMSIntegration, actor: Any, **typed_by_external_id: str) -> None:
    """Store the PMS unit list and map through the real Unit Mapping service."""
    pms_units_apply(run=None, integration=integration, units=[pms_unit(e) for e in PMS_UNITS])
    ids = dict(PMSUnit.objects.filter(integration=integration).values_list("external_id", "id"))
    unit_mappings_save(
        integration=integration,
        choices={ids[ext]: typed for ext, typed in typed_by_external_id.items()},
        actor=actor,
    )


def resident_of(external_id: str) -> Resident:
    record = PMSRecord.objects.select_related("resident").get(external_id=external_id)
    assert record.resident is not None
    return record.resident


def active_keys(resident: Resident) -> list[str]:
    return sorted(
        KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True).values_list(
            "key__name", flat=True
        )
    )


def pending(resident: Resident | None = None) -> list[tuple[str, str]]:
    """Pending suggestions as (kind, key name or grey reason), sorted."""
    qs = AccessSuggestion.objects.filter(state=AccessSuggestion.State.PENDING)
    if resident is not None:
        qs = qs.filter(resident=resident)
    return sorted((s.kind, s.key.name if s.key else s.reason) for s in qs.select_related("key"))
