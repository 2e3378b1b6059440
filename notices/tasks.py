"""Celery tasks: a thin API over notices.services."""

from __future__ import annotations

from celery import shared_task

from notices import services


@shared_task(acks_late=True)
def notices_after_sync_run_task(run_id: int) -> int:
    """Queued when a sync run finishes: a failure streak or alerts it opened."""
    return services.notices_after_sync_run(run_id=run_id)


@shared_task(acks_late=True)
def notices_hourly_task() -> int:
    """Beat, hourly: stale syncs, failure streaks, the morning digest."""
    return services.notices_hourly()
