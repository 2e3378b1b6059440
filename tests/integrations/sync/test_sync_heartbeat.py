"""A crashed worker: its run's heartbeat stops, and within two minutes the run is reaped
(by the beat task, or by Sync Now) and said to be lost; a sync waiting to retry says why
and when; the final failure after the retries does not promise another retry."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone

from integrations import tasks
from integrations.models import SyncRun
from integrations.pms.errors import RateLimited, VendorUnavailable
from integrations.sync import runs

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _running(integration) -> SyncRun:
    run, _ = runs.sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    assert runs.sync_run_claim(run_id=run.id)
    run.refresh_from_db()
    return run


# --- the heartbeat -------------------------------------------------------------------------


def test_a_beating_run_outlives_dead_after_and_a_silent_one_is_reaped(integration, queued):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # Given a worker whose task beats for its run (a long vendor call: no batch progress)
        heartbeat = runs.Heartbeat(run_id=0)
        run, _ = runs.sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
        heartbeat.run_id = run.id
        runs._heartbeats[run.id] = heartbeat
        try:
            assert heartbeat.beat() is False  # not claimed yet: nothing to keep alive
            assert runs.sync_run_claim(run_id=run.id)
        finally:
            runs._heartbeats.pop(run.id)
        assert heartbeat.attempts == 1

        # While it beats every HEARTBEAT_EVERY, the run lives far beyond DEAD_AFTER
        for _ in range(20):
            clock.shift(runs.HEARTBEAT_EVERY)
            assert heartbeat.beat() is True
            assert runs.sync_runs_reap() == 0
        assert SyncRun.objects.get(id=run.id).state == SyncRun.State.RUNNING

        # When the worker crashes, its beats stop with it
        clock.shift(runs.DEAD_AFTER - timedelta(seconds=1))
        assert tasks.sync_runs_reap_task() == 0
        clock.shift(timedelta(seconds=2))
        # Then the beat task's reaper closes the run within about two minutes, saying so
        assert tasks.sync_runs_reap_task() == 1

    run.refresh_from_db()
    assert (run.state, run.phase) == (SyncRun.State.FAILED, runs.WORKER_LOST_PHASE)
    assert run.error == runs.WORKER_LOST_ERROR
    # A heartbeat thread that wakes up late does not bring it back
    assert heartbeat.beat() is False


def test_a_heartbeat_does_not_keep_alive_a_run_another_worker_took_over(integration, queued):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        run = _running(integration)
        heartbeat = runs.Heartbeat(run_id=run.id)
        heartbeat.owned(attempts=run.attempts)
        clock.shift(runs.DEAD_AFTER + timedelta(seconds=1))  # a frozen worker
        assert runs.sync_run_claim(run_id=run.id)  # another worker takes the run over
        assert heartbeat.beat() is False


def test_a_requeued_run_is_not_beaten_for(integration, queued):
    run = _running(integration)
    heartbeat = runs.Heartbeat(run_id=run.id)
    heartbeat.owned(attempts=run.attempts)
    runs.sync_run_requeue(run=run, error="Yardi is limiting requests", retry_in=60)
    assert heartbeat.beat() is False


def test_the_heartbeat_thread_runs_exactly_while_the_block_does(integration, queued):
    run = _running(integration)
    with runs.sync_run_heartbeat(run_id=run.id) as heartbeat:
        assert heartbeat.thread.is_alive() and heartbeat.thread.daemon
        assert runs._heartbeats[run.id] is heartbeat
    assert not heartbeat.thread.is_alive()
    assert run.id not in runs._heartbeats


def test_the_sync_task_runs_the_sync_inside_its_heartbeat(integration, queued, monkeypatch):
    run, _ = runs.sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    seen: dict[str, object] = {}

    def execute(*, run_id: int) -> tasks.SyncResult:
        heartbeat = runs._heartbeats[run_id]
        seen["alive"] = heartbeat.thread.is_alive()
        runs.sync_run_claim(run_id=run_id)
        seen["attempts"] = heartbeat.attempts  # the claim told the heartbeat it owns the run
        return tasks.SyncResult(state="succeeded")

    monkeypatch.setattr(tasks, "user_sync_execute", execute)
    assert tasks.user_sync_task.apply(args=(run.id,)).get() == "succeeded"
    assert seen == {"alive": True, "attempts": 1}
    assert runs._heartbeats == {}


def test_beat_reaps_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["sync-reap-dead-runs"]
    assert entry == {"task": "integrations.tasks.sync_runs_reap_task", "schedule": 60}


# --- Sync Now on a frozen run ----------------------------------------------------------------


def test_sync_now_on_a_frozen_run_reaps_it_starts_anew_and_says_so(
    alice_client, prop_a, integration, queued, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # Given a sync whose worker crashed a little over two minutes ago
        frozen = _running(integration)
        clock.shift(runs.DEAD_AFTER + timedelta(seconds=1))

        # When a manager presses Sync Now
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(reverse("people-sync-now", args=[prop_a.id]), **HTMX)

    # Then the frozen run is closed as lost and a new one started, and the panel says so
    frozen.refresh_from_db()
    assert (frozen.state, frozen.phase) == (SyncRun.State.FAILED, runs.WORKER_LOST_PHASE)
    fresh = SyncRun.objects.get(state=SyncRun.State.QUEUED)
    assert queued == [fresh.id]
    html = response.content.decode()
    assert 'data-testid="sync-reaped"' in html
    assert "its worker was lost (no heartbeat for over 2 minutes)" in html
    assert "and started this one" in html
    assert "joined" not in html

    # And the run history shows the lost run for what it was
    history = alice_client.get(
        reverse("integrations-manage", args=[prop_a.id, "sync-history"])
    ).content.decode()
    assert "Worker lost" in history
    assert "stopped responding (no heartbeat for over 2 minutes)" in history


def test_sync_now_joins_a_run_whose_worker_is_alive(alice_client, prop_a, integration, queued):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        running = _running(integration)
        clock.shift(runs.DEAD_AFTER - timedelta(seconds=1))
        response = alice_client.post(reverse("people-sync-now", args=[prop_a.id]), **HTMX)
    assert SyncRun.objects.get().id == running.id
    assert "Sync Now joined the sync already under way" in response.content.decode()
    assert "sync-reaped" not in response.content.decode()


# --- retries ----------------------------------------------------------------------------------


def _rate_limited() -> RateLimited:
    return RateLimited(vendor="Yardi Voyager", call="GetResidents", retry_after=300)


def test_a_sync_waiting_to_retry_says_why_and_when(alice_client, prop_a, integration, queued):
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        run = _running(integration)
        assert runs.sync_run_retry_or_fail(
            run=run, error=_rate_limited(), retry_in=300, max_attempts=4
        )
        panel = alice_client.get(
            reverse("people-sync-status", args=[prop_a.id]), **HTMX
        ).content.decode()
        history = alice_client.get(
            reverse("integrations-manage", args=[prop_a.id, "sync-history"])
        ).content.decode()

    run.refresh_from_db()
    assert (run.state, run.retry_at) == (SyncRun.State.QUEUED, now + timedelta(seconds=300))
    # The panel (in the property's time zone) says when, and why
    at = dateformat.format(timezone.localtime(run.retry_at, prop_a.zone), "g:i:s A T")
    assert 'data-testid="sync-retrying"' in panel
    assert f"will try again at {at}" in panel
    assert "(attempt 1 did not go through)" in panel
    assert "Yardi Voyager is limiting requests for 300s (GetResidents)" in panel
    assert 'hx-trigger="every 1s"' in panel  # still polling: the retry will start on its own
    assert "Attempt 1 did not go through; next attempt at" in history

    # When the retry is claimed, the wait is over
    assert runs.sync_run_claim(run_id=run.id)
    run.refresh_from_db()
    assert run.retry_at is None


@pytest.mark.parametrize(
    "error",
    [
        _rate_limited(),
        VendorUnavailable(vendor="Entrata", call="getLeases", detail="HTTP 503"),
    ],
)
def test_the_final_failure_says_it_gave_up_not_that_it_will_retry(integration, queued, error):
    run = _running(integration)
    SyncRun.objects.filter(id=run.id).update(attempts=4)
    run.refresh_from_db()

    assert runs.sync_run_retry_or_fail(run=run, error=error, retry_in=30, max_attempts=4) is False

    run.refresh_from_db()
    assert run.state == SyncRun.State.FAILED
    assert run.retry_at is None
    assert "retry on its own" not in run.error and "will retry" not in run.error
    assert f"{error.vendor} kept" in run.error
    assert "doorsync tried 4 times and stopped. Nothing was changed." in run.error
    assert "The next scheduled sync tries again, or press Sync Now" in run.error
