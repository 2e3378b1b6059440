"""Sync runs: one active run per integration (joining, racing, claiming), dead workers
reaped, and the beat task that queues the integrations that are due."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from integrations.cadence import latest_slot
from integrations.models import PMSIntegration, SyncRun
from integrations.sync import runs
from integrations.sync.runs import (
    integrations_due,
    sync_run_claim,
    sync_run_start,
    sync_runs_reap,
)
from integrations.tasks import sync_enqueue_due, user_sync_task
from tests.integrations.sync.conftest import credential_create, integration_create


class DelayRecorder:
    """Stands in for user_sync_task.delay: records the run ids that would be queued."""

    def __init__(self) -> None:
        self.run_ids: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, run_id: int) -> None:
        with self._lock:
            self.run_ids.append(run_id)


@pytest.fixture
def queued(monkeypatch) -> DelayRecorder:
    recorder = DelayRecorder()
    monkeypatch.setattr(user_sync_task, "delay", recorder)
    return recorder


# --- starting and joining -----------------------------------------------------------------


@pytest.mark.django_db
def test_sync_now_twice_joins_the_running_sync(
    integration, alice, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = sync_run_start(
            integration=integration, trigger=SyncRun.Trigger.SYNC_NOW, user=alice
        )
    with django_capture_on_commit_callbacks(execute=True):
        second, created_again = sync_run_start(
            integration=integration, trigger=SyncRun.Trigger.SYNC_NOW, user=alice
        )

    assert (created, created_again) == (True, False)
    assert second.id == first.id
    assert SyncRun.objects.count() == 1
    assert (first.state, first.trigger, first.requested_by) == ("queued", "sync_now", alice)
    assert first.phase == "Waiting for a worker"
    # The task is queued once, after the commit
    assert queued.run_ids == [first.id]
    integration.refresh_from_db()
    assert integration.last_sync_started_at == first.created_at


@pytest.mark.django_db
def test_a_finished_run_does_not_block_the_next(integration, queued):
    first, _ = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    runs.sync_run_finish(run=first, ok=True, counts={})
    second, created = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    assert created
    assert second.id != first.id


# SQLite serialises writers with a table lock that an in-memory test database answers
# with "database table is locked" instead of waiting: the race is PostgreSQL's to test.
@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_starts_make_exactly_one_run(integration, queued, monkeypatch):
    # Given both starters look for an active run before either inserts one: the
    # partial unique index is all that stands between them and two runs
    barrier = threading.Barrier(2, timeout=10)
    looked = threading.local()
    real_active = runs.sync_run_active

    calls = []

    def active_after_both_looked(*, integration):
        calls.append(threading.get_ident())
        found = real_active(integration=integration)
        if not getattr(looked, "done", False):
            looked.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(runs, "sync_run_active", active_after_both_looked)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            run, created = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SYNC_NOW)
            results.append((run.id, created))
        except BaseException as exc:  # surfaced below, with the thread's traceback
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)

    assert errors == []
    assert SyncRun.objects.count() == 1
    run = SyncRun.objects.get()
    # Both starters got that one run; exactly one of them created it and queued it
    assert sorted(results) == [(run.id, False), (run.id, True)]
    assert queued.run_ids == [run.id]
    # The loser's insert hit the unique index, and it looked again to join the winner
    assert len(calls) == 3


# --- claiming, stale runs, reaping ----------------------------------------------------------


@pytest.mark.django_db
def test_only_the_first_claim_wins(integration, queued):
    run, _ = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)

    assert sync_run_claim(run_id=run.id) is True
    assert sync_run_claim(run_id=run.id) is False  # a redelivered message

    run.refresh_from_db()
    assert (run.state, run.attempts, run.phase) == ("running", 1, "Starting")
    assert run.started_at is not None
    assert run.heartbeat_at == run.started_at


@pytest.mark.django_db
def test_a_finished_run_cannot_be_claimed(integration, queued):
    run, _ = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    sync_run_claim(run_id=run.id)
    run.refresh_from_db()  # the claim took attempt 1
    runs.sync_run_finish(run=run, ok=False, counts={}, error="boom")
    assert sync_run_claim(run_id=run.id) is False


@pytest.mark.django_db
def test_a_stale_run_can_be_claimed_again_and_is_reaped(integration, queued):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        run, _ = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
        assert sync_run_claim(run_id=run.id)
        run.refresh_from_db()  # the claim took attempt 1
        # While its worker reports, nobody else takes it
        for _ in range(5):
            clock.shift(runs.DEAD_AFTER - timedelta(seconds=1))
            runs.sync_run_progress(run=run, phase="Applying changes", done=10)
        clock.shift(runs.DEAD_AFTER - timedelta(seconds=1))
        assert sync_run_claim(run_id=run.id) is False
        assert sync_runs_reap() == 0

        # When the worker goes silent for longer than DEAD_AFTER
        clock.shift(timedelta(seconds=2))
        # Then a redelivered message may take it over
        assert sync_run_claim(run_id=run.id) is True
        run.refresh_from_db()
        assert run.attempts == 2

        # And when that worker dies too, the reaper fails the run as soon as it is silent
        clock.shift(runs.DEAD_AFTER - timedelta(seconds=1))
        assert sync_runs_reap() == 0
        clock.shift(timedelta(seconds=2))
        assert sync_runs_reap() == 1

    run.refresh_from_db()
    assert run.state == SyncRun.State.FAILED
    assert run.phase == runs.WORKER_LOST_PHASE
    assert run.finished_at is not None
    assert run.error == runs.WORKER_LOST_ERROR
    # And the integration can start a new run
    new, created = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    assert created and new.id != run.id


@pytest.mark.django_db
def test_the_reaper_leaves_queued_and_finished_runs_alone(integration, queued):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        done, _ = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
        sync_run_claim(run_id=done.id)
        done.refresh_from_db()  # the claim took attempt 1
        runs.sync_run_finish(run=done, ok=True, counts={})
        waiting, _ = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
        clock.shift(runs.LOST_AFTER - timedelta(minutes=1))
        assert sync_runs_reap() == 0
    assert SyncRun.objects.get(id=done.id).state == SyncRun.State.SUCCEEDED
    assert SyncRun.objects.get(id=waiting.id).state == SyncRun.State.QUEUED


@pytest.mark.django_db
def test_a_queued_run_whose_message_was_lost_is_reaped_and_the_next_beat_starts_over(
    integration, queued, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        # Given a Sync Now whose Celery message never reached a worker (broker down)
        lost, _ = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SYNC_NOW)
        queued.run_ids.clear()
        # Then for a while it is only waiting: Sync Now and the beat join it
        clock.shift(runs.LOST_AFTER - timedelta(seconds=1))
        assert sync_runs_reap() == 0
        assert sync_run_start(integration=integration, trigger="sync_now") == (lost, False)
        # When nobody has claimed it for LOST_AFTER
        clock.shift(timedelta(seconds=2))
        with django_capture_on_commit_callbacks(execute=True):
            count = sync_enqueue_due()

    # Then the beat fails it, saying why, and queues a fresh run
    lost.refresh_from_db()
    assert lost.state == SyncRun.State.FAILED
    assert lost.error == (
        "No worker picked up this sync; its queue message was probably lost. "
        "The next sync starts over."
    )
    assert count == 1
    fresh = SyncRun.objects.get(state=SyncRun.State.QUEUED)
    assert queued.run_ids == [fresh.id]


@pytest.mark.django_db
def test_a_run_requeued_for_a_rate_limit_is_not_mistaken_for_a_lost_one(integration, queued):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        run, _ = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
        clock.shift(timedelta(hours=5))  # waited long in a busy queue
        assert sync_run_claim(run_id=run.id)
        run.refresh_from_db()  # the claim took attempt 1
        runs.sync_run_progress(run=run, phase="Fetching residents from Yardi Voyager")
        runs.sync_run_requeue(run=run, error="Yardi Voyager is limiting requests")
        clock.shift(timedelta(minutes=10))  # the task's retry countdown
        assert sync_runs_reap() == 0
        assert sync_run_claim(run_id=run.id)
        run.refresh_from_db()  # the claim took attempt 1


# --- what is due, and the beat task ---------------------------------------------------------


@pytest.fixture
def three_integrations(org_a, org_b, prop_a, prop_a2, prop_b, pms_simulator):
    """prop_a (hourly), prop_a2 (every 15 min), prop_b (hourly), all with User Sync on."""
    a = integration_create(prop_a, credential_create(org_a, pms_simulator), ["1001"])
    a2 = integration_create(prop_a2, a.credential, ["1002"])
    b = integration_create(prop_b, credential_create(org_b, pms_simulator), ["1003"])
    PMSIntegration.objects.filter(id__in=[a.id, b.id]).update(sync_interval_minutes=60)
    PMSIntegration.objects.filter(id=a2.id).update(sync_interval_minutes=15)
    for integration in (a, a2, b):
        integration.refresh_from_db()
    return a, a2, b


def started(integration: PMSIntegration, at) -> None:
    PMSIntegration.objects.filter(id=integration.id).update(last_sync_started_at=at)


def slot(integration: PMSIntegration, now):
    """The integration's latest scheduled moment (beat spreads them, integrations/cadence.py)."""
    integration.refresh_from_db()
    return latest_slot(
        integration_id=integration.id,
        interval_minutes=integration.sync_interval_minutes,
        now=now,
    )


