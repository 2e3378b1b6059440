"""One sync run from claim to finish: what the Celery task calls."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from access.brake import automatic_revokes_settle
from integrations.models import SyncRun
from integrations.pms.errors import BudgetExhausted, PMSError, RateLimited, VendorUnavailable
from integrations.sync import runs
from integrations.sync.cursors import run_kind_choose, sync_run_succeed
from integrations.sync.statuses import snapshot_statuses_settle
from integrations.sync.user_sync import EmptySnapshot, snapshot_apply, snapshot_fetch

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
# Runs waiting for rate-limit budget are started again up to this many times in all,
# at most PACED_RETRY_MAX seconds apart: a Celery message due further ahead than the Redis
# visibility timeout (1 h) would be delivered again early anyway.
MAX_PACED_ATTEMPTS = 8
PACED_RETRY_MAX = 30 * 60


@dataclass(frozen=True)
class SyncResult:
    state: str
    retry_in: int | None = None
    # Waiting for rate-limit budget, not a failure: the task queues the run again rather
    # than spending one of its retries.
    paced: bool = False


def _backoff(attempt: int, hint: float | None) -> int:
    return int(max(hint or 0, min(30 * 2 ** (attempt - 1), 600)))


def paced_out_message(error: BudgetExhausted) -> str:
    return (
        f"This sync needs more calls than {error.vendor}'s API rate limit allows in a row "
        f"(doorsync waited for it {MAX_PACED_ATTEMPTS} times). Nothing was changed. Choose a "
        "longer sync interval in Manage Settings → Sync Schedule, attach fewer PMS properties "
        "to this credential, or ask the vendor to raise the limit."
    )


def user_sync_execute(*, run_id: int) -> SyncResult:
    """Claim the run, decide whether it reads the whole PMS or only its changes, fetch
    completely, apply it, and move the cursors. A failed fetch changes nothing."""
    if not runs.sync_run_claim(run_id=run_id):
        # Already taken by another worker, or finished: a redelivered message is harmless.
        return SyncResult(state="not_claimed")
    run = SyncRun.objects.select_related("integration__credential", "integration__property").get(
        id=run_id
    )
    if run.integration.credential is None or not run.integration.pms_property_ids:
        runs.sync_run_finish(
            run=run,
            ok=False,
            counts={},
            error="ePMS set-up is not finished: choose a credential and attach PMS property IDs.",
        )
        return SyncResult(state=SyncRun.State.FAILED)
    # Full, or only the changes since the run's cursors (sync/changes.py).
    run_kind_choose(run=run)
    try:
        snapshot = snapshot_fetch(run=run)
    except runs.RunLost:
        logger.warning("Sync run %s was taken from this worker while fetching", run_id)
        return SyncResult(state="lost")
    except BudgetExhausted as exc:
        # doorsync's own pacing (pms/budget.py): nothing was sent that the budget did not
        # allow and nothing was applied; the run waits for the budget, it has not failed.
        # Bounded all the same: a snapshot needing more calls than the limit allows starts
        # over each time and would wait for ever.
        if run.attempts >= MAX_PACED_ATTEMPTS:
            runs.sync_run_finish(run=run, ok=False, counts={}, error=paced_out_message(exc))
            return SyncResult(state=SyncRun.State.FAILED)
        retry_in = min(PACED_RETRY_MAX, max(1, math.ceil(exc.retry_after or 1)))
        runs.sync_run_requeue(
            run=run, error=str(exc), retry_in=retry_in, phase="Waiting for API rate limit"
        )
        return SyncResult(state=SyncRun.State.QUEUED, retry_in=retry_in, paced=True)
    except (RateLimited, VendorUnavailable) as exc:
        retry_in = _backoff(run.attempts, getattr(exc, "retry_after", None))
        if runs.sync_run_retry_or_fail(
            run=run, error=exc, retry_in=retry_in, max_attempts=MAX_ATTEMPTS
        ):
            return SyncResult(state=SyncRun.State.QUEUED, retry_in=retry_in)
        return SyncResult(state=SyncRun.State.FAILED)
    except PMSError as exc:
        runs.sync_run_finish(run=run, ok=False, counts={}, error=str(exc))
        return SyncResult(state=SyncRun.State.FAILED)
    except Exception:
        # Not left "running" for the reaper: the run says it failed, nothing changed.
        logger.exception("Sync run %s failed while fetching", run_id)
        runs.sync_run_finish(
            run=run,
            ok=False,
            counts={},
            error="An internal error stopped this sync while fetching from the PMS. Nothing "
            "was changed; support has the details.",
        )
        raise
    try:
        # Statuses the vendor sends but doorsync does not know: support's mapping applied,
        # undecided records kept as they were, and a sync alert per status (sync/statuses.py).
        snapshot = snapshot_statuses_settle(run=run, snapshot=snapshot)
        counts = snapshot_apply(run=run, snapshot=snapshot)
        # Automatic mode's revokes were held batch by batch: applied now, or held for a
        # manager by the mass-revoke brake when they would take too many residents' keys.
        automatic_revokes_settle(integration=run.integration)
    except runs.RunLost:
        # Reaped or re-claimed while this worker was slow: what it applied is consistent
        # (batches commit whole) and the run's new owner or the next run finishes the work.
        logger.warning("Sync run %s was taken from this worker; stopping", run_id)
        return SyncResult(state="lost")
    except EmptySnapshot as exc:
        runs.sync_run_finish(run=run, ok=False, counts={}, error=str(exc))
        return SyncResult(state=SyncRun.State.FAILED)
    except Exception:
        logger.exception("Sync run %s failed while applying", run_id)
        runs.sync_run_finish(
            run=run,
            ok=False,
            counts={},
            error="An internal error stopped this sync part-way. What was applied is "
            "consistent; the next sync finishes the work. Support has the details.",
        )
        raise
    # The run's result and its cursors in one transaction: a cursor moves only past changes
    # a run read whole and applied.
    if not sync_run_succeed(
        run=run,
        counts=dict(counts),
        started_at=snapshot.started_at,
        read=snapshot.read,
        since=snapshot.since,
    ):
        return SyncResult(state="lost")
    return SyncResult(state=SyncRun.State.SUCCEEDED)
