"""Webhook events decided by the PMS sync: one call per batch, one per failed run.

Kept here, not in the sync, so the sync's writer and run bookkeeping each gain one line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial

from django.db import transaction

from integrations.models import SyncRun
from integrations.sync.planner import RecordPlan
from properties.models import Property
from residents.models import Resident
from webhooks.emit import WebhookEvent, record_now, webhook_events_emit
from webhooks.models import EventType

SOURCE = "pms_sync"


def sync_batch_emit(
    *,
    plans: Sequence[RecordPlan],
    created: Mapping[str, Resident],
    property: Property,
    at: datetime,
) -> None:
    """resident.created / status_changed / unit_changed for one written batch."""
    base = {"organization_id": property.organization_id, "property_id": property.id}
    events: list[WebhookEvent] = []
    for p in plans:
        change = p.resident
        if change is None:
            continue
        if change.resident_id is None:
            resident = created[p.external_id]
            events.append(
                WebhookEvent(
                    **base,
                    type=EventType.RESIDENT_CREATED,
                    data={
                        "resident_id": resident.id,
                        "property_id": property.id,
                        "status": resident.status,
                        "unit_id": resident.unit_id,
                        "source": SOURCE,
                    },
                    occurred_at=at,
                )
            )
            continue
        if change.status_changed:
            events.append(
                WebhookEvent(
                    **base,
                    type=EventType.RESIDENT_STATUS_CHANGED,
                    data={
                        "resident_id": change.resident_id,
                        "property_id": property.id,
                        "from": change.previous_status,
                        "to": change.values.status,
                        "source": SOURCE,
                    },
                    occurred_at=at,
                )
            )
        if "unit_id" in change.changed:
            events.append(
                WebhookEvent(
                    **base,
                    type=EventType.RESIDENT_UNIT_CHANGED,
                    data={
                        "resident_id": change.resident_id,
                        "property_id": property.id,
                        "from_unit_id": change.previous_unit_id,
                        "to_unit_id": change.values.unit_id,
                        "source": SOURCE,
                    },
                    occurred_at=at,
                )
            )
    webhook_events_emit(events=events)


def sync_failed_emit(*, run_ids: Sequence[int] = (), finished_at: datetime | None = None) -> None:
    """sync.failed for the runs named (or all failed at ``finished_at``: the reaper's),
    looked up after the commit so the run's own bookkeeping costs no query."""
    transaction.on_commit(partial(_sync_failed_record, list(run_ids), finished_at), robust=True)


def _sync_failed_record(run_ids: list[int], finished_at: datetime | None) -> None:
    runs = SyncRun.objects.filter(state=SyncRun.State.FAILED)
    runs = runs.filter(id__in=run_ids) if run_ids else runs.filter(finished_at=finished_at)
    record_now(
        [
            WebhookEvent(
                organization_id=run.integration.property.organization_id,
                property_id=run.integration.property_id,
                type=EventType.SYNC_FAILED,
                data={
                    "run_id": run.id,
                    "integration_id": run.integration_id,
                    "property_id": run.integration.property_id,
                    "trigger": run.trigger,
                    "error": run.error[:500],
                },
                occurred_at=run.finished_at or run.created_at,
            )
            for run in runs.select_related("integration__property")
        ]
    )
