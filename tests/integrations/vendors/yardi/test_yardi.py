"""Yardi Voyager: contract of client + mapping against the public-shape fixtures
(integrations/vendors/yardi/fixtures/), and against the simulator that serves those shapes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import defusedxml.ElementTree as SafeET
import httpx
import pytest
import time_machine

from integrations.pms import (
    CredentialRejected,
    Lifecycle,
    MalformedResponse,
    PMSPropertyNotFound,
    RateLimited,
    ResidentRole,
    VendorUnavailable,
)
from integrations.pms.soap import local_name
from integrations.pms.types import StatusReading
from integrations.vendors.yardi.client import ENDPOINT_PATH, NAMESPACE
from integrations.vendors.yardi.statuses import STATUS_MAP

FIXTURES = Path(__file__).parents[4] / "integrations" / "vendors" / "yardi" / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def fixture_day():
    """The day the samples describe: Hannah's Future lease starts after it."""
    with time_machine.travel(date(2024, 11, 15), tick=False):
        yield


def answering(**answers: str) -> Callable[[httpx.Request], httpx.Response]:
    """A Voyager that answers each SOAP method with the named fixture (and records calls)."""

    def handler(request: httpx.Request) -> httpx.Response:
        method = request.headers["SOAPAction"].strip('"').rsplit("/", 1)[-1]
        handler.calls.append(method)  # type: ignore[attr-defined]
        name = answers[method]
        status = 500 if name.startswith("error.method_not_available") else 200
        return httpx.Response(status, content=fixture(name), headers={"Content-Type": "text/xml"})

    handler.calls = []  # type: ignore[attr-defined]
    return handler


FULL = {
    "GetPropertyConfigurations": "get_property_configurations.response.xml",
    "GetUnitInformation": "get_unit_information.response.xml",
    "GetResidents": "get_residents.response.xml",
}


def _body_shape(xml: bytes) -> tuple[str, str, list[str]]:
    """(method, namespace, child element names in order) of a SOAP request body."""
    root = SafeET.fromstring(xml)
    body = next(child for child in root if local_name(child.tag) == "Body")
    call = body[0]
    namespace = call.tag[1:].split("}", 1)[0]
    return local_name(call.tag), namespace, [local_name(child.tag) for child in call]


@pytest.mark.parametrize(
    ("run", "sample"),
    [
        (lambda c: c.list_properties(), "get_property_configurations.request.xml"),
        (lambda c: c.fetch_units("bayview"), "get_unit_information.request.xml"),
        (lambda c: list(c.fetch_residents(["bayview"])), "get_residents.request.xml"),
    ],
)
def test_each_call_is_the_public_request(mock_connector, run, sample):
    seen: list[httpx.Request] = []
    answers = answering(**FULL)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers(request)

    run(mock_connector("yardi", handler))
    (request,) = seen
    method, namespace, names = _body_shape(request.content)
    assert (method, namespace, names) == _body_shape(fixture(sample))
    assert namespace == NAMESPACE
    assert request.url.path == "/00000sim" + ENDPOINT_PATH
    assert request.headers["SOAPAction"] == f'"{NAMESPACE}/{method}"'
    assert request.headers["Content-Type"].startswith("text/xml")
    body = request.content.decode()
    assert "<YardiPropertyId>bayview</YardiPropertyId>" in body or method.startswith("GetProp")
    assert "<InterfaceLicense>YARDI-DEMO-LICENSE-0001</InterfaceLicense>" in body


def test_properties(mock_connector):
    connector = mock_connector("yardi", answering(**FULL))
    bayview, elm = connector.list_properties()
    assert (bayview.id, bayview.name) == ("bayview", "Bayview Terrace")
    assert bayview.address == "400 Bayview Ave, Oakland CA 94610"
    assert (elm.id, elm.name) == ("elm22", "elm22")  # an empty MarketingName falls back


def test_units_keep_their_building(mock_connector):
    units = mock_connector("yardi", answering(**FULL)).fetch_units("bayview")
    assert [(u.id, u.name, u.building, u.floor) for u in units] == [
        ("bayview/A-101", "A-101", "Building A", None),
        ("bayview/B-101", "B-101", "Building B", None),
        ("bayview/305", "305", "", None),
    ]
    assert {u.pms_property_id for u in units} == {"bayview"}


