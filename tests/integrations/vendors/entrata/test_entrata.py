"""Entrata: contract against the simulator, and hand-written JSON-RPC samples."""

from __future__ import annotations

import base64
import json
from datetime import date

import httpx
import pytest

from integrations.pms import (
    CredentialFieldsInvalid,
    CredentialRejected,
    Lifecycle,
    PMSPropertyNotFound,
    ResidentRole,
    get_connector,
)
from integrations.simulator import demo_fields
from integrations.simulator.credentials import ENTRATA_DEMO_API_KEY


def test_contract_against_simulator(sim_connector, assert_matches_simulator):
    with sim_connector("entrata") as connector:
        connector.check_credential()
        assert len(connector.list_properties()) == 3
        assert_matches_simulator("entrata", connector)


def test_api_key_style_against_simulator(sim, options):
    fields = {"subdomain": "doorsyncdemo", "api_key": ENTRATA_DEMO_API_KEY}
    with get_connector("entrata", fields, options=options, base_url=sim.vendor_url("entrata")) as c:
        assert len(c.fetch_units("1001")) > 100


def test_needs_api_key_or_username_and_password():
    with pytest.raises(CredentialFieldsInvalid, match="API key, or a username and password"):
        get_connector("entrata", {"subdomain": "x", "username": "only-a-name"})


def test_paginates_until_an_empty_page_when_nothing_is_announced(mock_connector, load_payload):
    # A short page is not the end (a server may cap per_page): only "No records found" is.
    seen: list[httpx.Request] = []
    full_page = {"response": {"code": 200, "result": {"leases": {"lease": [
        {"id": n, "leaseIntervalStatus": "Current",
         "customers": {"customer": [{"id": n, "customerType": "Primary", "firstName": "A"}]}}
        for n in range(500)
    ]}}}}  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.params["page_no"] == "1":
            return httpx.Response(200, json=full_page)
        if request.url.params["page_no"] == "2":
            return httpx.Response(200, content=load_payload("entrata_leases.json"))
        return httpx.Response(200, content=load_payload("entrata_no_records.json"))

    pages = list(mock_connector("entrata", handler).fetch_residents(["300"]))
    assert [len(p.records) for p in pages] == [500, 3]
    assert [len(p.errors) for p in pages] == [0, 2]
    assert [r.url.params["page_no"] for r in seen] == ["1", "2", "3"]
    request = seen[0]
    assert request.url.path == "/api/v1/leases" and request.url.host == "doorsyncdemo.entrata.com"
    body = json.loads(request.content)
    assert body["auth"] == {"type": "basic"}
    assert body["method"]["name"] == "getLeases" and body["method"]["version"] == "r2"
    assert body["method"]["params"]["propertyId"] == "300"
    token = base64.b64encode(b"doorsync_demo:entrata-demo-password").decode()
    assert request.headers["Authorization"] == f"Basic {token}"


def _one_page(load_payload, name):
    """Page 1 is the sample; page 2 is Entrata's "No records found", which ends the read."""

    def handler(request: httpx.Request) -> httpx.Response:
        page = "entrata_no_records.json" if request.url.params["page_no"] != "1" else name
        return httpx.Response(200, content=load_payload(page))

    return handler


def test_maps_sample(mock_connector, load_payload):
    connector = mock_connector("entrata", _one_page(load_payload, "entrata_leases.json"))
    (page,) = list(connector.fetch_residents(["300"]))
    by_id = {r.external_id: r for r in page.records}

    devon = by_id["7001"]
    assert devon.role is ResidentRole.PRIMARY and devon.lifecycle is Lifecycle.CURRENT
    assert devon.email == "devon.price@example.com"
    assert devon.phone == "+13129094312"  # Mobile, though Office and Home came first
    assert (devon.lease_start, devon.lease_end) == (date(2024, 8, 14), date(2025, 8, 13))
    assert (devon.unit_id, devon.unit_name, devon.lease_id) == ("4410", "111", "920001")
    assert devon.move_in == date(2024, 8, 14)

    sam = by_id["7002"]
    assert sam.role is ResidentRole.ROOMMATE
    assert sam.phone == "+442079460958"  # one phone object, not a list; UK number kept

    assert by_id["7003"].is_guarantor and by_id["7003"].phone == ""

    errors = {e.external_id: e.message for e in page.errors}
    assert "move" in errors["7010"].lower() and "'31/12/2024' is not a date" in errors["7010"]
    assert errors["lease 920003"] == "customer has no id"


def test_no_records_text_is_an_empty_fetch(mock_connector, respond, load_payload):
    connector = mock_connector("entrata", respond(load_payload("entrata_no_records.json")))
    assert list(connector.fetch_residents(["300"])) == []


def test_response_error_is_a_rejected_credential(mock_connector, respond, load_payload):
    connector = mock_connector("entrata", respond(load_payload("entrata_auth_error.json")))
    with pytest.raises(CredentialRejected) as caught:
        list(connector.fetch_residents(["300"]))
    assert str(caught.value) == (
        "Entrata rejected the credential (getLeases) — check the username and password "
        "in Integrations → PMS credentials."
    )


def test_wrong_password_against_simulator(sim, options):
    fields = demo_fields("entrata") | {"password": "not-it"}
    connector = get_connector(
        "entrata", fields, options=options, base_url=sim.vendor_url("entrata")
    )
    with pytest.raises(CredentialRejected):
        connector.check_credential()


def test_unknown_property(sim_connector):
    with pytest.raises(PMSPropertyNotFound) as caught:
        list(sim_connector("entrata").fetch_residents(["9999"]))
    assert caught.value.pms_property_id == "9999"
