"""Starting, joining, claiming, finishing and reaping sync runs.

Locks live in the database: a partial unique index allows one queued or
running SyncRun per integration, so any number of workers and a Sync Now
pressed during a scheduled run all end up on the same run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from integrations.models import PMSIntegration, SyncRun
from integrations.pms.errors import PMSError, RateLimited
from webhooks.sync_events import sync_failed_emit

logger = logging.getLogger(__name__)

# A worker running a sync beats every HEARTBEAT_EVERY from a thread of its own
# (sync_run_heartbeat), besides the progress it reports per batch, so a slow vendor call or
# a long batch never looks like death. A run that misses its beats for DEAD_AFTER is
# presumed dead: a redelivered message may claim it, and the reaper (beat, every minute,
# and Sync Now) fails it, so the integration is not stuck "running" behind a dead worker.
HEARTBEAT_EVERY = timedelta(seconds=20)
DEAD_AFTER = timedelta(minutes=2)
STALE_AFTER = DEAD_AFTER
# What a reaped run says (the Sync Now panel and the run history show it).
WORKER_LOST_PHASE = "Worker lost"
WORKER_LOST_ERROR = (
    "The worker running this sync stopped responding (no heartbeat for over 2 minutes), so "
    "doorsync closed the run. What it applied is consistent; the next sync finishes the work."
)
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

    # A run whose worker died would be joined for good: close it first (one UPDATE).
    sync_runs_reap(integration=integration)
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
            retry_at=None,
            attempts=F("attempts") + 1,
            phase="Starting",
        )
    )
    if claimed == 1:
        heartbeat = _heartbeats.get(run_id)
        if heartbeat is not None:
            heartbeat.owned(
                attempts=SyncRun.objects.filter(id=run_id).values_list("attempts", flat=True)[0]
            )
    return claimed == 1


class Heartbeat:
    """Beats for one run while this worker owns it; see sync_run_heartbeat."""

    def __init__(self, *, run_id: int, every: timedelta = HEARTBEAT_EVERY) -> None:
        self.run_id = run_id
        self.every = every
        self.attempts: int | None = None  # known once this worker's claim succeeds
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._loop, name=f"sync-run-{run_id}-heartbeat", daemon=True
        )

    def owned(self, *, attempts: int) -> None:
        self.attempts = attempts

    def beat(self) -> bool:
        """One beat; False when the run is not this worker's to keep alive (not claimed
        yet, requeued, finished, reaped or re-claimed by another worker)."""
        if self.attempts is None:
            return False
        return (
            SyncRun.objects.filter(
                id=self.run_id, attempts=self.attempts, state=SyncRun.State.RUNNING
            ).update(heartbeat_at=timezone.now())
            == 1
        )

    def _loop(self) -> None:
        try:
            while not self.stop.wait(self.every.total_seconds()):
                try:
                    self.beat()
                except Exception:  # a database blip: the next beat tries again
                    logger.warning("Heartbeat of sync run %s failed", self.run_id, exc_info=True)
        finally:
            # This thread's own database connection, not the task's.
            connections.close_all()


_heartbeats: dict[int, Heartbeat] = {}


@contextmanager
def sync_run_heartbeat(*, run_id: int) -> Iterator[Heartbeat]:
    """Beat for ``run_id`` from a thread while the block runs (the task wraps a sync in it).

    A worker that crashes, is killed or loses its machine stops beating with it, and the
    reaper closes its run within DEAD_AFTER."""
    heartbeat = Heartbeat(run_id=run_id)
    _heartbeats[run_id] = heartbeat
    heartbeat.thread.start()
    try:
        yield heartbeat
    finally:
        heartbeat.stop.set()
        _heartbeats.pop(run_id, None)
        heartbeat.thread.join()


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


def sync_run_finish(
    *, run: SyncRun, ok: bool, counts: dict[str, int], error: str = "", complete: bool = True
) -> bool:
    """Record the result; False (and nothing written) if the run was reaped or re-claimed
    meanwhile: a late worker never turns a failed run into a success. A run that read only
    part of the PMS (`complete` False: a webhook's targeted sync) is no successful sync of
    the whole: the integration's last successful sync stays as it was."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "state": SyncRun.State.SUCCEEDED if ok else SyncRun.State.FAILED,
        "finished_at": now,
        "counts": counts,
        "error": error[:5000],
        "phase": "Done" if ok else "Failed",
        "heartbeat_at": now,
        "retry_at": None,
    }
    if _owned(run).update(**fields) != 1:
        logger.warning("Sync run %s finished after it was reaped or re-claimed; dropped", run.id)
        return False
    for name, value in fields.items():
        setattr(run, name, value)
    if ok and complete:
        done: dict[str, Any] = {"last_successful_sync_at": now}
        if run.kind == SyncRun.Kind.FULL:
            # Only a full run counts towards the full-sync interval (sync/changes.py).
            done["last_full_sync_at"] = now
        PMSIntegration.objects.filter(id=run.integration_id).update(**done)
    if not ok:
        # Integrators' endpoints subscribed to sync.failed (webhooks/sync_events.py).
        sync_failed_emit(run_ids=[run.id])
    # Managers hear of a failure streak or of alerts this run opened (notices/services.py),
    # after the run's own writes are committed, from a task of its own: a mail server
    # that is down never fails or slows a sync. A webhook's targeted run is part of a
    # sync, not one: notices follow the whole ones.
    if complete:
        from notices.tasks import notices_after_sync_run_task

        run_id = run.id
        transaction.on_commit(lambda: notices_after_sync_run_task.delay(run_id))
    return True


