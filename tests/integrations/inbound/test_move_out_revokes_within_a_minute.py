"""The whole chain, event-driven and without Sync Now: a move-out made in the simulator →
the simulator posts Buildium's signed webhook → the endpoint verifies it and enqueues →
the targeted sync task runs (in-process, as an eager worker would) → the key is revoked.
Nothing sleeps: the elapsed time is measured on the way and must be well under a minute."""

from __future__ import annotations

import time

import httpx
import pytest
from django.test import Client

from access.models import KeyGrant
from integrations import tasks
from integrations.inbound.models import InboundEvent
from integrations.models import PMSIntegration, PMSRecord, SyncRun
from residents.models import ResidentStatus

from .conftest import SECRET
from .helpers import automatic_with_keys, resident_of

pytestmark = pytest.mark.django_db


def _active_grants(resident) -> int:
    return KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True).count()


def test_a_buildium_move_out_revokes_the_key_within_a_minute(
    sim, buildium, hook, monkeypatch, django_capture_on_commit_callbacks
):
    # Given Buildium in Automatic mode, current residents holding their keys
    automatic_with_keys(buildium)
    mover = next(
        r
        for r in sim.state.dataset.residents_of("1001")
        if r.lifecycle.value == "current" and r.role.value == "primary" and r.email.strip()
        and "@" in r.email and PMSRecord.objects.filter(
            integration=buildium, external_id=str(r.id), resident__isnull=False).exists()
    )  # fmt: skip
    resident = resident_of(buildium, str(mover.id))
    assert resident.status == ResidentStatus.CURRENT and _active_grants(resident) > 0
    others = {
        r.id: _active_grants(r)
        for r in buildium.property.residents.exclude(id=resident.id)
        if _active_grants(r)
    }
    last_full = PMSIntegration.objects.get(id=buildium.id).last_successful_sync_at
    # The simulator posts its webhooks to doorsync's endpoint for this integration; they
    # are delivered here, in the test's thread and transaction, by the Django client.
    posted: list[tuple[str, dict[str, str], bytes]] = []
    sim.state.pushes.send = lambda url, headers, body: posted.append((url, headers, body)) or 200
    httpx.post(
        f"{sim.url}/_sim/webhooks",
        json={"vendor": "buildium", "url": f"http://testserver/hooks/pms/{hook.token}/",
              "secret": SECRET},
    )  # fmt: skip
    # The worker: the task runs as soon as it is enqueued, in-process.
    monkeypatch.setattr(
        tasks.targeted_sync_task, "delay", lambda event_id: tasks.targeted_sync_task.apply(args=[event_id])
    )  # fmt: skip

    # When the move-out is made in Buildium (the simulator) — no Sync Now
    started = time.monotonic()
    assert httpx.patch(
        f"{sim.url}/_sim/residents/{mover.id}", json={"lifecycle": "past"}
    ).is_success
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for url, headers, body in posted:
            answer = client.post(url.removeprefix("http://testserver"), data=body,
                                 content_type="application/json", headers=headers)  # fmt: skip
            assert answer.status_code == 200
    elapsed = time.monotonic() - started

    # Then the key is revoked, well within a minute
    resident.refresh_from_db()
    assert _active_grants(resident) == 0
    assert resident.status == ResidentStatus.PAST
    assert elapsed < 60, f"took {elapsed:.1f} s"
    # Through one accepted event and one targeted run, which touched nobody else
    event = InboundEvent.objects.get(event_name="Lease.MoveOut.Created")
    assert event.verdict == "accepted" and event.applied_at is not None
    run = event.sync_run
    assert run is not None and run.trigger == SyncRun.Trigger.WEBHOOK
    assert run.state == SyncRun.State.SUCCEEDED
    assert {
        r.id: _active_grants(r) for r in buildium.property.residents.filter(id__in=others)
    } == others
    assert not PMSRecord.objects.filter(
        integration=buildium, gone_from_pms_at__isnull=False
    ).exists()
    # The whole snapshot remains the reference: a targeted run is not "the last full sync".
    assert PMSIntegration.objects.get(id=buildium.id).last_successful_sync_at == last_full
    print(f"move-out → key revoked in {elapsed * 1000:.0f} ms")
