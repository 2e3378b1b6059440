"""Starting, joining, claiming, finishing and reaping sync runs.

Locks live in the database: a partial unique index allows one queued or
running SyncRun per integration, so any number of workers and a Sync Now
pressed during a scheduled run all end up on the same run.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from integrations.models import PMSIntegration, SyncRun

logger = logging.getLogger(__name__)

# A running run whose worker has not reported for this long is presumed dead.
STALE_AFTER = timedelta(minutes=10)
# A queued run nobody has claimed or retried for this long lost its Celery message (the
# broker was down when it was sent, or lost it): far beyond any retry countdown.
LOST_AFTER = timedelta(hours=2)


def sync_run_active(*, integration: PMSIntegration) -> SyncRun | None:
    return (
        SyncRun.objects.filter(integration=integration, state__in=SyncRun.ACTIVE_STATES)
        .order_by("-id")
        .first()
    )


def sync_run_start(
    *, integration: PMSIntegration, trigger: str, user: Any = None
) -> tuple[SyncRun, bool]:
    """Queue a run, or return the one already queued or running (``created`` False).

    The Celery task is enqueued only after the transaction commits, so a worker
    never looks for a run that is not there yet.
    """
    from integrations.tasks import user_sync_task

    active = sync_run_active(integration=integration)
    if active is not None:
        return active, False
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                integration=integration,
                trigger=trigger,
                requested_by=user if user is not None and user.is_authenticated else None,
                phase="Waiting for a worker",
            )
            PMSIntegration.objects.filter(id=integration.id).update(
                last_sync_started_at=run.created_at
            )
    except IntegrityError:
        # Lost the race to another starter: join its run.
        active = sync_run_active(integration=integration)
        if active is None:  # it finished in between; extremely rare
            raise
        return active, False
    transaction.on_commit(lambda: user_sync_task.delay(run.id))
    return run, True


def sync_run_claim(*, run_id: int) -> bool:
    """Take a queued run (or a running one whose worker died) for this worker.

    A conditional UPDATE: exactly one worker wins, a redelivered message loses.
    """
    now = timezone.now()
    stale = now - STALE_AFTER
    claimed = (
        SyncRun.objects.filter(id=run_id)
        .filter(
            Q(state=SyncRun.State.QUEUED) | Q(state=SyncRun.State.RUNNING, heartbeat_at__lt=stale)
        )
        .update(
            state=SyncRun.State.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=F("attempts") + 1,
            phase="Starting",
        )
    )
    return claimed == 1


class RunLost(Exception):
    """This worker no longer owns the run: it was reaped as dead, or another worker
    claimed it after its heartbeat went stale. The worker stops at once, between batches,
    so two workers never apply one integration's snapshot side by side."""


def _owned(run: SyncRun) -> Any:
    # The claim bumps ``attempts``: a run re-claimed by another worker has a higher one.
    return SyncRun.objects.filter(id=run.id, attempts=run.attempts, state__in=SyncRun.ACTIVE_STATES)


def sync_run_progress(
    *, run: SyncRun, phase: str | None = None, done: int | None = None, total: int | None = None
) -> None:
    """Report progress (and that the worker is alive); RunLost if the run is not ours."""
    fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
    if phase is not None:
        run.phase = fields["phase"] = phase
    if done is not None:
        run.records_done = fields["records_done"] = done
    if total is not None:
        run.records_total = fields["records_total"] = total
    if _owned(run).update(**fields) != 1:
        raise RunLost(f"Sync run {run.id} was taken from this worker")


def sync_run_finish(*, run: SyncRun, ok: bool, counts: dict[str, int], error: str = "") -> bool:
    """Record the result; False (and nothing written) if the run was reaped or re-claimed
    meanwhile: a late worker never turns a failed run into a success."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "state": SyncRun.State.SUCCEEDED if ok else SyncRun.State.FAILED,
        "finished_at": now,
        "counts": counts,
        "error": error[:5000],
        "phase": "Done" if ok else "Failed",
        "heartbeat_at": now,
    }
    if _owned(run).update(**fields) != 1:
        logger.warning("Sync run %s finished after it was reaped or re-claimed; dropped", run.id)
        return False
    for name, value in fields.items():
        setattr(run, name, value)
    if ok:
        PMSIntegration.objects.filter(id=run.integration_id).update(last_successful_sync_at=now)
    return True


def sync_run_requeue(*, run: SyncRun, error: str) -> None:
    """Back to the queue after a passing failure (rate limit, vendor down); nothing was applied."""
    SyncRun.objects.filter(id=run.id).update(
        state=SyncRun.State.QUEUED, phase="Retrying soon", error=error[:5000]
    )


def sync_runs_reap(*, older_than: timedelta = STALE_AFTER * 2) -> int:
    """Fail runs stuck in "running" whose worker stopped reporting, and queued runs whose
    message never reached a worker, so new runs can start (a joined run would block the
    integration for good). A message that turns up later finds its run taken: harmless."""
    now = timezone.now()
    dead = SyncRun.objects.filter(
        state=SyncRun.State.RUNNING, heartbeat_at__lt=now - older_than
    ).update(
        state=SyncRun.State.FAILED,
        finished_at=now,
        phase="Failed",
        error="The worker running this sync stopped responding. The next sync finishes the work.",
    )
    lost = (
        SyncRun.objects.filter(state=SyncRun.State.QUEUED)
        .annotate(waiting_since=Coalesce("heartbeat_at", "created_at"))
        .filter(waiting_since__lt=now - LOST_AFTER)
        .update(
            state=SyncRun.State.FAILED,
            finished_at=now,
            phase="Failed",
            error="No worker picked up this sync; its queue message was probably lost. "
            "The next sync starts over.",
        )
    )
    return dead + lost


def integrations_due(*, now: Any = None) -> list[PMSIntegration]:
    """Enabled integrations whose last run started at least their interval ago."""
    now = now or timezone.now()
    due = []
    for integration in PMSIntegration.objects.filter(
        user_sync_enabled=True, credential__isnull=False
    ).select_related("credential"):
        last = integration.last_sync_started_at
        if last is None or last <= now - timedelta(minutes=integration.sync_interval_minutes):
            due.append(integration)
    return due
