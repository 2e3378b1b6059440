"""Emitting webhook events: the one call every deciding place makes.

``webhook_events_emit`` costs the caller nothing inside its transaction: the events wait
for the commit (``transaction.on_commit``), so an event is only sent for what really
happened, a rolled-back grant never is, and the callers' query counts (the sync batch,
an approval) are unchanged. After the commit, one batch of events costs: one query for
the organizations' enabled endpoints — and, only when some match, one for their property
filters, one INSERT of the messages and one of the deliveries; each delivery is then
enqueued to Celery.

The trade-off, on purpose: an event decided in a transaction that commits and a process
that dies before the callback runs is not sent (the audit log still has it). Writing
messages inside the caller's transaction would close that gap at the cost of a query in
every key write and sync batch of organizations without any endpoint.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    organization_id: int
    type: str
    data: Mapping[str, Any]
    property_id: int | None = None
    occurred_at: datetime = field(default_factory=timezone.now)


def msg_id_new() -> str:
    # No "." (the signed content is "{id}.{timestamp}.{body}") and nothing user-chosen.
    return f"msg_{uuid.uuid4().hex}"


def payload_body(*, type: str, occurred_at: datetime, data: Mapping[str, Any]) -> str:
    """The thin Standard Webhooks payload, minified: the exact bytes signed and sent."""
    payload = {
        "type": type,
        "timestamp": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": dict(data),
    }
    return json.dumps(payload, separators=(",", ":"), default=str)


def webhook_events_emit(*, events: Sequence[WebhookEvent]) -> None:
    """Send ``events`` to the endpoints that want them, once the transaction commits."""
    if events:
        transaction.on_commit(partial(_record, list(events)), robust=True)


def webhook_event_emit(
    *,
    organization_id: int,
    type: str,
    data: Mapping[str, Any],
    property_id: int | None = None,
) -> None:
    webhook_events_emit(
        events=[
            WebhookEvent(
                organization_id=organization_id, type=type, data=data, property_id=property_id
            )
        ]
    )


def _wanted(
    endpoint: WebhookEndpoint, filters: Mapping[int, set[int]], event: WebhookEvent
) -> bool:
    if endpoint.organization_id != event.organization_id or event.type not in endpoint.events:
        return False
    chosen = filters.get(endpoint.id)
    return not chosen or event.property_id in chosen


def record_now(events: list[WebhookEvent]) -> None:
    """Match and store ``events`` at once (for callers already past their commit)."""
    if events:
        _record(events)


def _record(events: list[WebhookEvent]) -> None:
    endpoints = list(
        WebhookEndpoint.objects.filter(
            organization_id__in={e.organization_id for e in events}, disabled_at__isnull=True
        ).only("id", "organization_id", "events")
    )
    if not endpoints:
        return
    filters: dict[int, set[int]] = defaultdict(set)
    through = WebhookEndpoint.properties.through
    for endpoint_id, property_id in through.objects.filter(
        webhookendpoint_id__in=[e.id for e in endpoints]
    ).values_list("webhookendpoint_id", "property_id"):
        filters[endpoint_id].add(property_id)
    messages_deliveries_create(
        pairs=((event, [e for e in endpoints if _wanted(e, filters, event)]) for event in events)
    )


@transaction.atomic
def messages_deliveries_create(
    *, pairs: Iterable[tuple[WebhookEvent, Sequence[WebhookEndpoint]]]
) -> list[int]:
    """One INSERT of messages, one of deliveries; the deliveries enqueued on commit."""
    now = timezone.now()
    messages: list[WebhookMessage] = []
    targets: list[Sequence[WebhookEndpoint]] = []
    for event, endpoints in pairs:
        if not endpoints:
            continue
        messages.append(
            WebhookMessage(
                organization_id=event.organization_id,
                property_id=event.property_id,
                msg_id=msg_id_new(),
                event_type=event.type,
                body=payload_body(type=event.type, occurred_at=event.occurred_at, data=event.data),
                created_at=event.occurred_at,
            )
        )
        targets.append(endpoints)
    if not messages:
        return []
    WebhookMessage.objects.bulk_create(messages)
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=endpoint, message=message, next_attempt_at=now, created_at=now)
            for message, endpoints in zip(messages, targets, strict=True)
            for endpoint in endpoints
        ]
    )
    ids = [d.id for d in deliveries]
    transaction.on_commit(partial(deliveries_enqueue, ids))
    return ids


def deliveries_enqueue(ids: Sequence[int]) -> None:
    from webhooks.tasks import webhook_deliver_task

    for delivery_id in ids:
        webhook_deliver_task.delay(delivery_id)