def test_residents_with_roommates_and_every_status(mock_connector, fixture_day):
    connector = mock_connector("yardi", answering(**FULL))
    (page,) = list(connector.fetch_residents(["bayview"]))
    by_id = {r.external_id: r for r in page.records}
    unit_ids = {u.id for u in connector.fetch_units("bayview")}
    assert {r.unit_id for r in page.records} <= unit_ids

    maria = by_id["t0100001"]
    assert maria.role is ResidentRole.PRIMARY and maria.lifecycle is Lifecycle.CURRENT
    assert (maria.first_name, maria.last_name) == ("Maria", "Gonzalez")
    assert maria.email == "maria.gonzalez@example.com"
    assert maria.raw_email == "Maria.Gonzalez@Example.COM"
    assert maria.phone == "+14152630187"  # the cell, though the home phone came first
    assert (maria.lease_start, maria.lease_end) == (date(2024, 3, 1), date(2025, 2, 28))
    assert (maria.move_in, maria.move_out) == (date(2024, 3, 1), None)
    assert (maria.unit_id, maria.unit_name) == ("bayview/A-101", "A-101")
    assert maria.lease_id == "t0100001"

    kenji = by_id["r0100002"]
    assert kenji.role is ResidentRole.ROOMMATE and kenji.lease_id == "t0100001"
    assert kenji.lifecycle is Lifecycle.CURRENT and kenji.raw_status == "Current"
    assert kenji.unit_id == "bayview/A-101" and kenji.email == "kenji.w@example.com"
    assert kenji.lease_end == date(2025, 2, 28)  # the lease's dates are theirs

    luis = by_id["r0100004"]  # left before the others: their own move-out date says so
    assert luis.move_out == date(2024, 8, 31) and luis.email == ""

    jonas = by_id["r0100008"]  # no dates of their own: moves in with the lease holder
    assert jonas.move_in == date(2025, 1, 1) and jonas.lifecycle is Lifecycle.FUTURE

    expected = {
        "t0100005": ("Notice", Lifecycle.NOTICE),
        "t0100006": ("Eviction", Lifecycle.NOTICE),
        "t0100007": ("Future", Lifecycle.FUTURE),
        "t0100009": ("Past", Lifecycle.PAST),
        "t0100010": ("Applicant", Lifecycle.APPLICANT),
        "t0100011": ("Wait List", Lifecycle.APPLICANT),
        "t0100012": ("Canceled", Lifecycle.CANCELLED),
        "t0100013": ("Cancelled", Lifecycle.CANCELLED),
        "t0100014": ("Denied", Lifecycle.CANCELLED),
    }
    for external_id, (raw, lifecycle) in expected.items():
        assert (by_id[external_id].raw_status, by_id[external_id].lifecycle) == (raw, lifecycle)
    # Every status of the vocabulary is in the sample, and each maps as the table says.
    seen = {r.raw_status for r in page.records}
    assert seen == set(STATUS_MAP)
    assert all(r.lifecycle is STATUS_MAP[r.raw_status] for r in page.records)

    aisha = by_id["t0100005"]
    assert aisha.move_out == date(2024, 12, 15) and aisha.phone == "+12125550199"
    assert by_id["t0100010"].email == "" and by_id["t0100010"].raw_email == "not an email"

    # The one record with an impossible date is reported, not guessed at.
    assert [(e.external_id, "LeaseFromDate" in e.message) for e in page.errors] == [
        ("t0100015", True)
    ]
    assert len(page.records) == 13


def test_an_unknown_status_is_read_from_the_dates_never_dropped(mock_connector, fixture_day):
    answers = answering(GetResidents="get_residents.unknown_status.response.xml")
    (page,) = list(mock_connector("yardi", answers).fetch_residents(["bayview"]))
    assert page.errors == ()
    by_id = {r.external_id: r for r in page.records}
    # A move-out before today: whatever "Transfer" means, they no longer live there —
    # and so does the roommate who moved with them.
    for external_id in ("t0200001", "r0200002"):
        mia = by_id[external_id]
        assert (mia.raw_status, mia.lifecycle) == ("Transfer", Lifecycle.PAST)
        assert mia.status_reading is StatusReading.INFERRED
    # Nothing to decide by: carried, its status kept, left to the sync and support.
    noah = by_id["t0200003"]
    assert (noah.raw_status, noah.status_reading) == ("Vacant", StatusReading.UNDECIDED)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("error.login_failed.response.xml", "text/xml"),
        ("error.login_failed.response.html", "text/html"),
    ],
)
def test_bad_login_is_http_200_login_failed(mock_connector, respond, sleeps, name, content_type):
    connector = mock_connector("yardi", respond(fixture(name), content_type=content_type))
    with pytest.raises(CredentialRejected) as caught:
        connector.check_credential()
    assert str(caught.value) == (
        "Yardi rejected the credential (GetPropertyConfigurations) — check the username, "
        "password, database and interface license in Integrations → PMS credentials."
    )
    assert sleeps.calls == []


