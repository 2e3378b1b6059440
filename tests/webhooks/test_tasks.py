"""The Celery side: a delivery task per id; the sweeper re-enqueues due retries and frees
deliveries whose worker died mid-attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from webhooks import tasks
from webhooks.emit import WebhookEvent, messages_deliveries_create
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def delayed(monkeypatch) -> list[int]:
    ids: list[int] = []
    monkeypatch.setattr(tasks.webhook_deliver_task, "delay", ids.append)
    return ids


def test_the_sweeper_sends_what_is_due_and_frees_lost_attempts(hook, enqueued, delayed):
    event = WebhookEvent(hook.endpoint.organization_id, "sync.failed", {})
    due, later, lost, done = messages_deliveries_create(pairs=[(event, [hook.endpoint])] * 4)
    now = timezone.now()
    WebhookDelivery.objects.filter(id=due).update(next_attempt_at=now - timedelta(minutes=3))
    WebhookDelivery.objects.filter(id=later).update(next_attempt_at=now + timedelta(hours=2))
    WebhookDelivery.objects.filter(id=lost).update(
        state="sending", claimed_at=now - timedelta(minutes=30)
    )
    WebhookDelivery.objects.filter(id=done).update(state="succeeded", next_attempt_at=None)

    assert tasks.webhook_deliveries_sweep_task() == 2

    assert sorted(delayed) == sorted([due, lost])
    assert WebhookDelivery.objects.get(id=lost).state == "pending"


def test_the_task_delivers_and_schedules_a_near_retry(hook, receiver, enqueued, monkeypatch):
    retries: list[tuple] = []
    monkeypatch.setattr(
        tasks.webhook_deliver_task,
        "apply_async",
        lambda args, countdown: retries.append((args, countdown)),
    )
    event = WebhookEvent(hook.endpoint.organization_id, "sync.failed", {})
    (delivery_id,) = messages_deliveries_create(pairs=[(event, [hook.endpoint])])
    receiver.status = 500

    assert tasks.webhook_deliver_task(delivery_id) == "pending"

    # The first retry is at most 5 s away: a Celery countdown, not the sweeper
    ((args, countdown),) = retries
    assert args == (delivery_id,) and 0 <= countdown <= 5


def test_old_messages_go_with_their_log_unless_still_retried(hook, enqueued):
    from webhooks.models import WebhookMessage
    from webhooks.services import webhook_messages_prune

    event = WebhookEvent(hook.endpoint.organization_id, "sync.failed", {})
    old_done, old_retrying, recent = messages_deliveries_create(
        pairs=[(event, [hook.endpoint])] * 3
    )
    WebhookDelivery.objects.filter(id__in=[old_done, recent]).update(state="succeeded")
    long_ago = timezone.now() - timedelta(days=31)
    WebhookMessage.objects.filter(
        id__in=WebhookDelivery.objects.filter(id__in=[old_done, old_retrying]).values("message_id")
    ).update(created_at=long_ago)

    webhook_messages_prune()

    assert set(WebhookDelivery.objects.values_list("id", flat=True)) == {old_retrying, recent}
