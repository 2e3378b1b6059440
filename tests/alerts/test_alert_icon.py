"""The alert icon counts a sync that failed or went stale, and the window says which."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.selectors import alert_count, sync_problem
from integrations.models import PMSIntegration, SyncRun
from tests.alerts.conftest import suggest

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(prop_a):
    return PMSIntegration.objects.create(
        property=prop_a,
        user_sync_enabled=True,
        setup_completed_at=timezone.now() - timedelta(days=3),
        last_successful_sync_at=timezone.now() - timedelta(minutes=10),
    )


def test_a_failed_last_run_counts_once(prop_a, integration):
    suggest(prop_a, "grant", "Future → Current", 2)
    SyncRun.objects.create(integration=integration, trigger="schedule", state="succeeded")
    assert alert_count(property=prop_a) == 2
    SyncRun.objects.create(
        integration=integration, trigger="schedule", state="failed", error="Yardi refused"
    )
    assert alert_count(property=prop_a) == 3
    problem = sync_problem(property=prop_a)
    assert problem is not None and problem.failed and problem.error == "Yardi refused"
    # A run under way does not hide the failure; a success clears it
    SyncRun.objects.create(integration=integration, trigger="schedule", state="running")
    assert alert_count(property=prop_a) == 3
    SyncRun.objects.filter(state="running").update(state="succeeded")
    assert alert_count(property=prop_a) == 2


def test_a_stale_sync_counts_and_user_sync_off_does_not(prop_a, integration):
    PMSIntegration.objects.filter(id=integration.id).update(
        last_successful_sync_at=timezone.now() - timedelta(days=2)
    )
    assert alert_count(property=prop_a) == 1
    assert sync_problem(property=prop_a).stale == "critical"
    PMSIntegration.objects.filter(id=integration.id).update(user_sync_enabled=False)
    assert alert_count(property=prop_a) == 0


def test_the_window_says_what_is_wrong_and_where_to_go(alice_client, prop_a, integration):
    SyncRun.objects.create(
        integration=integration, trigger="schedule", state="failed", error="Yardi refused"
    )
    page = alice_client.get(reverse("alerts", args=[prop_a.id])).content.decode()
    assert 'data-testid="sync-problem"' in page
    assert "The last PMS sync failed." in page and "Yardi refused" in page
    assert reverse("integrations-manage", args=[prop_a.id, "sync-history"]) in page
    assert "No alerts." not in page
    people = alice_client.get(reverse("people", args=[prop_a.id])).content.decode()
    assert 'data-testid="alert-count">1<' in people
