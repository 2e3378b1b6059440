"""Celery tasks: a thin API over webhooks.delivery. Ids in."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from webhooks.delivery import delivery_attempt
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_messages_prune
from webhooks.stale import sync_stale_announce

# A retry due within this is sent with a Celery countdown; later ones (up to 10 h away)
# are left to the sweeper: a countdown beyond the Redis visibility timeout (1 h) would be
# redelivered while it waits.
COUNTDOWN_MAX = timedelta(minutes=5)
# The sweeper takes deliveries due for this long already, so it does not re-enqueue what
# the first enqueue or a countdown is about to send.
SWEEP_GRACE = timedelta(minutes=1)
# A delivery "sending" this long lost its worker (an attempt takes at most ~30 s).
SENDING_LOST_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 5000


@shared_task(acks_late=True)
def webhook_deliver_task(delivery_id: int) -> str:
    result = delivery_attempt(delivery_id=delivery_id)
    if result.next_attempt_at is not None:
        wait = result.next_attempt_at - timezone.now()
        if wait <= COUNTDOWN_MAX:
            webhook_deliver_task.apply_async(
                (delivery_id,), countdown=max(0.0, wait.total_seconds())
            )
    return result.state


@shared_task(acks_late=True)
def webhook_deliveries_sweep_task() -> int:
    """Beat, every 30 s: enqueue the retries that are due, and free deliveries whose
    worker died mid-attempt (they are tried again; the receiver dedups on webhook-id)."""
    now = timezone.now()
    WebhookDelivery.objects.filter(
        state=WebhookDelivery.State.SENDING, claimed_at__lt=now - SENDING_LOST_AFTER
    ).update(state=WebhookDelivery.State.PENDING, next_attempt_at=now - SWEEP_GRACE)
    due = list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now - SWEEP_GRACE
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )
    for delivery_id in due:
        webhook_deliver_task.delay(delivery_id)
    return len(due)


@shared_task(acks_late=True)
def webhook_sync_stale_task() -> int:
    """Beat, hourly: announce integrations without a successful sync for over a day, and
    drop messages past their keeping time."""
    webhook_messages_prune()
    return sync_stale_announce()
