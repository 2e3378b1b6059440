from __future__ import annotations

from celery import shared_task

from api.idempotency import idempotency_records_purge


@shared_task
def idempotency_records_purge_task() -> int:
    return idempotency_records_purge()
