"""Buildium against the simulator: the contract test every vendor runs, the targeted read
a webhook triggers, the changed-since read, and the simulator's signed webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.vendors.buildium.simulator import sign


def test_contract_against_simulator(sim_connector, assert_matches_simulator):
    with sim_connector("buildium") as connector:
        connector.check_credential()
        assert len(connector.list_properties()) == 3
        assert_matches_simulator("buildium", connector)


def test_simulator_units(sim_connector, sim):
    units = sim_connector("buildium").fetch_units("1001")
    truth = sim.state.dataset.units_of("1001")
    assert sorted(u.id for u in units) == sorted(str(u.id) for u in truth)


def test_targeted_read_of_a_lease_and_of_a_tenant(sim_connector, sim):
    lease = next(
        lease
        for lease in sim.state.dataset.leases_of("1001")
        if sum(r.role is ResidentRole.ROOMMATE for r in lease)
        and lease[0].lifecycle is Lifecycle.CURRENT
    )
    roommate = next(r for r in lease if r.role is ResidentRole.ROOMMATE)
    connector = sim_connector("buildium")
    by_lease = [
        r.external_id
        for page in connector.fetch_residents_for(["1001"], lease_ids=[str(lease[0].lease_id)])
        for r in page.records
    ]
    assert sorted(by_lease) == sorted(
        f"cosigner-{r.id}" if r.role is ResidentRole.GUARANTOR else str(r.id) for r in lease
    )
    by_tenant = [
        r.external_id
        for page in connector.fetch_residents_for(["1001"], tenant_ids=[str(roommate.id)])
        for r in page.records
    ]
    assert sorted(by_tenant) == sorted(by_lease)
    # Another property's lease is not read into this one.
    assert list(connector.fetch_residents_for(["1002"], lease_ids=[str(lease[0].lease_id)])) == []


def test_changed_since_sends_the_utc_cursor(sim_connector, sim):
    since = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC) + timedelta(hours=0)
    pages = list(sim_connector("buildium").client.resident_pages_changed_since(["1001"], since))
    # The simulator keeps no update times: every lease counts as changed.
    assert sum(len(p.rows) for p in pages) == len(
        [lease for lease in sim.state.dataset.leases_of("1001") if any(
            r.lifecycle.value in ("current", "notice", "future", "past") for r in lease)]
    )  # fmt: skip


def test_simulator_posts_signed_webhooks_when_a_resident_moves_out(sim_edits):
    sim = sim_edits
    posted: list[tuple[str, dict[str, str], bytes]] = []

    def receive(url: str, headers: dict[str, str], body: bytes) -> int:
        posted.append((url, headers, body))
        return 200

    sim.state.pushes.send = receive
    resident = next(
        r for r in sim.state.dataset.residents_of("1001") if r.lifecycle is Lifecycle.CURRENT
    )
    # Off by default: an edit posts nothing.
    httpx.patch(f"{sim.url}/_sim/residents/{resident.id}", json={"first_name": "Quiet"})
    assert posted == []
    answer = httpx.post(
        f"{sim.url}/_sim/webhooks",
        json={"vendor": "buildium", "url": "http://doorsync.test/hooks/pms/x/", "secret": "s3cret"},
    )
    assert answer.json()["targets"] == {"buildium": "http://doorsync.test/hooks/pms/x/"}
    httpx.patch(f"{sim.url}/_sim/residents/{resident.id}", json={"lifecycle": "past"})
    assert [json.loads(body)["EventName"] for _, _, body in posted] == ["Lease.MoveOut.Created"]
    _, headers, body = posted[0]
    event = json.loads(body)
    assert (event["LeaseId"], event["TenantId"]) == (resident.lease_id, resident.id)
    assert b": " not in body and b"\n" not in body
    timestamp = headers["buildium-webhook-timestamp"]
    assert headers["buildium-webhook-signature"] == sign("s3cret", timestamp, body)
    sent = httpx.get(f"{sim.url}/_sim/webhooks").json()["sent"]
    assert sent == [
        {"vendor": "buildium", "event": "Lease.MoveOut.Created", "status": 200, "error": ""}
    ]
