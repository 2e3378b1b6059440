"""A push's targeted sync: the records one inbound event names, read fresh from the vendor's
API and applied through User Sync's one path (statuses settled, then loader → planner →
writer in snapshot_apply), with nobody absent from it taken for gone.

The push is a trigger, never data: what the event body says is not applied — the vendor is
asked. Each targeted sync is a SyncRun (trigger "webhook") under the same one-run-per-
integration lock as every sync, so it never races a scheduled run or Sync Now; while one
runs, the targeted sync waits and tries again a few seconds later. The periodic full
snapshot still runs and remains the reference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from django.db import IntegrityError, transaction
from django.utils import timezone

from access.brake import automatic_revokes_settle
from integrations.credentials.services import pms_credential_connector
from integrations.inbound.models import InboundEvent
from integrations.models import PMSIntegration, SyncRun
from integrations.pms.errors import PMSError, RateLimited, VendorUnavailable
from integrations.sync import runs
from integrations.sync.statuses import snapshot_statuses_settle
from integrations.sync.user_sync import Snapshot, pages_collect, snapshot_apply

logger = logging.getLogger(__name__)

# While another run holds the integration: try again this soon (a full run takes long,
# but a Sync Now or another push's run takes seconds).
RETRY_WHILE_BUSY = 5
RETRY_VENDOR = 30


@dataclass(frozen=True)
class TargetedResult:
    state: str
    retry_in: int | None = None


def _note(event: InboundEvent, triggered: str, **fields: object) -> None:
    event.triggered = triggered[:300]
    for name, value in fields.items():
        setattr(event, name, value)
    event.save(update_fields=["triggered", *fields])


def _why_not(integration: PMSIntegration) -> str:
    if integration.credential is None or not integration.pms_property_ids:
        return "nothing: ePMS set-up is not finished"
    if not integration.user_sync_enabled:
        return "nothing: User Sync is off for this property"
    return ""


def _run_open(integration: PMSIntegration) -> SyncRun | None:
    """A run of this integration for the targeted sync, claimed; None while another runs."""
    runs.sync_runs_reap(integration=integration)
    if runs.sync_run_active(integration=integration) is not None:
        return None
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                integration=integration,
                trigger=SyncRun.Trigger.WEBHOOK,
                phase="Reading what the push named",
            )
    except IntegrityError:
        return None  # another run started in between
    if not runs.sync_run_claim(run_id=run.id):
        return None
    run.refresh_from_db()  # the claim's attempt number marks the run as this worker's
    return run


def targeted_fetch(*, run: SyncRun, event: InboundEvent) -> Snapshot:
    """The named leases' and people's records, fresh from the vendor; only those of the
    attached PMS properties."""
    integration = run.integration
    assert integration.credential is not None
    with pms_credential_connector(credential=integration.credential) as connector:
        snapshot = pages_collect(
            connector.fetch_residents_for(
                integration.pms_property_ids,
                lease_ids=[str(i) for i in event.lease_ids],
                tenant_ids=[str(i) for i in event.tenant_ids],
            ),
            attached=integration.pms_property_ids,
        )
    # Not complete: a part of the PMS, from which nobody is taken for gone (user_sync.py);
    # each person in it read with all their leases (the Buildium client reads them whole).
    return replace(snapshot, complete=False, people_whole=True)


def targeted_sync_execute(*, event_id: int) -> TargetedResult:
    """Apply what one accepted push names. Idempotent: a redelivered task finds the event
    applied and does nothing."""
    event = (
        InboundEvent.objects.select_related("integration__credential", "integration__property")
        .filter(id=event_id, verdict=InboundEvent.Verdict.ACCEPTED)
        .first()
    )
    if event is None or event.applied_at is not None:
        return TargetedResult(state="not_needed")
    integration = event.integration
    why_not = _why_not(integration)
    if why_not:
        _note(event, why_not)
        return TargetedResult(state="not_needed")
    run = _run_open(integration)
    if run is None:
        return TargetedResult(state="busy", retry_in=RETRY_WHILE_BUSY)
    run.integration = integration
    _note(event, f"targeted sync #{run.id} of {_named(event)}", sync_run=run)
    try:
        snapshot = targeted_fetch(run=run, event=event)
        snapshot = snapshot_statuses_settle(run=run, snapshot=snapshot)
        counts = snapshot_apply(run=run, snapshot=snapshot)
        # Automatic mode's revokes: applied now (or held by the mass-revoke brake).
        automatic_revokes_settle(integration=integration)
    except runs.RunLost:
        # Reaped while this worker was slow: what it applied is consistent (batches commit
        # whole); the next sync finishes the work.
        logger.warning("Targeted sync %s was taken from this worker; stopping", run.id)
        return TargetedResult(state="lost")
    except (RateLimited, VendorUnavailable) as exc:
        runs.sync_run_finish(run=run, ok=False, counts={}, error=str(exc), complete=False)
        _note(event, f"targeted sync #{run.id} failed, retrying: {exc}"[:300])
        return TargetedResult(state=SyncRun.State.FAILED, retry_in=RETRY_VENDOR)
    except PMSError as exc:
        runs.sync_run_finish(run=run, ok=False, counts={}, error=str(exc), complete=False)
        _note(event, f"targeted sync #{run.id} failed; the next full sync reads it: {exc}"[:300])
        return TargetedResult(state=SyncRun.State.FAILED)
    except Exception:
        logger.exception("Targeted sync %s of push %s failed", run.id, event.id)
        runs.sync_run_finish(
            run=run,
            ok=False,
            counts={},
            error="An internal error stopped this instant update. What was applied is "
            "consistent; the next sync finishes the work. Support has the details.",
            complete=False,
        )
        raise
    runs.sync_run_finish(run=run, ok=True, counts=dict(counts), complete=False)
    _note(
        event,
        f"targeted sync #{run.id} of {_named(event)}: {len(snapshot.records)} record(s) read",
        applied_at=timezone.now(),
    )
    return TargetedResult(state=SyncRun.State.SUCCEEDED)


def _named(event: InboundEvent) -> str:
    parts = [f"lease {i}" for i in event.lease_ids] + [f"tenant {i}" for i in event.tenant_ids]
    return ", ".join(parts) or "nothing"
