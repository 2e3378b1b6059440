"""User Sync's writer: a batch of plans → one statement per table.

The only place that knows the column orders the sync COPYs and UPDATEs, and the only
place that hands transitions to Automated Access. Speed lives here: each table is
written with one statement for the whole batch (COPY, UPDATE … FROM unnest), so a
batch costs the same number of queries whatever it holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from access.automation import (
    DetectedTransition,
    transitions_apply_automatically,
    transitions_suggest,
)
from access.grants import residents_lock
from audit.models import AccessEvent
from audit.services import access_event_build
from common.bulk import objects_insert, rows_insert, rows_update
from integrations.models import AccessMode, PMSIntegration, PMSRecord, SyncAlert, SyncOutcome
from integrations.sync.loader import Loaded
from integrations.sync.planner import RecordPlan, RecordRow, Stored
from integrations.sync.values import SYNCED_FIELDS
from properties.models import Property
from residents.models import Resident, ResidentStatus
from units.models import Unit
from webhooks.sync_events import sync_batch_emit

PMS_SYNC = "PMS sync"

RESIDENT_UPDATE_COLUMNS = [*SYNCED_FIELDS, "updated_at"]
# A PMS record's columns the sync writes: _record_values gives them in this order.
RECORD_COLUMNS = [
    "pms_property_id",
    "resident_id",
    "first_name",
    "last_name",
    "email",
    "raw_status",
    "lifecycle",
    "pms_unit_id",
    "pms_unit_name",
    "data_hash",
    "outcome",
    "outcome_detail",
    "last_seen_at",
    "last_seen_run_id",
    "gone_from_pms_at",
]
RECORD_NEW_COLUMNS = ["integration_id", "external_id", "first_seen_at", *RECORD_COLUMNS]
OUTCOME_COLUMNS = [
    "run_id",
    "external_id",
    "resident_id",
    "outcome",
    "name",
    "email",
    "raw_status",
    "detail",
]
ALERT_REFRESH_COLUMNS = ["pms_email", "pms_name", "pms_data", "resident_id", "updated_at"]


@dataclass(frozen=True)
class WriteContext:
    integration: PMSIntegration
    property: Property
    run_id: int
    now: datetime


def plans_write(
    *, plans: Sequence[RecordPlan], loaded: Loaded, state: dict[str, Stored], ctx: WriteContext
) -> Counter[str]:
    """Write one batch's plans (inside the caller's transaction); returns its counts."""
    occupancy = {u for p in plans for u in p.occupancy_units}
    occupied_before = _occupied(occupancy)
    created = _residents_create(plans, ctx)
    resident_ids = {
        p.external_id: created[p.external_id].id if p.external_id in created else p.row.resident_id
        for p in plans
    }
    # The lock order of every key write (access/grants.py): the residents first, by id.
    # The UPDATE below locks them in the batch's order; a manager approving suggestions
    # of two of them at that moment locks them by id, and the two would deadlock.
    residents_lock(
        resident_ids=[
            p.resident.resident_id
            for p in plans
            if p.resident is not None and p.resident.resident_id is not None and p.resident.changed
        ]
    )
    _residents_update(plans, ctx)
    _records_write(plans, resident_ids, state, ctx)
    _alerts_write(plans, resident_ids, loaded, ctx)
    events = [
        _status_event(p, loaded, ctx) for p in plans if p.resident and p.resident.status_changed
    ]
    if events:
        AccessEvent.objects.bulk_create(events)
    rows_insert(
        SyncOutcome,
        OUTCOME_COLUMNS,
        [_outcome_row(p, resident_ids, ctx) for p in plans if p.report],
    )
    if occupancy:
        _occupancy_changes_record(ctx, occupancy, occupied_before)
    # Webhooks (resident created / status / unit changed): one call, sent after commit.
    sync_batch_emit(plans=plans, created=created, property=ctx.property, at=ctx.now)
    detected = [d for p in plans if (d := _detected(p, created, loaded)) is not None]
    transitions_hand_over(
        integration=ctx.integration, property=ctx.property, detected=detected, now=ctx.now
    )
    return Counter(p.outcome for p in plans)


def transitions_hand_over(
    *,
    integration: PMSIntegration,
    property: Property,
    detected: Sequence[DetectedTransition],
    now: datetime,
) -> None:
    """Automated Access, on the transitions just written (created residents have ids):
    suggestions in Approval Required, key changes in Automatic, nothing when Off."""
    if not detected:
        return
    if integration.access_mode == AccessMode.APPROVAL_REQUIRED:
        transitions_suggest(property=property, detected=detected, now=now)
    elif integration.access_mode == AccessMode.AUTOMATIC:
        transitions_apply_automatically(property=property, detected=detected, now=now)


def _residents_create(plans: Sequence[RecordPlan], ctx: WriteContext) -> dict[str, Resident]:
    created = {
        p.external_id: Resident(property_id=ctx.property.id, **p.resident.values.as_fields())
        for p in plans
        if p.resident is not None and p.resident.resident_id is None
    }
    objects_insert(list(created.values()), now=ctx.now)
    return created


def _residents_update(plans: Sequence[RecordPlan], ctx: WriteContext) -> None:
    # updated_at by hand: a bulk write skips auto_now, and an edited resident must not
    # look untouched.
    rows_update(
        Resident,
        RESIDENT_UPDATE_COLUMNS,
        [
            [p.resident.resident_id, *p.resident.values.as_row(), ctx.now]
            for p in plans
            if p.resident is not None and p.resident.resident_id is not None and p.resident.changed
        ],
    )


def _records_write(
    plans: Sequence[RecordPlan],
    resident_ids: dict[str, int | None],
    state: dict[str, Stored],
    ctx: WriteContext,
) -> None:
    existing: list[list[Any]] = []
    new: list[list[Any]] = []
    for p in plans:
        values = _record_values(p.row, resident_ids[p.external_id], ctx)
        stored = state.get(p.external_id)
        if stored is not None:
            existing.append([stored.record_id, *values])
        else:
            new.append([ctx.integration.id, p.external_id, ctx.now, *values])
    rows_update(PMSRecord, RECORD_COLUMNS, existing)
    rows_insert(PMSRecord, RECORD_NEW_COLUMNS, new)


def _record_values(row: RecordRow, resident_id: int | None, ctx: WriteContext) -> list[Any]:
    """RECORD_COLUMNS' values; the run's stamps say it was seen now (not gone)."""
    return [
        row.pms_property_id,
        resident_id,
        row.first_name,
        row.last_name,
        row.email,
        row.raw_status,
        row.lifecycle,
        row.pms_unit_id,
        row.pms_unit_name,
        row.data_hash,
        row.outcome,
        row.outcome_detail,
        ctx.now,
        ctx.run_id,
        None,
    ]


def _alerts_write(
    plans: Sequence[RecordPlan],
    resident_ids: dict[str, int | None],
    loaded: Loaded,
    ctx: WriteContext,
) -> None:
    close: list[SyncAlert] = []
    refresh: list[SyncAlert] = []
    new: list[SyncAlert] = []
    for p in plans:
        for alert_id in p.alerts.close_ids:
            alert = loaded.alerts[alert_id]
            alert.state = SyncAlert.State.RESOLVED
            alert.resolution = "no_longer_applies"
            alert.resolved_at = ctx.now
            close.append(alert)
        opened = p.alerts.open
        if opened is None:
            continue
        resident_id = opened.resident_id
        if resident_id is None and opened.owner_external_id is not None:
            # The owner got its resident in this batch (created or linked): name it.
            resident_id = resident_ids.get(opened.owner_external_id)
        values = {
            "pms_email": opened.pms_email,
            "pms_name": opened.pms_name,
            "pms_data": opened.pms_data,
            "resident_id": resident_id,
        }
        if opened.refresh_id is not None:
            alert = loaded.alerts[opened.refresh_id]
            for name, value in values.items():
                setattr(alert, name, value)
            alert.updated_at = ctx.now
            refresh.append(alert)
        else:
            new.append(
                SyncAlert(
                    integration=ctx.integration,
                    kind=opened.kind,
                    external_id=p.external_id,
                    **values,
                )
            )
    if close:
        SyncAlert.objects.bulk_update(close, ["state", "resolution", "resolved_at"])
    if refresh:
        SyncAlert.objects.bulk_update(refresh, ALERT_REFRESH_COLUMNS)
    if new:
        SyncAlert.objects.bulk_create(new)


def _status_event(p: RecordPlan, loaded: Loaded, ctx: WriteContext) -> AccessEvent:
    assert p.resident is not None and p.resident.resident_id is not None
    values = p.resident.values
    before = p.resident.previous_status
    return access_event_build(
        property=ctx.property,
        actor=None,
        label=PMS_SYNC,
        action=AccessEvent.Action.STATUS_CHANGED,
        subject=f"{values.full_name}: {before.title()} → {values.status.title()}",
        resident=loaded.residents[p.resident.resident_id],
        reason=p.status_reason,
        data={"from": before, "to": values.status, "pms": p.row.raw_status},
        at=ctx.now,
    )


def _outcome_row(
    p: RecordPlan, resident_ids: dict[str, int | None], ctx: WriteContext
) -> list[Any]:
    # The resident is named for a record applied to one (not for one held or skipped).
    resident_id = resident_ids[p.external_id] if p.resident is not None else None
    return [
        ctx.run_id,
        p.external_id,
        resident_id,
        str(p.outcome),
        f"{p.row.first_name} {p.row.last_name}".strip()[:210],
        p.row.email,
        p.row.raw_status,
        p.detail[:500],
    ]


def _detected(
    p: RecordPlan, created: dict[str, Resident], loaded: Loaded
) -> DetectedTransition | None:
    if p.transition is None or p.resident is None:
        return None
    if p.resident.resident_id is None:
        resident = created[p.external_id]
    else:
        # The resident as this sync left it: Automated Access reads the new status.
        resident = loaded.residents[p.resident.resident_id]
        for name in p.resident.changed:
            setattr(resident, name, getattr(p.resident.values, name))
    return DetectedTransition(
        resident=resident,
        transition=p.transition.transition,
        transition_key=p.transition.key,
        resident_is_new=p.transition.resident_is_new,
    )


def _occupied(unit_ids: set[int]) -> set[int]:
    if not unit_ids:
        return set()
    return set(
        Resident.objects.filter(unit_id__in=unit_ids, status=ResidentStatus.CURRENT)
        .values_list("unit_id", flat=True)
        .distinct()
    )


def _occupancy_changes_record(ctx: WriteContext, unit_ids: set[int], before: set[int]) -> None:
    """A unit is Occupied while it has a current resident: record each flip."""
    after = _occupied(unit_ids)
    flipped = (before ^ after) & unit_ids
    if not flipped:
        return
    AccessEvent.objects.bulk_create(
        [
            access_event_build(
                property=ctx.property,
                actor=None,
                label=PMS_SYNC,
                action=AccessEvent.Action.OCCUPANCY_CHANGED,
                subject=f"Unit {unit} is now {'Occupied' if unit.id in after else 'Vacant'}",
                data={"unit": unit.id, "occupied": unit.id in after},
                at=ctx.now,
            )
            for unit in Unit.objects.filter(id__in=flipped)
        ]
    )
