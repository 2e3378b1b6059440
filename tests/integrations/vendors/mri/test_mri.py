"""MRI Residential: contract against the simulator, and hand-written OData-like samples."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from integrations.pms import (
    CredentialRejected,
    Lifecycle,
    MalformedResponse,
    PMSPropertyNotFound,
    ResidentRole,
)


def test_contract_against_simulator(sim_connector, assert_matches_simulator):
    with sim_connector("mri") as connector:
        connector.check_credential()
        assert len(connector.list_properties()) == 3
        assert_matches_simulator("mri", connector)


def _two_pages(load_payload, seen):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        name = (
            "mri_residents_page2.json"
            if request.url.params.get("$skip") == "300"
            else "mri_residents_page1.json"
        )
        return httpx.Response(200, content=load_payload(name))

    return handler


def test_follows_next_link_and_maps(mock_connector, load_payload):
    seen: list[httpx.Request] = []
    pages = list(mock_connector("mri", _two_pages(load_payload, seen)).fetch_residents(["HBV01"]))
    assert [r.url.params["$skip"] for r in seen] == ["0", "300"]
    first = seen[0]
    assert first.url.path == "/mriapiservices/api.asp"
    assert first.url.params["$api"] == "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID"
    assert first.url.params["RMPROPID"] == "HBV01" and first.url.params["$top"] == "300"

    records = {r.external_id: r for p in pages for r in p.records}
    ines = records["0000412"]
    assert ines.email == "ines.ferreira@example.pt" and ines.phone == "+12067248810"
    assert (ines.unit_id, ines.unit_name, ines.lease_id) == ("HBV01/B1/204", "204", "L-9001")
    assert ines.move_in == date(2024, 5, 3)
    tomas = records["0000413"]
    assert tomas.role is ResidentRole.ROOMMATE and tomas.email == "" and tomas.phone == ""
    grace = records["0000377"]
    assert grace.is_guarantor and grace.lifecycle is Lifecycle.PAST
    assert grace.move_out == date(2023, 1, 2)  # the actual vacate date wins
    errors = [e for p in pages for e in p.errors]
    assert [(e.external_id, e.message) for e in errors] == [
        ("0000378", "field FirstName is not text")
    ]


def test_next_link_to_another_host_is_refused(mock_connector):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [], "nextLink": "https://evil.example/steal"})

    with pytest.raises(MalformedResponse, match="leaves the API"):
        list(mock_connector("mri", handler).fetch_residents(["HBV01"]))


def test_bad_credential_in_simulator(sim, options):
    from integrations.pms import get_connector
    from integrations.simulator import demo_fields

    fields = demo_fields("mri") | {"partner_key": "wrong-partner-key"}
    with pytest.raises(CredentialRejected, match="partner key"):
        get_connector(
            "mri", fields, options=options, base_url=sim.vendor_url("mri")
        ).check_credential()


def test_unknown_property(sim_connector):
    with pytest.raises(PMSPropertyNotFound):
        sim_connector("mri").fetch_units("9999")