def test_unknown_property(mock_connector, respond):
    connector = mock_connector("yardi", respond(fixture("error.unknown_property.response.xml")))
    with pytest.raises(PMSPropertyNotFound) as caught:
        list(connector.fetch_residents(["nowhere"]))
    assert caught.value.pms_property_id == "nowhere"
    assert "GetResidents" in str(caught.value) and "Property IDs" in str(caught.value)


def test_rate_limit_is_retried_then_named(mock_connector, respond, sleeps):
    connector = mock_connector(
        "yardi",
        respond(
            b"Too many requests", status=429, content_type="text/plain", **{"Retry-After": "30"}
        ),
    )
    with pytest.raises(RateLimited):
        connector.list_properties()
    assert sleeps.calls and all(wait >= 30 for wait in sleeps.calls)


def test_units_fall_back_to_residents_when_voyager_lacks_get_unit_information(
    mock_connector, sleeps
):
    handler = answering(
        GetUnitInformation="error.method_not_available.response.xml",
        GetResidents="get_residents.response.xml",
    )
    units = mock_connector("yardi", handler).fetch_units("bayview")
    assert handler.calls == ["GetUnitInformation", "GetResidents"]  # type: ignore[attr-defined]
    assert sleeps.calls == []  # a missing method is not a hiccup to retry
    assert sorted(u.name for u in units) == ["305", "A-101", "B-101"]
    assert {u.building for u in units} == {""}  # GetResidents names no building


def test_html_error_page_is_vendor_unavailable(mock_connector, respond, load_payload):
    connector = mock_connector(
        "yardi", respond(load_payload("yardi_maintenance.html"), content_type="text/html")
    )
    with pytest.raises(VendorUnavailable, match="HTML page"):
        list(connector.fetch_residents(["bayview"]))


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


# -- the simulator speaks the same shapes ---------------------------------------------------


def test_contract_against_simulator(sim_connector, assert_matches_simulator):
    with sim_connector("yardi") as connector:
        connector.check_credential()
        assert [p.id for p in connector.list_properties()] == ["1001", "1002", "1003"]
        assert_matches_simulator("yardi", connector)


def test_simulator_units_name_their_building(sim_connector, sim):
    units = sim_connector("yardi").fetch_units("1001")
    truth = {u.name: u.building for u in sim.state.dataset.units_of("1001")}
    assert {u.name: u.building for u in units} == truth
    assert {u.id for u in units} == {f"1001/{name}" for name in truth}
    assert {"A", "B"} <= set(truth.values())


def test_simulator_answers_in_the_fixtures_shape(sim, options):
    """The simulator's GetResidents answer has the fixture's element path and names."""
    connector = sim.connector("yardi", options=options)
    body = connector.client._envelope("GetResidents", (("YardiPropertyId", "1001"),))
    answer = httpx.post(
        sim.vendor_url("yardi") + ENDPOINT_PATH,
        content=body,
        headers={"SOAPAction": f'"{NAMESPACE}/GetResidents"', "Content-Type": "text/xml"},
    )

    def names(xml: bytes) -> set[str]:
        return {local_name(element.tag) for element in SafeET.fromstring(xml).iter()}

    served = names(answer.content)
    assert {"MITS-ResidentData", "PropertyResidents", "Residents", "Resident", "Status",
            "UnitCode", "LeaseFromDate", "OtherOccupants", "OtherOccupant"} <= served  # fmt: skip
    # Nothing the public shape lacks (PhoneDescription etc. are in the fixture too).
    assert served - names(fixture("get_residents.response.xml")) == set()


def test_simulator_bad_login_and_unknown_method(sim, options):
    from integrations.pms import get_connector
    from integrations.simulator import demo_fields

    fields = demo_fields("yardi") | {"password": "not-the-demo-password"}
    with pytest.raises(CredentialRejected):
        get_connector(
            "yardi", fields, options=options, base_url=sim.vendor_url("yardi")
        ).check_credential()
    connector = sim.connector("yardi", options=options)
    answer = httpx.post(
        sim.vendor_url("yardi") + ENDPOINT_PATH,
        content=connector.client._envelope("GetUnitConfiguration", ()),
        headers={"SOAPAction": f'"{NAMESPACE}/GetUnitConfiguration"'},
    )
    assert answer.status_code == 500 and b"did not recognize" in answer.content


def test_lists_vendor_status_names(sim_connector):
    statuses = sim_connector("yardi").list_lease_statuses()
    assert {"Current", "Notice", "Eviction", "Canceled", "Cancelled", "Wait List"} <= set(statuses)


def test_unknown_property_in_simulator(sim_connector):
    with pytest.raises(PMSPropertyNotFound):
        sim_connector("yardi").fetch_units("9999")
