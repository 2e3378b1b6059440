"""User Sync in Django admin, as support uses it: which integrations are stale, "Run sync now",
and the sync history (runs, outcomes, PMS records, alerts) as read-only evidence."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from integrations.models import (
    PMSCredential,
    PMSIntegration,
    PMSRecord,
    SyncAlert,
    SyncOutcome,
    SyncRun,
)
from properties.models import Property
from residents.models import Resident
from tests.factories import PropertyFactory, ResidentFactory

NOW = datetime(2025, 6, 1, 15, 30, tzinfo=UTC)


def _integration(
    name: str, *, last_success: datetime | None, prop: Property | None = None, **fields
) -> PMSIntegration:
    prop = prop or PropertyFactory(name=name)
    credential = PMSCredential.objects.create(
        organization=prop.organization, vendor="yardi", label=f"{name} login"
    )
    fields.setdefault("user_sync_enabled", True)
    fields.setdefault("setup_completed_at", NOW - timedelta(days=30))
    return PMSIntegration.objects.create(
        property=prop,
        credential=credential,
        pms_property_ids=["1001"],
        setup_step=PMSIntegration.SetupStep.DONE,
        last_successful_sync_at=last_success,
        **fields,
    )


@pytest.fixture
def fleet(db) -> dict[str, PMSIntegration]:
    return {
        "fresh": _integration("Fresh Flats", last_success=NOW - timedelta(minutes=20)),
        "late": _integration("Late Lofts", last_success=NOW - timedelta(hours=3)),
        "stale": _integration("Stale Suites", last_success=NOW - timedelta(days=2)),
        "never": _integration("Never Towers", last_success=None),
        "off": _integration("Off Court", last_success=None, user_sync_enabled=False),
    }


def _url(model, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _health(response) -> dict[str, str]:
    cl = response.context["cl"]
    model_admin = cl.model_admin
    return {str(i.property): model_admin.sync_health(i) for i in cl.result_list}


# --- the integrations changelist ---------------------------------------------------------------


def test_integrations_changelist_shows_last_sync_and_flags_stale_ones(support_client, fleet):
    with time_machine.travel(NOW, tick=False):
        response = support_client.get(_url(PMSIntegration, "changelist"))
        health = _health(response)

    assert response.status_code == 200
    assert health == {
        "Fresh Flats": "OK",
        "Late Lofts": "over 2 hours",
        "Stale Suites": "⚠ over a day",
        "Never Towers": "⚠ over a day",  # set up 30 days ago, never synced
        "Off Court": "User Sync off",  # nothing is expected of it
    }
    page = html.unescape(response.content.decode())
    assert "Health" in page
    assert "⚠ over a day" in page
    # The last successful sync is a column, in the property's time zone, named
    assert "Jun 1, 2025, 11:10 AM EDT" in page
    assert "May 30, 2025, 11:30 AM EDT" in page


def test_the_sync_health_filter_lists_only_integrations_without_a_sync_for_over_a_day(
    support_client, fleet
):
    with time_machine.travel(NOW, tick=False):
        response = support_client.get(_url(PMSIntegration, "changelist"), {"sync_health": "stale"})

    assert response.status_code == 200
    shown = sorted(str(i.property) for i in response.context["cl"].result_list)
    assert shown == ["Never Towers", "Stale Suites"]
    assert "No successful sync for over a day" in response.content.decode()


def test_a_just_set_up_integration_is_not_flagged(support_client, db):
    _integration("New Nest", last_success=None, setup_completed_at=NOW - timedelta(hours=1))

    with time_machine.travel(NOW, tick=False):
        everything = support_client.get(_url(PMSIntegration, "changelist"))
        stale = support_client.get(_url(PMSIntegration, "changelist"), {"sync_health": "stale"})
        health = _health(everything)

    assert health == {"New Nest": "No sync yet"}
    assert list(stale.context["cl"].result_list) == []


def test_an_integration_never_set_up_says_so_rather_than_ok(support_client, db):
    _integration("Draft Dwellings", last_success=None, setup_completed_at=None)

    with time_machine.travel(NOW, tick=False):
        health = _health(support_client.get(_url(PMSIntegration, "changelist")))

    assert health == {"Draft Dwellings": "Not set up"}


def test_integrations_and_sync_history_cannot_be_deleted_from_admin(support_client, fleet):
    integration = fleet["fresh"]
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)

    for model, obj in ((PMSIntegration, integration), (SyncRun, run)):
        changelist = support_client.get(_url(model, "changelist")).content.decode()
        assert "delete_selected" not in changelist
        assert support_client.get(_url(model, "delete", obj.id)).status_code == 403
        assert (
            support_client.post(_url(model, "delete", obj.id), {"post": "yes"}).status_code == 403
        )
    assert PMSIntegration.objects.filter(id=integration.id).exists()
    assert SyncRun.objects.filter(id=run.id).exists()
    change = support_client.get(_url(PMSIntegration, "change", integration.id)).content.decode()
    assert 'class="deletelink"' not in change


def test_deleting_a_resident_in_admin_still_takes_their_sync_alerts_along(support_client, fleet):
    # Closing the direct ways must not block the cascade from what owns the rows.
    integration = fleet["fresh"]
    resident = ResidentFactory(property=integration.property)
    SyncAlert.objects.create(
        integration=integration,
        kind=SyncAlert.Kind.EMAIL_MISMATCH,
        external_id="R9",
        resident=resident,
    )

    response = support_client.post(_url(Resident, "delete", resident.id), {"post": "yes"})

    assert response.status_code == 302
    assert not Resident.objects.filter(id=resident.id).exists()
    assert not SyncAlert.objects.exists()


# --- "Run sync now" ------------------------------------------------------------------------------


def _run_sync_now(client, *integrations):
    return client.post(
        _url(PMSIntegration, "changelist"),
        {"action": "run_sync_now", "_selected_action": [i.id for i in integrations]},
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_run_sync_now_starts_a_support_run(
    support_client, support, fleet, queued, django_capture_on_commit_callbacks
):
    stale = fleet["stale"]

    with django_capture_on_commit_callbacks(execute=True):
        response = _run_sync_now(support_client, stale)

    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert (run.integration, run.trigger, run.requested_by, run.state) == (
        stale,
        SyncRun.Trigger.SUPPORT,
        support,
        SyncRun.State.QUEUED,
    )
    assert queued == [run.id]
    assert _messages(response) == [f"Stale Suites: sync #{run.id} started."]
    stale.refresh_from_db()
    assert stale.last_sync_started_at == run.created_at


def test_run_sync_now_joins_a_running_sync(
    support_client, fleet, queued, django_capture_on_commit_callbacks
):
    running = SyncRun.objects.create(
        integration=fleet["late"], trigger=SyncRun.Trigger.SCHEDULE, state=SyncRun.State.RUNNING
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = _run_sync_now(support_client, fleet["late"])

    assert SyncRun.objects.count() == 1
    assert queued == []
    assert _messages(response) == [f"Late Lofts: sync #{running.id} already running."]


def test_run_sync_now_leaves_an_integration_with_user_sync_off_alone(
    support_client, fleet, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _run_sync_now(support_client, fleet["off"], fleet["fresh"])

    (run,) = SyncRun.objects.all()
    assert run.integration == fleet["fresh"]
    assert queued == [run.id]
    assert sorted(_messages(response)) == sorted(
        [
            "Off Court: User Sync is off; nothing started.",
            f"Fresh Flats: sync #{run.id} started.",
        ]
    )


def test_the_support_run_shows_in_the_managers_sync_history(
    support_client, support, queued, django_capture_on_commit_callbacks, alice_client, prop_a
):
    integration = _integration("", last_success=None, prop=prop_a)

    with django_capture_on_commit_callbacks(execute=True):
        _run_sync_now(support_client, integration)

    page = alice_client.get(
        reverse("integrations-manage", args=[prop_a.id, "sync-history"])
    ).content.decode()
    assert f'Support (admin) <span class="muted">by {support.get_full_name()}</span>' in page


# --- runs, outcomes, records and alerts: read-only ------------------------------------------------


@pytest.fixture
def history(fleet) -> dict[str, object]:
    integration = fleet["stale"]
    failed = SyncRun.objects.create(
        integration=integration,
        trigger=SyncRun.Trigger.SCHEDULE,
        state=SyncRun.State.FAILED,
        started_at=NOW - timedelta(days=1),
        finished_at=NOW - timedelta(days=1) + timedelta(seconds=3),
        error="Yardi refused the credential (HTTP 401). Nothing was changed.",
    )
    ok = SyncRun.objects.create(
        integration=integration,
        trigger=SyncRun.Trigger.SYNC_NOW,
        state=SyncRun.State.SUCCEEDED,
        counts={"created": 1, "skipped_no_email": 1},
    )
    created = SyncOutcome.objects.create(
        run=ok, external_id="R1", outcome="created", name="Ana Abara", email="ana@example.com"
    )
    skipped = SyncOutcome.objects.create(
        run=ok,
        external_id="R2",
        outcome="skipped_no_email",
        name="Ben Bolt",
        detail="the PMS record has no valid email (“ben@”)",
    )
    record = PMSRecord.objects.create(
        integration=integration,
        external_id="R2",
        pms_property_id="1001",
        first_name="Ben",
        last_name="Bolt",
        outcome="skipped_no_email",
        first_seen_at=NOW,
        last_seen_at=NOW,
    )
    alert = SyncAlert.objects.create(
        integration=integration,
        kind=SyncAlert.Kind.POSSIBLE_MATCH,
        external_id="R3",
        pms_name="Cy Chan",
        pms_email="cy@example.com",
    )
    return {
        "failed": failed,
        "ok": ok,
        "created": created,
        "skipped": skipped,
        "record": record,
        "alert": alert,
    }


def test_sync_runs_admin_lists_runs_with_their_errors_and_filters_failed_ones(
    support_client, history
):
    response = support_client.get(_url(SyncRun, "changelist"), {"state": "failed"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [history["failed"]]
    assert "Yardi refused the credential (HTTP 401). Nothing was changed." in html.unescape(
        response.content.decode()
    )


def test_sync_outcomes_admin_filters_by_outcome_and_searches(support_client, history):
    by_outcome = support_client.get(_url(SyncOutcome, "changelist"), {"outcome": "created"})
    by_search = support_client.get(_url(SyncOutcome, "changelist"), {"q": "Bolt"})

    assert list(by_outcome.context["cl"].result_list) == [history["created"]]
    assert list(by_search.context["cl"].result_list) == [history["skipped"]]
    assert "the PMS record has no valid email (“ben@”)" in html.unescape(by_search.content.decode())


@pytest.mark.parametrize("name", ["failed", "skipped", "record", "alert"])
def test_sync_evidence_opens_read_only_and_cannot_be_added_or_changed(
    support_client, history, name
):
    row = history[name]
    model = type(row)
    before = model.objects.values().get(pk=row.pk)

    page = support_client.get(_url(model, "change", row.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()

    assert support_client.get(_url(model, "add")).status_code == 403
    assert support_client.post(_url(model, "change", row.pk), {"state": "x"}).status_code == 403
    assert _url(model, "add") not in support_client.get(_url(model, "changelist")).content.decode()
    assert model.objects.values().get(pk=row.pk) == before


def test_sync_admin_is_for_staff_only(alice_client, history):
    response = alice_client.get(_url(SyncRun, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
