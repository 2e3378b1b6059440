"""AppFolio Reports API v2: contract against the simulator, and hand-written samples."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from integrations.pms import Lifecycle, MalformedResponse, PMSPropertyNotFound, ResidentRole
from integrations.pms.types import StatusReading
from integrations.vendors.appfolio.mapping import phone_pairs


def test_contract_against_simulator(sim_connector, assert_matches_simulator):
    with sim_connector("appfolio") as connector:
        connector.check_credential()
        assert len(connector.list_properties()) == 3
        assert_matches_simulator("appfolio", connector)


def test_first_page_is_post_then_post_of_next_page_url(mock_connector, load_payload):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if "page" not in request.url.params:
            return httpx.Response(200, json={
                "results": [], "next_page_url": "/api/v2/reports/tenant_directory.json?page=2"})  # fmt: skip
        return httpx.Response(200, content=load_payload("appfolio_tenants.json"))

    pages = list(mock_connector("appfolio", handler).fetch_residents(["7"]))
    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", "/api/v2/reports/tenant_directory.json"),
        ("POST", "/api/v2/reports/tenant_directory.json"),
    ]
    assert seen[1].content == b"{}" and seen[1].url.params["page"] == "2"
    assert seen[0].url.host == "doorsyncdemo.appfolio.com"
    body = json.loads(seen[0].content)
    assert body["properties"] == {"properties_ids": ["7"]} and body["paginate_results"] is True
    assert len(pages) == 1


def test_maps_sample(mock_connector, respond, load_payload):
    connector = mock_connector("appfolio", respond(load_payload("appfolio_tenants.json")))
    (page,) = list(connector.fetch_residents(["7"]))
    by_id = {r.external_id: r for r in page.records}

    noah = by_id["31"]
    assert noah.role is ResidentRole.PRIMARY and noah.lifecycle is Lifecycle.NOTICE
    assert noah.email == "noah.berg@example.com"  # the first of two, trimmed and lowered
    assert noah.phone == "+15129613307"  # Mobile after Home
    assert (noah.unit_id, noah.unit_name, noah.lease_id) == ("88", "Apt 3", "12")
    assert noah.move_out == date(2024, 8, 31)

    lina = by_id["32"]
    assert lina.role is ResidentRole.ROOMMATE and lina.email == ""
    assert lina.lease_start == date(2023, 9, 1)  # US format accepted too
    assert lina.phone == "+15124742000"

    # "primary_tenant: Yes" never promotes a guarantor.
    assert by_id["33"].is_guarantor

    # An unknown status carries the record, undecided (no dates), never an error.
    assert page.errors == ()
    assert by_id["34"].raw_status == "Vacated Unexpectedly"
    assert by_id["34"].status_reading is StatusReading.UNDECIDED


def test_phone_pairs():
    assert phone_pairs("Mobile: (512) 961-3307, Home: 512 474 2000") == [
        ("Mobile", "(512) 961-3307"),
        ("Home", "512 474 2000"),
    ]
    assert phone_pairs("5124742000") == [("", "5124742000")]
    assert phone_pairs("") == []


def test_next_page_url_to_another_host_is_refused(mock_connector):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"results": [], "next_page_url": "http://doorsyncdemo.appfolio.com/x"}
        )

    with pytest.raises(MalformedResponse):
        list(mock_connector("appfolio", handler).fetch_residents(["7"]))


def test_unknown_property(sim_connector):
    with pytest.raises(PMSPropertyNotFound):
        list(sim_connector("appfolio").fetch_residents(["1001", "9999"]))