def sync_run_requeue(
    *, run: SyncRun, error: str, retry_in: int | None = None, phase: str = "Retrying soon"
) -> None:
    """Back to the queue after a passing failure (rate limit, vendor down) or to wait for
    rate-limit budget; nothing was applied. ``retry_in`` seconds: when the task will try
    again, said in the panel."""
    retry_at = timezone.now() + timedelta(seconds=retry_in) if retry_in is not None else None
    SyncRun.objects.filter(id=run.id).update(
        state=SyncRun.State.QUEUED, phase=phase, error=error[:5000], retry_at=retry_at
    )
    run.state, run.phase, run.error, run.retry_at = (SyncRun.State.QUEUED, phase, error, retry_at)


def gave_up_message(*, error: PMSError, attempts: int) -> str:
    """The final failure after the last retry: says what kept failing and what happens now,
    not "the sync will retry on its own" (it will not: the next run is a new one)."""
    detail = f": {error.detail}" if error.detail and not isinstance(error, RateLimited) else ""
    if isinstance(error, RateLimited):
        what, advice = "kept limiting requests", "ask the vendor to raise the API limit"
    else:
        what = "kept not answering properly"
        advice = f"check {error.vendor}'s status page or contact their support"
    return (
        f"{error.vendor} {what} ({error.call}{detail}); doorsync tried {attempts} times and "
        "stopped. Nothing was changed. The next scheduled sync tries again, or press Sync Now; "
        f"if this lasts for hours, {advice}."
    )


def sync_run_retry_or_fail(
    *, run: SyncRun, error: PMSError, retry_in: int, max_attempts: int
) -> bool:
    """After a passing failure: requeue the run to be retried in ``retry_in`` seconds (True),
    or, when it has had ``max_attempts``, fail it saying it gave up (False)."""
    if run.attempts < max_attempts:
        sync_run_requeue(run=run, error=str(error), retry_in=retry_in)
        return True
    sync_run_finish(
        run=run, ok=False, counts={}, error=gave_up_message(error=error, attempts=run.attempts)
    )
    return False


def sync_runs_reap(
    *, older_than: timedelta = DEAD_AFTER, integration: PMSIntegration | None = None
) -> int:
    """Fail runs stuck in "running" whose worker stopped beating, and queued runs whose
    message never reached a worker, so new runs can start (a joined run would block the
    integration for good). A message that turns up later finds its run taken: harmless.
    With ``integration``, only its runs (Sync Now reaps before it joins a run)."""
    now = timezone.now()
    scope = SyncRun.objects.all()
    if integration is not None:
        scope = scope.filter(integration=integration)
    dead = scope.filter(state=SyncRun.State.RUNNING, heartbeat_at__lt=now - older_than).update(
        state=SyncRun.State.FAILED,
        finished_at=now,
        phase=WORKER_LOST_PHASE,
        retry_at=None,
        error=WORKER_LOST_ERROR,
    )
    if dead:
        logger.warning("Reaped %s sync run(s) whose worker stopped responding", dead)
    lost = (
        scope.filter(state=SyncRun.State.QUEUED)
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
    if dead + lost:
        sync_failed_emit(finished_at=now)
    return dead + lost


def integrations_due(*, now: Any = None) -> list[PMSIntegration]:
    """Enabled integrations whose scheduled sync is due: no run has started since their
    latest slot. Slots are spread over each interval (integrations/cadence.py), so beat
    starts a few integrations each tick instead of all of them at once. One query."""
    from integrations.cadence import sync_due

    now = now or timezone.now()
    candidates = PMSIntegration.objects.filter(
        user_sync_enabled=True, credential__isnull=False
    ).only("id", "property_id", "credential_id", "sync_interval_minutes", "last_sync_started_at")
    return [
        integration
        for integration in candidates
        if sync_due(
            integration_id=integration.id,
            interval_minutes=integration.sync_interval_minutes,
            last_started=integration.last_sync_started_at,
            now=now,
        )
    ]
