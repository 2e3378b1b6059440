"""sync.stale: announced once per stretch without a successful sync.

Staleness is decided by ``integrations.selectors`` (the admin's "over a day" flag and
the People page use it); this module only remembers which stretch was announced, so an
hourly check sends one event, not one an hour.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from integrations.selectors import stale_integrations
from webhooks.emit import WebhookEvent, webhook_events_emit
from webhooks.models import EventType, SyncStaleNotice


@transaction.atomic
def sync_stale_announce(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    stale = list(
        stale_integrations(now=now)
        .select_related("property")
        .only(
            "id",
            "property_id",
            "property__organization_id",
            "last_successful_sync_at",
            "setup_completed_at",
        )
    )
    announced = dict(
        SyncStaleNotice.objects.filter(integration_id__in=[i.id for i in stale]).values_list(
            "integration_id", "since"
        )
    )
    events: list[WebhookEvent] = []
    for integration in stale:
        since = integration.last_successful_sync_at or integration.setup_completed_at
        assert since is not None  # stale_integrations filters on one of them
        if announced.get(integration.id) == since:
            continue
        SyncStaleNotice.objects.update_or_create(
            integration_id=integration.id, defaults={"since": since, "announced_at": now}
        )
        events.append(
            WebhookEvent(
                organization_id=integration.property.organization_id,
                property_id=integration.property_id,
                type=EventType.SYNC_STALE,
                data={
                    "integration_id": integration.id,
                    "property_id": integration.property_id,
                    "last_successful_sync_at": (
                        integration.last_successful_sync_at.isoformat()
                        if integration.last_successful_sync_at
                        else None
                    ),
                },
                occurred_at=now,
            )
        )
    webhook_events_emit(events=events)
    return len(events)
