"""An integrator's day, over real HTTP against a live server, with a real Celery worker and
the PMS simulator: with one token it lists the residents changed since a time, starts a
sync (Sync Now) and follows it to the end, then reads the access suggestions the move-in
made and approves them — each change audited as the token — and its webhook receiver gets
the signed `access.granted` events, then `access.revoked` when it takes a key back,
checked with an independent verifier (tests/webhooks/verify.py).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, timedelta

import httpx
import pytest
from django.utils import timezone

from access.models import KeyGrant
from audit.models import AccessEvent
from integrations.credentials.services import pms_credential_create
from integrations.models import AccessMode, PMSIntegration, PMSUnit, SyncRun
from integrations.simulator.credentials import demo_fields
from integrations.sync.service import user_sync_execute
from integrations.unit_mapping import units_map_identical_names
from tests.browser.conftest import celery_worker_thread  # noqa: F401  (a fixture)
from tests.factories.api import api_token
from tests.webhooks.receiver import start_receiver
from tests.webhooks.verify import verify
from units.services import unit_create
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db(transaction=True)

PMS_PROPERTY = "1001"
FOLLOW_FOR = 60  # seconds: a sync of a 40-resident simulator takes a few


@pytest.fixture
def pms_sim():
    from integrations.simulator.server import start_simulator

    handle = start_simulator(residents=40, seed=5)
    try:
        yield handle
    finally:
        handle.stop()


def _sync(integration: PMSIntegration) -> None:
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SUPPORT)
    assert user_sync_execute(run_id=run.id).state == SyncRun.State.SUCCEEDED


def _future_mover(pms_sim) -> dict:
    dataset = pms_sim.state.dataset
    lived_in = {r.unit_id for r in dataset.residents.values()}
    empty = sorted(u.id for u in dataset.units_of(PMS_PROPERTY) if u.id not in lived_in)
    soon = (date.today() + timedelta(days=20)).isoformat()
    response = httpx.post(
        f"{pms_sim.url}/_sim/residents",
        json={
            "unit_id": empty[0],
            "lifecycle": "future",
            "first_name": "Ines",
            "last_name": "Integrator",
            "email": "ines.integrator@example.org",
            "lease_start": soon,
            "move_in": soon,
            "lease_end": (date.today() + timedelta(days=385)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def _all(api: httpx.Client, url: str, **params) -> list[dict]:
    rows: list[dict] = []
    page = api.get(url, params=params).raise_for_status().json()
    rows.extend(page["results"])
    while page["next"]:
        page = api.get(page["next"]).raise_for_status().json()
        rows.extend(page["results"])
    return rows


def test_an_integrator_follows_changes_approves_and_syncs(
    live_server,
    prop_a,
    alice,
    pms_sim,
    celery_worker_thread,  # noqa: F811
):
    # Given Harborview synced with the simulator in Approval Required, units mapped, and
    # the onboarding backlog of suggestions approved
    credential = pms_credential_create(
        organization=prop_a.organization,
        vendor="entrata",
        label="Entrata (simulator)",
        values=demo_fields("entrata"),
        endpoint_override=pms_sim.vendor_url("entrata"),
    )
    integration = PMSIntegration.objects.create(
        property=prop_a,
        credential=credential,
        pms_property_ids=[PMS_PROPERTY],
        user_sync_enabled=True,
        access_mode=AccessMode.APPROVAL_REQUIRED,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )
    mover = _future_mover(pms_sim)
    _sync(integration)
    for pms_unit in PMSUnit.objects.filter(integration=integration):
        unit_create(property=prop_a, name=pms_unit.name, actor=None)
    units_map_identical_names(integration=integration, actor=None)
    _sync(integration)
    token = api_token(prop_a.organization, name="Acme locks", by=alice)
    receiver = start_receiver()
    hook = endpoint_create(
        organization=prop_a.organization,
        url=receiver.url,
        events=["access.granted", "access.revoked"],
        properties=[prop_a],
    )
    api = httpx.Client(
        base_url=f"{live_server.url}/api/v1/properties/{prop_a.id}/",
        headers={"Authorization": f"Bearer {token.secret}"},
        timeout=30,
    )
    backlog = [s["id"] for s in _all(api, "access-suggestions/")]
    if backlog:
        api.post("access-suggestions/approve/", json={"ids": backlog}).raise_for_status()
    everyone = _all(api, "residents/")
    assert len(everyone) > 3
    since = timezone.now()

    # When the mover moves in at the PMS, the integrator presses Sync Now and follows it
    assert _all(api, "residents/", updated_since=since.isoformat()) == []
    httpx.patch(
        f"{pms_sim.url}/_sim/residents/{mover['id']}",
        json={"lifecycle": "current", "move_in": date.today().isoformat()},
    ).raise_for_status()
    started = api.post("sync-runs/", headers={"Idempotency-Key": str(uuid.uuid4())})
    assert started.status_code == 202, started.text
    run_url = started.headers["Location"]
    deadline = time.monotonic() + FOLLOW_FOR
    run = started.json()
    while run["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"the sync did not finish: {run}"
        time.sleep(0.25)  # an integrator polls; the worker runs in its own thread
        run = api.get(run_url).raise_for_status().json()
    assert run["state"] == "succeeded", run["error"]
    outcomes = _all(api, f"sync-runs/{run['id']}/outcomes/")
    assert any(o["email"] == "ines.integrator@example.org" for o in outcomes)

    # Then exactly the mover changed since that time, now Current
    changed = _all(api, "residents/", updated_since=since.isoformat())
    assert [(r["first_name"], r["status"]) for r in changed] == [("Ines", "current")]
    ines = changed[0]

    # And her green suggestions wait; the integrator approves them (a retry is harmless)
    waiting = _all(api, "access-suggestions/", resident=ines["id"])
    assert waiting and {s["kind"] for s in waiting} == {"grant"}
    body = {"ids": [s["id"] for s in waiting]}
    key = str(uuid.uuid4())
    approved = api.post("access-suggestions/approve/", json=body, headers={"Idempotency-Key": key})
    retried = api.post("access-suggestions/approve/", json=body, headers={"Idempotency-Key": key})
    assert approved.status_code == 200 and approved.json()["granted"] == len(waiting)
    assert retried.json() == approved.json() and retried.headers["Idempotent-Replayed"] == "true"
    held = _all(api, "key-grants/", resident=ines["id"], active="true")
    assert len(held) == len(waiting)
    assert KeyGrant.objects.filter(resident_id=ines["id"], revoked_at__isnull=True).count() == len(
        waiting
    )

    # And the audit feed, read from where it was, names the token for what it did
    feed = _all(api, "access-events/", updated_since=since.isoformat())
    mine = [e for e in feed if e["actor_type"] == "api_token"]
    assert {e["action"] for e in mine} == {
        AccessEvent.Action.SYNC_STARTED,
        AccessEvent.Action.KEY_GRANTED,
        AccessEvent.Action.SUGGESTION_APPROVED,
    }
    assert {e["actor"] for e in mine} == {"API token Acme locks"}

    # And the integrator's receiver got one signed access.granted per key given to Ines
    def events(kind: str, count: int) -> list[dict]:
        deadline = time.monotonic() + FOLLOW_FOR
        while True:
            found = [
                (r, json.loads(r.body))
                for r in receiver.requests
                if json.loads(r.body)["type"] == kind
                and json.loads(r.body)["data"].get("resident_id") == ines["id"]
            ]
            if len(found) >= count:
                break
            assert time.monotonic() < deadline, f"{kind}: {len(found)} of {count} arrived"
            time.sleep(0.1)  # the worker delivers in its own thread
        for request, _ in found:
            assert verify(
                secret=hook.secret, headers=request.headers, body=request.body, now=int(time.time())
            ), "the webhook's signature does not verify"
        return [payload for _, payload in found]

    granted = events("access.granted", len(waiting))
    assert {p["data"]["grant_id"] for p in granted} == {g["id"] for g in held}

    # When the integrator takes a key back, its receiver hears of it, signed
    first = held[0]
    api.post(
        f"key-grants/{first['id']}/revoke/", json={"reason": "Lost fob reported"}
    ).raise_for_status()
    (revoked,) = events("access.revoked", 1)
    assert revoked["data"]["grant_id"] == first["id"]
    receiver.stop()
