"""Each event is emitted where it is decided: key grants and revokes (access/grants.py),
residents added, moved or changing status (residents/services.py, the sync's writer),
access suggestions (access/automation.py), failed syncs (integrations/sync/runs.py)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import Key
from access.services import key_grant, key_grant_revoke
from integrations.models import PMSCredential, PMSIntegration, PMSRecord, SyncRun
from integrations.pms.types import Lifecycle
from integrations.sync.runs import sync_run_finish, sync_runs_reap
from integrations.sync.service import user_sync_execute
from residents.models import Resident, ResidentStatus
from residents.services import (
    ResidentData,
    resident_create,
    resident_status_change,
    resident_update,
)
from tests.factories import KeyFactory, ResidentFactory
from tests.integrations.sync.conftest import integration_create
from tests.integrations.sync.fake_pms import FakePMS, many_residents
from tests.integrations.sync.test_user_sync_idempotency import NEW_BATCH_QUERIES, RUN_QUERIES
from webhooks.models import WebhookMessage

pytestmark = pytest.mark.django_db


def sent(type: str | None = None) -> list[dict]:
    rows = WebhookMessage.objects.order_by("id")
    if type:
        rows = rows.filter(event_type=type)
    return [json.loads(m.body) for m in rows]


def test_a_manual_grant_and_revoke(
    hook, prop_a, alice, enqueued, django_capture_on_commit_callbacks
):
    resident = ResidentFactory(property=prop_a, status=ResidentStatus.CURRENT)
    key = KeyFactory(property=prop_a)
    with django_capture_on_commit_callbacks(execute=True):
        grant = key_grant(key=key, resident=resident, actor=alice)
    with django_capture_on_commit_callbacks(execute=True):
        key_grant_revoke(grant=grant, actor=alice, reason="Lost the fob")

    granted, revoked = sent()
    assert granted["type"] == "access.granted"
    assert granted["data"] == {
        "grant_id": grant.id,
        "resident_id": resident.id,
        "key_id": key.id,
        "property_id": prop_a.id,
        "starts_at": grant.starts_at.isoformat(),
        "source": "manual",
    }
    assert revoked["type"] == "access.revoked"
    assert revoked["data"]["grant_id"] == grant.id
    assert revoked["data"]["reason"] == "Lost the fob"
    assert len(enqueued) == 2


def test_a_resident_added_moved_and_made_current(
    hook, prop_a, unit_a, alice, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resident = resident_create(
            property=prop_a, data=ResidentData(first_name="Ana", last_name="Abara"), actor=alice
        )
    with django_capture_on_commit_callbacks(execute=True):
        resident_update(
            resident=resident,
            data=ResidentData(first_name="Ana", last_name="Abara", unit_id=unit_a.id),
            actor=alice,
        )
    with django_capture_on_commit_callbacks(execute=True):
        resident_status_change(resident=resident, new_status="current", actor=alice)

    (created,) = sent("resident.created")
    assert created["data"] == {
        "resident_id": resident.id,
        "property_id": prop_a.id,
        "source": "console",
    }
    (moved,) = sent("resident.unit_changed")
    assert (moved["data"]["from_unit_id"], moved["data"]["to_unit_id"]) == (None, unit_a.id)
    (status,) = sent("resident.status_changed")
    assert (status["data"]["from"], status["data"]["to"]) == ("future", "current")
    # Made Current, they were given their unit key and the common-area keys
    assert {g["data"]["key_id"] for g in sent("access.granted")} == set(
        Key.objects.filter(property=prop_a, grants__resident=resident).values_list("id", flat=True)
    )


@pytest.fixture
def pms(prop_a, monkeypatch) -> FakePMS:
    credential = PMSCredential.objects.create(
        organization=prop_a.organization, vendor="yardi", label="Yardi", fields={}
    )
    return FakePMS(integration_create(prop_a, credential, ["1001"]), monkeypatch)


def test_a_sync_sends_created_status_and_suggestion_events(
    hook, pms, enqueued, django_capture_on_commit_callbacks
):
    pms.put(*many_residents(3))
    with django_capture_on_commit_callbacks(execute=True):
        pms.sync()
    assert len(sent("resident.created")) == 3
    assert {m["data"]["source"] for m in sent("resident.created")} == {"pms_sync"}
    # Approval Required: their common-area keys are suggested, one event per resident
    suggestions = sent("suggestion.created")
    assert len(suggestions) == 3
    assert suggestions[0]["data"]["transition"]

    external_id = next(iter(pms.records))
    pms.change(external_id, lifecycle=Lifecycle.PAST, raw_status="Past")
    with django_capture_on_commit_callbacks(execute=True):
        pms.sync()
    (status,) = sent("resident.status_changed")
    assert (status["data"]["from"], status["data"]["to"], status["data"]["source"]) == (
        "current",
        "past",
        "pms_sync",
    )


# Each batch, with an endpoint configured, after its commit — twice, once for the
# residents the writer changed and once for the suggestions Automated Access made:
#   SELECT webhookendpoint …                 (the organization's enabled endpoints)
#   SELECT webhookendpoint_properties …      (their property filters)
#   SAVEPOINT                                (in production, BEGIN: not logged)
#   INSERT webhookmessage … (all the batch's events of that kind)
#   INSERT webhookdelivery …
#   RELEASE SAVEPOINT
WEBHOOK_BATCH_QUERIES = 2 * 6


@pytest.mark.postgresql
def test_sync_batches_with_an_endpoint_cost_queries_per_batch_not_per_record(
    hook, pms, enqueued, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("integrations.sync.user_sync.BATCH_SIZE", 100)

    def counted() -> int:
        run = pms.start_run()
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            user_sync_execute(run_id=run.id)
        return len(queries)

    pms.put(*many_residents(300))
    first_300 = counted()
    assert first_300 == RUN_QUERIES + 3 * (NEW_BATCH_QUERIES + WEBHOOK_BATCH_QUERIES)
    assert len(sent("resident.created")) == len(sent("suggestion.created")) == 300

    # Twice the records, three more batches: three more batches' worth of queries
    Resident.objects.all().delete()
    PMSRecord.objects.all().delete()
    pms.put(*many_residents(300, start=300))
    first_600 = counted()
    assert first_600 - first_300 == 3 * (NEW_BATCH_QUERIES + WEBHOOK_BATCH_QUERIES)
    assert len(sent("resident.created")) == 900


def test_a_failed_sync_and_a_reaped_one(hook, prop_a, enqueued, django_capture_on_commit_callbacks):
    credential = PMSCredential.objects.create(
        organization=prop_a.organization, vendor="yardi", label="Y", fields={}
    )
    integration: PMSIntegration = integration_create(prop_a, credential, ["1001"])
    run = SyncRun.objects.create(integration=integration, trigger="schedule", state="running")
    with django_capture_on_commit_callbacks(execute=True):
        sync_run_finish(run=run, ok=False, counts={}, error="Yardi kept not answering")
    (failed,) = sent("sync.failed")
    assert failed["data"] == {
        "run_id": run.id,
        "integration_id": integration.id,
        "property_id": prop_a.id,
        "trigger": "schedule",
        "error": "Yardi kept not answering",
    }

    # A run whose worker died is failed by the reaper: that is a failed sync too
    dead = SyncRun.objects.create(
        integration=integration,
        trigger="manual",
        state="running",
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_runs_reap() == 1
    assert [m["data"]["run_id"] for m in sent("sync.failed")] == [run.id, dead.id]
