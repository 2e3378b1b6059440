"""Set-up shared by the push tests: a Buildium integration in Automatic mode whose current
residents hold keys after a first full sync."""

from __future__ import annotations

from integrations.models import AccessMode, PMSIntegration, PMSRecord, PMSUnit, SyncRun
from integrations.sync.service import user_sync_execute
from integrations.unit_mapping import units_map_identical_names
from residents.models import Resident
from units.services import unit_create


def full_sync(integration: PMSIntegration) -> SyncRun:
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SUPPORT)
    assert user_sync_execute(run_id=run.id).state == SyncRun.State.SUCCEEDED
    run.refresh_from_db()
    return run


def automatic_with_keys(integration: PMSIntegration) -> None:
    """Units for every PMS unit, mapped; Automatic mode; synced so current residents hold
    their keys."""
    integration.unit_sync_enabled = True
    integration.save(update_fields=["unit_sync_enabled"])
    full_sync(integration)
    for pms_unit in PMSUnit.objects.filter(integration=integration):
        unit_create(property=integration.property, name=pms_unit.name, actor=None)
    units_map_identical_names(integration=integration, actor=None)
    integration.access_mode = AccessMode.AUTOMATIC
    integration.save(update_fields=["access_mode"])
    full_sync(integration)


def resident_of(integration: PMSIntegration, external_id: str) -> Resident:
    record = PMSRecord.objects.select_related("resident").get(
        integration=integration, external_id=external_id
    )
    assert record.resident is not None, record.outcome_detail
    return record.resident
