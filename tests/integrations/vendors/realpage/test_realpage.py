"""RealPage OneSite (RPX): contract against the simulator, and hand-written SOAP samples."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from integrations.pms import CredentialRejected, Lifecycle, PMSPropertyNotFound, ResidentRole


def test_contract_against_simulator(sim_connector, assert_matches_simulator):
    with sim_connector("realpage") as connector:
        connector.check_credential()
        assert connector.list_properties()[0].name == "Harbor View Apartments"
        assert_matches_simulator("realpage", connector)


def test_request_shape(mock_connector, load_payload):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=load_payload("realpage_residents.xml"))

    list(mock_connector("realpage", handler).fetch_residents(["5150"]))
    request = seen[0]
    assert str(request.url) == (
        "https://gateway.rpx.realpage.com/rpxgateway/partner/doorsync/doorsync.svc"
    )
    assert request.headers["SOAPAction"] == '"http://tempuri.org/IRPXService/getresidentlist"'
    body = request.content.decode()
    assert "<tem:pmcid>4000001</tem:pmcid><tem:siteid>5150</tem:siteid>" in body


def test_maps_sample(mock_connector, respond, load_payload):
    connector = mock_connector("realpage", respond(load_payload("realpage_residents.xml")))
    (page,) = list(connector.fetch_residents(["5150"]))
    by_id = {r.external_id: r for r in page.records}

    amara = by_id["55001:1"]
    # OneSite has no notice status: Current with a notice date reads as NOTICE.
    assert amara.lifecycle is Lifecycle.NOTICE and amara.raw_status == "Current"
    assert amara.email == "amara.okafor@example.com"
    assert amara.phone == "+17203184417"
    assert (amara.unit_id, amara.unit_name, amara.lease_id) == ("880", "2B", "55001")
    assert amara.lease_start == date(2024, 1, 15)

    assert by_id["55001:2"].is_guarantor
    assert by_id["55001:2"].lifecycle is Lifecycle.CURRENT

    # Member ids restart in each household: the household is part of the identity.
    pat = by_id["55002:1"]
    assert pat.lifecycle is Lifecycle.FUTURE and pat.role is ResidentRole.PRIMARY
    assert pat.email == "" and pat.phone == ""

    assert [e.message for e in page.errors] == ["record has no resident member id (resmid)"]


def test_auth_fault_is_rejected_credential_without_retry(
    mock_connector, respond, load_payload, sleeps
):
    connector = mock_connector(
        "realpage", respond(load_payload("realpage_auth_fault.xml"), status=500)
    )
    with pytest.raises(CredentialRejected, match="check the PMC ID and license key"):
        connector.check_credential()
    assert sleeps.calls == []


def test_unknown_site(sim_connector):
    with pytest.raises(PMSPropertyNotFound):
        list(sim_connector("realpage").fetch_residents(["9999"]))