@pytest.mark.django_db
def test_integrations_due_respects_the_interval(three_integrations):
    a, a2, b = three_integrations
    now = timezone.now()
    # Never synced: due
    assert {i.id for i in integrations_due(now=now)} == {a.id, a2.id, b.id}

    started(a, slot(a, now))  # started at its latest slot: not due again until the next
    started(a2, slot(a2, now) - timedelta(seconds=1))  # before its latest slot: due
    started(b, slot(b, now) - timedelta(minutes=60))  # an interval ago: due

    assert {i.id for i in integrations_due(now=now)} == {a2.id, b.id}
    # a is due once its next slot, an interval later, comes round
    interval = timedelta(minutes=a.sync_interval_minutes)
    before_next = slot(a, now) + interval - timedelta(seconds=1)
    assert a.id not in {i.id for i in integrations_due(now=before_next)}
    assert a.id in {i.id for i in integrations_due(now=slot(a, now) + interval)}


@pytest.mark.django_db
def test_integrations_due_skips_switched_off_and_unfinished_set_ups(three_integrations):
    a, a2, b = three_integrations
    PMSIntegration.objects.filter(id=a.id).update(user_sync_enabled=False)
    PMSIntegration.objects.filter(id=b.id).update(credential=None)
    assert [i.id for i in integrations_due()] == [a2.id]


