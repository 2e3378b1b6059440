"""What the API does beyond the console's own services: Sync Now, audited as the token."""

from __future__ import annotations

from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from integrations.models import PMSIntegration, SyncRun
from integrations.sync.runs import sync_run_start, sync_runs_reap


def api_sync_now(*, integration: PMSIntegration, actor: Actor) -> tuple[SyncRun, bool]:
    """Sync Now as the People page does it — a run whose worker died is closed first, a
    running one is joined — and, when a run starts, an audit row naming who started it
    (a token is not a user, so the run's ``requested_by`` cannot)."""
    sync_runs_reap(integration=integration)
    run, created = sync_run_start(
        integration=integration, trigger=SyncRun.Trigger.SYNC_NOW, user=actor
    )
    if created:
        access_event_record(
            property=integration.property,
            actor=actor,
            action=AccessEvent.Action.SYNC_STARTED,
            subject="Sync Now started through the API",
            data={"run": run.id},
        )
    return run, created
