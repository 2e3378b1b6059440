"""People → Actions → Sync Now and its live panel, through the views: start or join a run,
poll its progress, see its result; bad requests change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import PMSIntegration, SyncRun
from integrations.sync import runs

HTMX = {"HTTP_HX_REQUEST": "true"}


def _sync_now(client, prop, **extra):
    return client.post(reverse("people-sync-now", args=[prop.id]), **extra)


def _people(client, prop) -> str:
    return client.get(reverse("people", args=[prop.id])).content.decode()


@pytest.mark.django_db(transaction=True)
def test_sync_now_starts_a_run_and_answers_with_the_polling_progress_panel(
    alice_client, alice, prop_a, integration, queued
):
    response = _sync_now(alice_client, prop_a, **HTMX)

    assert response.status_code == 200
    run = SyncRun.objects.get()
    assert (run.trigger, run.requested_by, run.state) == ("sync_now", alice, "queued")
    assert queued == [run.id]
    html = response.content.decode()
    assert "Syncing with Yardi Voyager" in html
    assert "Waiting for a worker" in html
    # The panel polls itself while the run is active
    assert f'hx-get="{reverse("people-sync-status", args=[prop_a.id])}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "joined" not in html


@pytest.mark.django_db(transaction=True)
def test_sync_now_during_a_scheduled_run_joins_it_and_says_so_in_the_panel_only(
    alice_client, prop_a, integration, queued
):
    runs.sync_run_start(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
    queued.clear()

    response = _sync_now(alice_client, prop_a, **HTMX)

    assert SyncRun.objects.count() == 1
    assert queued == []
    html = response.content.decode()
    assert "Sync Now joined the sync already under way, started by the schedule at" in html
    # Said once, in the panel: nothing is left queued to surface on the next page
    assert "already running" not in _people(alice_client, prop_a)


@pytest.mark.django_db(transaction=True)
def test_sync_now_without_htmx_redirects_and_tells_of_the_run_it_joined(
    alice_client, bob, prop_a, integration, queued
):
    runs.sync_run_start(integration=integration, trigger=SyncRun.Trigger.SYNC_NOW)

    response = _sync_now(alice_client, prop_a)

    assert response.status_code == 302
    assert response["Location"] == reverse("people", args=[prop_a.id])
    assert "A sync is already running; showing its progress." in _people(alice_client, prop_a)
    assert SyncRun.objects.count() == 1


@pytest.mark.django_db
def test_sync_status_shows_records_done_of_total_then_the_result(
    alice_client, prop_a, integration, queued
):
    run, _ = runs.sync_run_start(integration=integration, trigger=SyncRun.Trigger.SYNC_NOW)
    runs.sync_run_claim(run_id=run.id)
    run.refresh_from_db()  # the claim took attempt 1
    runs.sync_run_progress(run=run, phase="Applying changes", done=1_000, total=2_500)
    status_url = reverse("people-sync-status", args=[prop_a.id])

    during = alice_client.get(status_url, **HTMX).content.decode()
    assert "Applying changes" in during
    assert 'max="2500" value="1000"' in during
    assert "1000 of 2500 records" in during

    runs.sync_run_finish(run=run, ok=True, counts={"created": 3, "updated": 1})
    after = alice_client.get(status_url, **HTMX).content.decode()
    assert "hx-trigger" not in after  # polling stops
    assert "Last sync finished" in after
    assert reverse("integrations-sync-run", args=[prop_a.id, run.id]) in after
    assert "Last successful sync:" in after
    # The list under the panel was drawn before the sync: the panel offers to redraw it
    people = reverse("people", args=[prop_a.id]) + "?status=current"
    after = alice_client.get(
        status_url, **HTMX, HTTP_HX_CURRENT_URL=f"http://testserver{people}"
    ).content.decode()
    assert f'<a href="http://testserver{people}" data-testid="refresh-list">' in after


@pytest.mark.django_db
def test_a_failed_run_shows_its_error_in_the_panel(alice_client, prop_a, integration, queued):
    run, _ = runs.sync_run_start(integration=integration, trigger=SyncRun.Trigger.SYNC_NOW)
    runs.sync_run_finish(
        run=run, ok=False, counts={}, error="Yardi Voyager rejected the credential."
    )
    html = alice_client.get(reverse("people-sync-status", args=[prop_a.id]), **HTMX)
    assert "The last sync failed: Yardi Voyager rejected the credential." in html.content.decode()


@pytest.mark.django_db
def test_sync_now_answers_get_with_405_and_starts_nothing(alice_client, prop_a, integration):
    response = alice_client.get(reverse("people-sync-now", args=[prop_a.id]))
    assert response.status_code == 405
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_sync_now_without_epms_says_where_to_set_it_up(alice_client, prop_a, queued):
    response = _sync_now(alice_client, prop_a)

    assert response.status_code == 302
    assert "Sync Now needs User Sync: set it up on Manage Settings → Integrations." in _people(
        alice_client, prop_a
    )
    assert not SyncRun.objects.exists()
    assert queued == []


@pytest.mark.django_db
def test_sync_now_with_user_sync_off_starts_nothing(alice_client, prop_a, integration, queued):
    PMSIntegration.objects.filter(id=integration.id).update(user_sync_enabled=False)

    _sync_now(alice_client, prop_a)

    assert not SyncRun.objects.exists()
    assert queued == []


@pytest.mark.django_db
def test_sync_now_with_user_sync_off_from_the_panel_reloads_the_page_with_why(
    alice_client, prop_a, integration, queued
):
    PMSIntegration.objects.filter(id=integration.id).update(user_sync_enabled=False)

    response = alice_client.post(reverse("people-sync-now", args=[prop_a.id]), **HTMX)

    # Not a redirect htmx would follow and draw the whole page inside the panel
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("people", args=[prop_a.id])
    page = alice_client.get(reverse("people", args=[prop_a.id])).content.decode()
    assert "Sync Now needs User Sync" in page
    assert "people-sync-now" not in page and ">Sync Now</button>" not in page
    assert not SyncRun.objects.exists()
