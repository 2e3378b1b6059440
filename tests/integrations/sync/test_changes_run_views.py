"""What a manager reads about a run's kind: "Full sync", or "Changes since 10:42 AM" in
the property's time zone — in Sync History, on the run's page (with why it was of that
kind) and in the People page's sync panel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from integrations.models import SyncRun
from tests.integrations.sync.test_sync_history_views import _detail, _history, _rows, _text

pytestmark = pytest.mark.django_db

STARTED = datetime(2026, 12, 6, 15, 47, tzinfo=UTC)


def finished(integration, **fields) -> SyncRun:
    return SyncRun.objects.create(
        integration=integration, trigger=SyncRun.Trigger.SCHEDULE,
        state=SyncRun.State.SUCCEEDED, started_at=STARTED, finished_at=STARTED,
        counts={"updated": 1}, **fields,
    )  # fmt: skip


def test_history_and_run_page_say_which_kind_in_plain_words(alice_client, prop_a, integration):
    full = finished(integration, kind_reason="the last full sync was 61 minutes ago")
    changes = finished(
        integration,
        kind=SyncRun.Kind.CHANGES,
        changes_since=datetime(2026, 12, 6, 15, 42, tzinfo=UTC),
        kind_reason="changes since the last sync",
    )
    SyncRun.objects.filter(id__in=[full.id, changes.id]).update(created_at=STARTED)

    newer, older = _rows(_history(alice_client, prop_a), "sync-runs")

    # prop_a is in New York: 15:42 UTC is 10:42 AM there
    assert "Changes since 10:42 AM Schedule Succeeded" in newer
    assert "Full sync Schedule Succeeded" in older
    page = _text(_detail(alice_client, prop_a, full))
    assert "Full sync (the last full sync was 61 minutes ago) · Schedule" in page
    assert "Changes since 10:42 AM (changes since the last sync)" in _text(
        _detail(alice_client, prop_a, changes)
    )


def test_changes_since_another_day_names_the_day(alice_client, prop_a, integration):
    run = finished(
        integration,
        kind=SyncRun.Kind.CHANGES,
        changes_since=datetime(2026, 12, 5, 23, 55, tzinfo=UTC),
    )
    SyncRun.objects.filter(id=run.id).update(created_at=STARTED)
    (row,) = _rows(_history(alice_client, prop_a), "sync-runs")
    assert "Changes since Dec 5, 6:55 PM" in row


def test_the_sync_panel_names_the_last_runs_kind(alice_client, prop_a, integration):
    run = finished(
        integration,
        kind=SyncRun.Kind.CHANGES,
        changes_since=datetime(2026, 12, 6, 15, 42, tzinfo=UTC),
    )
    SyncRun.objects.filter(id=run.id).update(created_at=STARTED)
    html = alice_client.get(
        reverse("people-sync-status", args=[prop_a.id]), HTTP_HX_REQUEST="true"
    ).content.decode()
    # (tags read as spaces by _text)
    assert "Last sync finished Dec 6, 10:47 AM EST: Updated: 1 ( Changes since 10:42 AM )" in (
        _text(html)
    )
