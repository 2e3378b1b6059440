"""Celery tasks: a thin API over integrations.sync. Ids in, services do the work."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from integrations.access_check import access_invariant_alerts_raise
from integrations.models import PMSIntegration, SyncRun
from integrations.sync import runs
from integrations.sync.service import SyncResult, user_sync_execute
from integrations.sync.targeted import TargetedResult, targeted_sync_execute

logger = logging.getLogger(__name__)

# Below the Redis visibility timeout (1 h): a message is never redelivered while its
# task is still legitimately running.
SOFT_TIME_LIMIT = 45 * 60
TIME_LIMIT = 50 * 60


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    max_retries=4,
)
def user_sync_task(self, run_id: int) -> str:  # type: ignore[no-untyped-def]
    # Beats from a thread while the sync runs: a worker that dies stops beating, and its run
    # is reaped within two minutes instead of blocking the integration.
    with runs.sync_run_heartbeat(run_id=run_id):
        result: SyncResult = user_sync_execute(run_id=run_id)
    if result.paced and result.retry_in is not None:
        # Waiting for the credential's rate-limit budget is not a failure: a new message,
        # so it does not count against max_retries.
        user_sync_task.apply_async((run_id,), countdown=result.retry_in)
        return result.state
    if result.retry_in is not None:
        # Only what can pass is retried: rate limits and a vendor that is down.
        raise self.retry(countdown=result.retry_in)
    return result.state


@shared_task(bind=True, acks_late=True, max_retries=20)
def targeted_sync_task(self, event_id: int) -> str:  # type: ignore[no-untyped-def]
    """A push's targeted sync (integrations/sync/targeted.py). Retried while another run
    holds the integration (every few seconds) or the vendor is limiting or down."""
    result: TargetedResult = targeted_sync_execute(event_id=event_id)
    if result.retry_in is not None:
        raise self.retry(countdown=result.retry_in)
    return result.state


@shared_task(acks_late=True)
def sync_runs_reap_task() -> int:
    """Beat, every minute: fail runs whose worker stopped beating (runs.DEAD_AFTER)."""
    return runs.sync_runs_reap()


@shared_task(acks_late=True)
def sync_enqueue_due() -> int:
    """Beat, every few minutes: reap dead runs, then queue every integration that is due."""
    runs.sync_runs_reap()
    started = 0
    for integration in runs.integrations_due():
        with transaction.atomic():
            _, created = runs.sync_run_start(
                integration=integration, trigger=SyncRun.Trigger.SCHEDULE
            )
        started += int(created)
    return started


@shared_task(acks_late=True)
def access_invariant_checks_enqueue() -> int:
    """Beat, nightly: one access check per property with a set-up integration."""
    ids = list(
        PMSIntegration.objects.filter(setup_completed_at__isnull=False).values_list("id", flat=True)
    )
    for integration_id in ids:
        access_invariant_check_task.delay(integration_id)
    return len(ids)


@shared_task(acks_late=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def access_invariant_check_task(integration_id: int) -> int:
    """Raise a sync alert for each resident holding keys no rule justifies; never revoke."""
    integration = (
        PMSIntegration.objects.select_related("property").filter(id=integration_id).first()
    )
    if integration is None:
        return 0  # deleted since it was queued
    found = access_invariant_alerts_raise(integration=integration)
    if found:
        logger.warning(
            "Access check: %s resident(s) of %s hold keys no rule justifies",
            found,
            integration.property,
        )
    return found
