"""sync.stale: once per stretch without a successful sync, decided by the same selector
as the admin's "over a day" flag; the hourly check never repeats it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import PMSCredential, PMSIntegration
from tests.integrations.sync.conftest import integration_create
from webhooks.models import WebhookMessage
from webhooks.stale import sync_stale_announce

pytestmark = pytest.mark.django_db


def test_announced_once_per_stretch(hook, prop_a, enqueued, django_capture_on_commit_callbacks):
    credential = PMSCredential.objects.create(
        organization=prop_a.organization, vendor="yardi", label="Y", fields={}
    )
    integration = integration_create(prop_a, credential, ["1001"])
    last = timezone.now() - timedelta(hours=30)
    PMSIntegration.objects.filter(id=integration.id).update(last_successful_sync_at=last)

    with django_capture_on_commit_callbacks(execute=True):
        assert sync_stale_announce() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_stale_announce() == 0  # an hour later: the same stretch

    (message,) = WebhookMessage.objects.filter(event_type="sync.stale")
    assert json.loads(message.body)["data"] == {
        "integration_id": integration.id,
        "property_id": prop_a.id,
        "last_successful_sync_at": last.isoformat(),
    }

    # A sync succeeds, then none for a day again: a new stretch, a new event
    later = timezone.now() + timedelta(hours=26)
    PMSIntegration.objects.filter(id=integration.id).update(last_successful_sync_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_stale_announce(now=later) == 1
    assert WebhookMessage.objects.filter(event_type="sync.stale").count() == 2


def test_a_fresh_integration_is_not_stale(hook, prop_a, enqueued):
    credential = PMSCredential.objects.create(
        organization=prop_a.organization, vendor="yardi", label="Y", fields={}
    )
    integration_create(prop_a, credential, ["1001"])
    assert sync_stale_announce() == 0
