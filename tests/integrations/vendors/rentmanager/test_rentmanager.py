"""Rent Manager 12: the contract against the simulator, its token handling over HTTP, and
the changed-since read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.pms import (
    CredentialFieldsInvalid,
    CredentialRejected,
    PMSPropertyNotFound,
    VendorUnavailable,
    get_connector,
)
from integrations.simulator import demo_fields
from integrations.vendors.rentmanager import simulator as wire
from integrations.vendors.rentmanager.client import LoginRefused


def test_contract_against_simulator(sim_connector, assert_matches_simulator):
    with sim_connector("rentmanager") as connector:
        connector.check_credential()
        assert len(connector.list_properties()) == 3
        assert_matches_simulator("rentmanager", connector)


def test_one_login_serves_the_whole_client(sim, sim_connector):
    before = wire.logins(sim.state)
    with sim_connector("rentmanager") as connector:
        connector.check_credential()
        connector.list_properties()
        for pid in ("1001", "1002", "1003"):
            connector.fetch_units(pid)
        list(connector.fetch_residents(["1001", "1002", "1003"]))
        assert connector.client.logins == 1
    assert wire.logins(sim.state) == before + 1


def test_an_expired_token_is_renewed_once_and_the_fetch_completes(sim, sim_connector):
    connector = sim_connector("rentmanager")
    connector.check_credential()
    # Fifteen idle minutes later, Rent Manager has forgotten the token.
    wire.expire_tokens(sim.state)
    records = [r for page in connector.fetch_residents(["1001"]) for r in page.records]
    assert records and connector.client.logins == 2


def test_a_login_refused_mid_sync_is_said_clearly(sim, sim_connector, sleeps):
    connector = sim_connector("rentmanager")
    connector.check_credential()
    # The password was changed in Rent Manager: the token dies and the login is refused.
    sim.state.faults.set("rentmanager", {"expired_credential": True})
    with pytest.raises(LoginRefused) as caught:
        list(connector.fetch_residents(["1001"]))
    assert str(caught.value).startswith(
        "Rent Manager rejected the credential: it refused the login"
    )
    assert "Integrations → PMS credentials" in str(caught.value)
    assert connector.client.logins == 1 and sleeps.calls == []


def test_the_partner_token_is_sent_and_never_shown(sim, options):
    fields = {**demo_fields("rentmanager"), "partner_token": "not-the-partner-token"}
    connector = get_connector(
        "rentmanager", fields, options=options, base_url=sim.vendor_url("rentmanager")
    )
    with pytest.raises(Exception) as caught:
        connector.list_properties()
    assert "not-the-partner-token" not in str(caught.value) + caught.value.detail  # type: ignore[attr-defined]


def test_the_location_id_must_be_a_number():
    with pytest.raises(CredentialFieldsInvalid, match="Location ID must be a whole number"):
        get_connector("rentmanager", {**demo_fields("rentmanager"), "location_id": "NJ-1"})


def test_unknown_property(sim_connector):
    with pytest.raises(PMSPropertyNotFound) as caught:
        list(sim_connector("rentmanager").fetch_residents(["1001", "9999"]))
    assert caught.value.pms_property_id == "9999"


@pytest.fixture
def clock(monkeypatch):
    """The simulator's UpdateDate clock, moved by hand."""
    now = [datetime.now(UTC).replace(microsecond=0)]
    monkeypatch.setattr(wire, "CLOCK", lambda: now[0])
    return now


def test_changed_since_reads_the_edited_tenants_and_leases(sim_edits, sim_connector, clock):
    sim = sim_edits
    connector = sim_connector("rentmanager")
    list(connector.fetch_residents(["1001"]))  # everything as it was, stamped in the past
    residents = [r for r in sim.state.dataset.residents_of("1001") if wire.serves_resident(r)]
    renamed, moving = residents[0], residents[1]
    clock[0] += timedelta(days=3)
    since = clock[0]
    clock[0] += timedelta(minutes=5)
    sim.state.dataset.update(renamed.id, {"last_name": "Renamed"})
    out = (sim.state.dataset.today + timedelta(days=40)).isoformat()
    sim.state.dataset.update(moving.id, {"move_out": out, "notice_date": out})

    pages = list(connector.client.resident_pages_changed_since(["1001"], since))

    rows = {row["TenantID"]: row for page in pages for row in page.rows}
    assert {renamed.id, moving.id} <= set(rows)
    # The window starts a day early, so a few more come, but not the whole property.
    assert len(rows) < len(residents) / 4
    assert rows[renamed.id]["LastName"] == "Renamed"
    # Only the lease changed: found through Leases, then read by TenantID.
    assert rows[moving.id]["Leases"][0]["MoveOutDate"].startswith(out)


def test_changed_since_with_no_change_reads_nothing(sim, sim_connector, clock):
    connector = sim_connector("rentmanager")
    list(connector.fetch_residents(["1002"]))
    since = clock[0] + timedelta(days=3)
    assert list(connector.client.resident_pages_changed_since(["1002"], since)) == []


def _login_answer(status: int, developer_message: str):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            json={"DeveloperMessage": developer_message, "ErrorCode": -2146233088,
                  "Exception": "Exception", "UserMessage": "Unspecified Error"},
        )  # fmt: skip

    return handler


def test_ten_live_tokens_already_is_an_outage_not_a_bad_password(mock_connector, sleeps):
    # A user holds at most ten tokens; they free up after 15 idle minutes (R4).
    handler = _login_answer(400, "This user has logged in the maximum number of times.")
    with pytest.raises(VendorUnavailable) as caught:
        mock_connector("rentmanager", handler).check_credential()
    assert "maximum number of times" in str(caught.value)
    assert len(sleeps.calls) == 3  # retried like any outage


def test_a_missing_privilege_answered_with_500_is_a_credential_problem(mock_connector, sleeps):
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("AuthorizeUser"):
            return httpx.Response(200, json="token-0123456789")
        return _login_answer(500, "Insufficient privileges to view Properties.")(request)

    with pytest.raises(CredentialRejected) as caught:
        mock_connector("rentmanager", handler).list_properties()
    assert "Insufficient privileges" in caught.value.detail and sleeps.calls == []
    assert calls == ["/Authentication/AuthorizeUser", "/Properties"]
