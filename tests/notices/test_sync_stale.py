"""No successful sync for 24 hours is emailed once per stale spell (the hourly check)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import PMSIntegration
from notices.services import notices_hourly

pytestmark = pytest.mark.django_db


def test_a_day_without_success_is_emailed_once(integration, outbox, alice):
    now = timezone.now()
    PMSIntegration.objects.filter(id=integration.id).update(
        last_successful_sync_at=now - timedelta(hours=23, minutes=59)
    )
    assert notices_hourly(now=now) == 0

    assert notices_hourly(now=now + timedelta(minutes=1)) == 1
    (message,) = outbox
    assert message.subject == "No PMS sync has succeeded at Harborview for 24 hours"
    assert "the last one finished" in message.body
    assert "Sync Now" in message.body

    # The next hours of the same spell: nothing more
    assert notices_hourly(now=now + timedelta(hours=5)) == 0
    # A success, then another silent day: a new spell, a new email
    later = now + timedelta(hours=6)
    PMSIntegration.objects.filter(id=integration.id).update(last_successful_sync_at=later)
    assert notices_hourly(now=later + timedelta(hours=24)) == 1
    assert len(outbox) == 2


def test_never_synced_since_set_up_is_said_so(integration, outbox, alice):
    set_up = integration.setup_completed_at
    assert notices_hourly(now=set_up + timedelta(hours=25)) == 1
    assert "since User Sync was set up" in outbox[0].body


def test_user_sync_off_is_not_stale(integration, outbox, alice):
    PMSIntegration.objects.filter(id=integration.id).update(user_sync_enabled=False)
    assert notices_hourly(now=timezone.now() + timedelta(days=3)) == 0