@pytest.mark.django_db
def test_sync_enqueue_due_queues_due_integrations_only(
    three_integrations, queued, django_capture_on_commit_callbacks
):
    a, a2, b = three_integrations
    now = timezone.now()
    started(a, slot(a, now) + timedelta(seconds=1))  # since its latest slot: not due
    started(a2, slot(a2, now) - timedelta(minutes=1))  # before its latest slot: due
    # b never synced: due

    with django_capture_on_commit_callbacks(execute=True):
        count = sync_enqueue_due()

    assert count == 2
    assert set(SyncRun.objects.values_list("integration_id", flat=True)) == {a2.id, b.id}
    assert set(SyncRun.objects.values_list("trigger", flat=True)) == {"schedule"}
    assert sorted(queued.run_ids) == sorted(SyncRun.objects.values_list("id", flat=True))

    # And the next beat, a minute later, queues nothing new
    with (
        time_machine.travel(now + timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sync_enqueue_due() == 0
    assert SyncRun.objects.count() == 2
    assert len(queued.run_ids) == 2


@pytest.mark.django_db
def test_sync_enqueue_due_reaps_a_dead_run_and_starts_over(
    three_integrations, queued, django_capture_on_commit_callbacks
):
    a, *_others = three_integrations
    PMSIntegration.objects.exclude(id=a.id).update(user_sync_enabled=False)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        dead, _ = sync_run_start(integration=a, trigger=SyncRun.Trigger.SCHEDULE)
        sync_run_claim(run_id=dead.id)
        dead.refresh_from_db()  # the claim took attempt 1
        # When its worker died, and the beat comes round after the interval
        clock.shift(timedelta(hours=1, minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            count = sync_enqueue_due()

    assert count == 1
    assert SyncRun.objects.get(id=dead.id).state == SyncRun.State.FAILED
    fresh = SyncRun.objects.get(state=SyncRun.State.QUEUED)
    assert fresh.integration == a
    assert queued.run_ids == [fresh.id]


@pytest.mark.django_db
def test_the_sync_task_runs_a_queued_run(pms, integration):
    from tests.integrations.sync.fake_pms import pms_resident

    pms.put(pms_resident())
    run = pms.start_run()

    assert user_sync_task.apply(args=(run.id,)).get() == SyncRun.State.SUCCEEDED
    # A redelivered message finds the run taken and does nothing
    assert user_sync_task.apply(args=(run.id,)).get() == "not_claimed"
    run.refresh_from_db()
    assert run.counts == {"created": 1}
    assert pms.fetches == 1


@pytest.mark.django_db
def test_a_worker_whose_stale_run_was_claimed_by_another_loses_it(integration, queued):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        run, _ = sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
        assert sync_run_claim(run_id=run.id)
        slow = SyncRun.objects.get(id=run.id)  # worker A's copy
        clock.shift(runs.STALE_AFTER + timedelta(seconds=1))
        assert sync_run_claim(run_id=run.id)  # worker B takes it over
        fresh = SyncRun.objects.get(id=run.id)

        # A's next report tells it the run is no longer its own; its result is dropped
        with pytest.raises(runs.RunLost):
            runs.sync_run_progress(run=slow, done=500)
        assert runs.sync_run_finish(run=slow, ok=True, counts={"created": 1}) is False
        run.refresh_from_db()
        assert (run.state, run.records_done, run.counts) == (SyncRun.State.RUNNING, 0, {})

        # B carries on and finishes
        runs.sync_run_progress(run=fresh, done=10)
        assert runs.sync_run_finish(run=fresh, ok=True, counts={"created": 10}) is True
    run.refresh_from_db()
    assert (run.state, run.counts) == (SyncRun.State.SUCCEEDED, {"created": 10})
