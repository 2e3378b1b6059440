"""Beat spreads scheduled syncs over their interval: each integration at a stable offset of
its own, due once per interval, and the next sync due is said from the same rule."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.cadence import (
    latest_slot,
    next_sync_due,
    sync_due,
    sync_offset,
)
from integrations.models import PMSIntegration, SyncRun
from integrations.tasks import sync_enqueue_due
from tests.factories import PropertyFactory
from tests.integrations.sync.conftest import credential_create, integration_create

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_two_hundred_hourly_integrations_do_not_fire_in_the_same_minute():
    minutes = Counter(
        sync_offset(integration_id=i, interval_minutes=60) // 60 for i in range(1, 201)
    )
    # Spread over the hour: most minutes get 3 or 4 (200 / 60), none a crowd
    assert len(minutes) >= 55
    assert max(minutes.values()) <= 8


def test_the_offset_is_stable_and_within_the_interval():
    for interval in (5, 15, 30, 60):
        for integration_id in (1, 2, 99, 12345):
            offset = sync_offset(integration_id=integration_id, interval_minutes=interval)
            assert 0 <= offset < interval * 60
            assert offset == sync_offset(integration_id=integration_id, interval_minutes=interval)


def test_due_once_per_interval_at_its_own_slot():
    slot = latest_slot(integration_id=7, interval_minutes=15, now=NOON)
    assert NOON - timedelta(minutes=15) < slot <= NOON
    # Started at the slot: not due until the next one
    assert not sync_due(
        integration_id=7, interval_minutes=15, last_started=slot, now=slot + timedelta(minutes=14)
    )
    assert sync_due(
        integration_id=7, interval_minutes=15, last_started=slot, now=slot + timedelta(minutes=15)
    )
    # Never synced: due at once
    assert sync_due(integration_id=7, interval_minutes=15, last_started=None, now=NOON)


def test_a_sync_now_before_the_slot_does_not_skip_it():
    """A manager's Sync Now just before the slot: the scheduled sync still runs at its slot,
    so the gap between scheduled syncs never exceeds the interval."""
    slot = latest_slot(integration_id=7, interval_minutes=15, now=NOON)
    pressed = slot - timedelta(seconds=30)
    assert sync_due(integration_id=7, interval_minutes=15, last_started=pressed, now=slot)


def test_next_sync_due_is_the_first_slot_after_the_last_start():
    slot = latest_slot(integration_id=7, interval_minutes=15, now=NOON)
    started = slot + timedelta(minutes=2)
    due = next_sync_due(integration_id=7, interval_minutes=15, last_started=started, now=started)
    assert due == slot + timedelta(minutes=15)
    # Overdue (beat was down): due now, beat starts it on its next tick
    late = slot + timedelta(hours=2)
    assert (
        next_sync_due(integration_id=7, interval_minutes=15, last_started=started, now=late) == late
    )
    assert next_sync_due(integration_id=7, interval_minutes=15, last_started=None, now=NOON) == NOON


@pytest.mark.django_db
@pytest.mark.postgresql
def test_sync_enqueue_due_queries_grow_with_the_syncs_it_starts_not_the_integrations(
    org_a, pms_simulator, queued, django_capture_on_commit_callbacks
):
    # Given 30 integrations with User Sync on, all synced just now, and 2 never synced
    credential = credential_create(org_a, pms_simulator)
    integrations = [
        integration_create(PropertyFactory(organization=org_a), credential, [str(1000 + n)])
        for n in range(32)
    ]
    now = timezone.now()
    PMSIntegration.objects.filter(id__in=[i.id for i in integrations[:30]]).update(
        last_sync_started_at=now
    )

    with CaptureQueriesContext(connection) as nothing_due_yet:
        PMSIntegration.objects.filter(id__in=[i.id for i in integrations[30:]]).update(
            user_sync_enabled=False
        )
        assert sync_enqueue_due() == 0
    PMSIntegration.objects.filter(id__in=[i.id for i in integrations[30:]]).update(
        user_sync_enabled=True
    )
    # 1 UPDATE (the switch, above), then: 2 UPDATEs reaping dead and lost runs, 1 SELECT of
    # the enabled integrations' schedules
    assert len(nothing_due_yet) == 1 + 3

    with (
        CaptureQueriesContext(connection) as two_due,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sync_enqueue_due() == 2
    # 3 as above, then per started sync: SAVEPOINT (the beat's atomic per integration),
    # 2 UPDATEs reaping its runs, 1 SELECT of its active run, SAVEPOINT, INSERT of the
    # run, UPDATE of last_sync_started_at, 2 RELEASE SAVEPOINTs
    assert len(two_due) == 3 + 2 * 9
    assert SyncRun.objects.count() == 2
