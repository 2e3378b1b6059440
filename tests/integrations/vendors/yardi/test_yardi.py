"""Yardi Voyager: contract against the simulator, and hand-written SOAP samples."""

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
    VendorUnavailable,
)
from integrations.pms.types import StatusReading


def test_contract_against_simulator(sim_connector, assert_matches_simulator):
    with sim_connector("yardi") as connector:
        connector.check_credential()
        assert [p.id for p in connector.list_properties()] == ["1001", "1002", "1003"]
        assert_matches_simulator("yardi", connector)


def test_lists_vendor_status_names(sim_connector):
    statuses = sim_connector("yardi").list_lease_statuses()
    assert {"Current", "Notice", "Eviction", "Canceled", "Cancelled", "Wait List"} <= set(statuses)


def test_request_is_a_soap_envelope_with_the_whole_credential(mock_connector, load_payload):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=load_payload("yardi_unit_configuration.xml"))

    list(mock_connector("yardi", handler).fetch_residents(["bayview"]))
    request = seen[0]
    assert request.url.path == "/00000sim/webservices/itfresidentdata.asmx"
    assert request.headers["SOAPAction"] == (
        '"http://tempuri.org/YSI.Interfaces.WebServices/ItfResidentData/GetUnitConfiguration"'
    )
    body = request.content.decode()
    for part in ("<UserName>doorsync_demo</UserName>", "<Platform>SQL Server</Platform>",
                 "<InterfaceLicense>YARDI-DEMO-LICENSE-0001</InterfaceLicense>",
                 "<YardiPropertyId>bayview</YardiPropertyId>"):  # fmt: skip
        assert part in body


def test_maps_household_roommates_and_guarantor(mock_connector, respond, load_payload):
    connector = mock_connector("yardi", respond(load_payload("yardi_unit_configuration.xml")))
    (page,) = list(connector.fetch_residents(["bayview"]))
    by_id = {r.external_id: r for r in page.records}

    # Given a household with a roommate, a guarantor and a departed spouse
    maria = by_id["t0100001"]
    assert maria.role is ResidentRole.PRIMARY and maria.is_primary
    assert maria.email == "maria.gonzalez@example.com"
    assert maria.raw_email == "Maria.Gonzalez@Example.COM"
    assert maria.phone == "+14152630187"  # the Cell, though Home came first
    assert (maria.lease_start, maria.lease_end) == (date(2024, 3, 1), date(2025, 2, 28))
    assert (maria.unit_id, maria.unit_name, maria.pms_property_id) == ("7001", "101", "bayview")
    assert maria.lifecycle is Lifecycle.CURRENT

    kenji = by_id["r0100002"]
    assert kenji.role is ResidentRole.ROOMMATE and kenji.lease_id == "t0100001"
    assert kenji.phone == "+16174951000"  # a work number beats none
    assert kenji.lifecycle is Lifecycle.CURRENT  # inherits the household status
    assert kenji.move_in == date(2024, 3, 1)  # and its dates

    rosa = by_id["r0100003"]
    assert rosa.is_guarantor and not rosa.lives_in_unit

    luis = by_id["r0100004"]
    assert luis.lifecycle is Lifecycle.PAST and luis.raw_status == "Past"
    assert luis.move_out == date(2024, 8, 31)  # US date format accepted
    assert luis.email == ""

    ola = by_id["t0100010"]
    assert ola.lifecycle is Lifecycle.CANCELLED
    assert ola.email == "" and ola.raw_email == "not an email"
    assert ola.lease_end is None  # 1900-01-01 is Yardi's "no date"


def test_unmappable_records_become_record_errors(mock_connector, respond, load_payload):
    connector = mock_connector("yardi", respond(load_payload("yardi_unit_configuration.xml")))
    (page,) = list(connector.fetch_residents(["bayview"]))
    errors = {e.external_id: e.message for e in page.errors}
    assert set(errors) == {"t0100012"}
    assert "LeaseFrom" in errors["t0100012"]
    # An unknown status is not a record error: the record is carried, its status kept,
    # and (with no dates to decide by) its lifecycle left to the sync (pms/lifecycle.py).
    (sublet,) = [r for r in page.records if r.external_id == "t0100011"]
    assert sublet.raw_status == "Sublet Pending"
    assert sublet.status_reading is StatusReading.UNDECIDED
    assert len(page.records) == 6


@pytest.mark.parametrize("name", ["yardi_login_failed.xml", "yardi_login_failed.html"])
def test_http_200_login_failed_is_a_rejected_credential(
    mock_connector, respond, load_payload, name
):
    connector = mock_connector("yardi", respond(load_payload(name)))
    with pytest.raises(CredentialRejected) as caught:
        connector.check_credential()
    assert str(caught.value) == (
        "Yardi rejected the credential (GetPropertyConfigurations) — check the username, "
        "password, database and interface license in Integrations → PMS credentials."
    )


def test_html_error_page_is_vendor_unavailable(mock_connector, respond, load_payload):
    connector = mock_connector(
        "yardi", respond(load_payload("yardi_maintenance.html"), content_type="text/html")
    )
    with pytest.raises(VendorUnavailable, match="HTML page"):
        list(connector.fetch_residents(["bayview"]))


def test_unknown_property(mock_connector, respond, load_payload):
    connector = mock_connector("yardi", respond(load_payload("yardi_invalid_property.xml")))
    with pytest.raises(PMSPropertyNotFound) as caught:
        list(connector.fetch_residents(["nowhere"]))
    assert caught.value.pms_property_id == "nowhere"
    assert "Property IDs" in str(caught.value)


def test_unknown_property_in_simulator(sim_connector):
    with pytest.raises(PMSPropertyNotFound):
        sim_connector("yardi").fetch_units("9999")


def test_entity_expansion_is_refused(mock_connector, respond, load_payload):
    # defusedxml: a "billion laughs" body is a malformed answer, not a memory blow-up.
    connector = mock_connector("yardi", respond(load_payload("yardi_billion_laughs.xml")))
    with pytest.raises(MalformedResponse):
        list(connector.fetch_residents(["bayview"]))


def test_soap_fault_with_login_failure_is_not_retried(mock_connector, respond, sleeps):
    fault = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Server was unable to "
        b"process request. ---&gt; Login failed.</faultstring></soap:Fault></soap:Body></soap:Envelope>"
    )
    connector = mock_connector("yardi", respond(fault, status=500))
    with pytest.raises(CredentialRejected):
        connector.list_properties()
    assert sleeps.calls == []
