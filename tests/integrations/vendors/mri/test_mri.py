"""MRI Residential: contract of client + mapping against the public-shape fixtures
(integrations/vendors/mri/fixtures/), and against the simulator that serves those shapes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

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
)
from integrations.pms.types import StatusReading
from integrations.simulator import demo_fields

FIXTURES = Path(__file__).parents[4] / "integrations" / "vendors" / "mri" / "fixtures"
# The host the samples' links name; served from the connector's own host instead.
SAMPLE_HOST = b"https://mrix5api.example.com"
DEMO_HOST = "https://" + httpx.URL(demo_fields("mri")["url"]).host


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().replace(SAMPLE_HOST, DEMO_HOST.encode())


def link_of(name: str) -> str:
    return str(httpx.URL(json.loads(fixture(name))["nextLink"]))


def answering(
    routes: dict[str, list[str]], *, status: int = 200
) -> Callable[[httpx.Request], httpx.Response]:
    """An MRI that answers each $api with its fixture pages in turn (and records requests):
    the first request of an API gets the first page, each following one the next page."""

    def handler(request: httpx.Request) -> httpx.Response:
        handler.seen.append(request)  # type: ignore[attr-defined]
        api = request.url.params["$api"]
        pages = routes[api]
        asked = sum(1 for r in handler.seen if r.url.params["$api"] == api)  # type: ignore[attr-defined]
        name = pages[min(asked, len(pages)) - 1]
        code = int(name.rsplit(".http", 1)[1][:3]) if ".http" in name else status
        return httpx.Response(code, content=fixture(name), headers={"Retry-After": "30"})

    handler.seen = []  # type: ignore[attr-defined]
    return handler


ROUTES = {
    "MRI_S-PMRM_PropertyIDByNameOrAddress": ["property_id_by_name_or_address.response.json"],
    "MRI_S-PMRM_ResidentialRentRoll": [
        "residential_rent_roll.page1.json",
        "residential_rent_roll.page2.json",
    ],
    "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID": [
        "resident_lease_details.page1.json",
        "resident_lease_details.page2.json",
        "resident_lease_details.page3.json",
    ],
}


def test_every_request_is_the_public_one(mock_connector):
    handler = answering(ROUTES)
    connector = mock_connector("mri", handler)
    connector.list_properties()
    connector.fetch_units("HBV01")
    list(connector.fetch_residents(["HBV01"]))
    seen: list[httpx.Request] = handler.seen  # type: ignore[attr-defined]
    d = demo_fields("mri")
    user = f"{d['client_id']}/{d['database']}/{d['username']}/{d['partner_key']}"
    basic = "Basic " + base64.b64encode(f"{user}:{d['password']}".encode()).decode()
    assert {r.headers["Authorization"] for r in seen} == {basic}
    assert {r.url.path for r in seen} == {"/mriapiservices/api.asp"}
    first = [r for r in seen if "$skip" not in r.url.params and "_next" not in r.url.params]
    assert [dict(r.url.params) for r in first] == [
        {"$api": "MRI_S-PMRM_PropertyIDByNameOrAddress", "$format": "json", "$top": "300"},
        {"$api": "MRI_S-PMRM_ResidentialRentRoll", "$format": "json", "PROPERTYID": "HBV01",
         "$top": "300"},
        {"$api": "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID", "$format": "json",
         "RMPROPID": "HBV01", "$top": "300"},
    ]  # fmt: skip
    # Every following page is asked for exactly as the answer's nextLink says.
    followed = [str(r.url) for r in seen if r.url.params.get("$skip") or "_next" in r.url.params]
    assert followed == [
        link_of("residential_rent_roll.page1.json"),
        link_of("resident_lease_details.page1.json"),
        link_of("resident_lease_details.page2.json"),
    ]


def test_properties(mock_connector):
    harbor, maple, empty = mock_connector("mri", answering(ROUTES)).list_properties()
    assert (harbor.id, harbor.name, harbor.address) == (
        "HBV01", "Harbor View", "100 Harbor Way, San Francisco CA 94107",
    )  # fmt: skip
    assert (maple.id, maple.address) == ("MPL02", "25 Maple Street, Denver CO 80205")
    assert (empty.id, empty.name, empty.address) == ("EMPTY3", "EMPTY3", "")


def test_units_keep_building_and_unit_apart(mock_connector):
    units = mock_connector("mri", answering(ROUTES)).fetch_units("HBV01")
    assert [(u.id, u.name, u.building) for u in units] == [
        ("HBV01/A/101", "101", "A"),
        ("HBV01/B/101", "101", "B"),  # the other building's 101 is another unit
        ("HBV01/A/102", "102", "A"),
    ]


def test_residents_roommates_statuses_and_renewal(mock_connector):
    connector = mock_connector("mri", answering(ROUTES))
    pages = list(connector.fetch_residents(["HBV01"]))
    records = [r for p in pages for r in p.records]
    assert [e for p in pages for e in p.errors] == []
    by_id = {r.external_id: r for r in records}
    assert len(by_id) == len(records)  # one record per person

    ines = by_id["0000000412"]
    assert (ines.role, ines.lifecycle, ines.raw_status) == (
        ResidentRole.PRIMARY, Lifecycle.CURRENT, "Current",
    )  # fmt: skip
    # Her renewal ("New", LeaseID 4) is not a move-in: the lease she lives under stands.
    assert ines.lease_end == date(2025, 4, 30) and ines.lease_id == "HBV01/A/101#3"
    assert ines.email == "ines.ferreira@example.pt" and ines.phone == "+12067248810"
    assert (ines.unit_id, ines.unit_name, ines.move_in) == ("HBV01/A/101", "101", date(2024, 5, 3))

    tomas = by_id["0000000413"]
    assert (tomas.role, tomas.lifecycle, tomas.lease_id) == (
        ResidentRole.ROOMMATE, Lifecycle.CURRENT, ines.lease_id,
    )  # fmt: skip
    assert tomas.email == "" and tomas.phone == ""
    lia = by_id["0000000414"]
    assert (lia.role, lia.lifecycle, lia.raw_status) == (
        ResidentRole.OCCUPANT, Lifecycle.CURRENT, "Other Resident",
    )  # fmt: skip
    rui = by_id["0000000415"]
    assert rui.is_guarantor and not rui.lives_in_unit

    grace = by_id["0000000377"]  # MRI's former resident
    assert (grace.raw_status, grace.lifecycle) == ("Old", Lifecycle.PAST)
    assert grace.move_out == date(2023, 1, 2)  # the vacate date beats the planned one
    assert grace.lease_start == date(2022, 1, 1)  # seven fractional digits are read
    sam = by_id["0000000378"]  # the rest of that household: IsCurrent N and a move-out
    assert (sam.role, sam.lifecycle) == (ResidentRole.OCCUPANT, Lifecycle.PAST)

    kwame = by_id["0000000520"]  # a genuine pending move-in
    assert (kwame.raw_status, kwame.lifecycle, kwame.move_in) == ("New", Lifecycle.FUTURE, None)
    elif_ = by_id["0000000530"]  # notified, planned move-out, not vacated: on notice
    assert (elif_.raw_status, elif_.lifecycle) == ("Current", Lifecycle.NOTICE)
    assert elif_.move_out == date(2025, 7, 15) and elif_.unit_id == "HBV01/B/204"

    # Every ResidentStatus value public samples show is read.
    assert {r.raw_status for r in records} == {"Current", "Co-Resident", "Other Resident", "Old",
                                               "New"}  # fmt: skip
    units = {u.id for u in connector.fetch_units("HBV01")}
    assert {r.unit_id for r in records} - units == {"HBV01/B/204"}  # not in the rent roll sample


def test_an_unknown_status_is_read_from_is_current_and_dates(mock_connector):
    routes = {api: ["resident_lease_details.unknown_status.json"] for api in ROUTES}
    with time_machine.travel(date(2024, 11, 15), tick=False):
        pages = list(mock_connector("mri", answering(routes)).fetch_residents(["HBV01"]))
    assert [e for p in pages for e in p.errors] == []
    by_id = {r.external_id: r for p in pages for r in p.records}
    nora = by_id["0000000601"]  # "Transfer", vacated last year
    assert (nora.lifecycle, nora.status_reading) == (Lifecycle.PAST, StatusReading.INFERRED)
    arun = by_id["0000000602"]  # "Eviction", IsCurrent "Y", no move-out yet
    assert (arun.lifecycle, arun.status_reading) == (Lifecycle.CURRENT, StatusReading.INFERRED)
    assert {r.raw_status for r in by_id.values()} == {"Transfer", "Eviction"}


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("error.unauthorized.http401.json", CredentialRejected),
        ("error.unknown_property.http400.json", PMSPropertyNotFound),
        ("error.rate_limited.http429.json", RateLimited),
    ],
)
def test_errors(mock_connector, sleeps, name, error):
    routes = {api: [name] for api in ROUTES}
    connector = mock_connector("mri", answering(routes))
    with pytest.raises(error) as caught:
        list(connector.fetch_residents(["NOWHERE"]))
    assert "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID" in str(caught.value)
    if error is PMSPropertyNotFound:
        assert caught.value.pms_property_id == "NOWHERE"
    if error is RateLimited:
        assert sleeps.calls and all(wait >= 30 for wait in sleeps.calls)
    else:
        assert sleeps.calls == []


def test_http_200_with_an_error_body_is_an_error(mock_connector, respond):
    body = fixture("error.unknown_property.http400.json")
    connector = mock_connector("mri", respond(body, content_type="application/json"))
    with pytest.raises(PMSPropertyNotFound):
        connector.fetch_units("NOWHERE")


def test_units_fall_back_to_resident_rows_when_the_rent_roll_is_not_enabled(mock_connector):
    refused = b'{"error": {"code": "InvalidApi", "message": "API is not available to this user"}}'

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["$api"] == "MRI_S-PMRM_ResidentialRentRoll":
            return httpx.Response(400, content=refused)
        return httpx.Response(200, content=fixture("resident_lease_details.page3.json"))

    units = mock_connector("mri", handler).fetch_units("HBV01")
    assert [(u.id, u.building) for u in units] == [("HBV01/B/204", "B")]


def test_next_link_to_another_host_is_refused(mock_connector):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"value": [], "nextLink": "https://evil.example/steal"})

    with pytest.raises(MalformedResponse, match="leaves the API"):
        list(mock_connector("mri", handler).fetch_residents(["HBV01"]))


def test_next_link_asking_for_xml_is_followed_as_json(mock_connector):
    # mri_hook's public PendingMoveIns sample: a JSON answer whose nextLink says $format=xml.
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            link = (
                str(request.url.copy_with(params=None))
                + "?%24api=MRI_S-PMRM_ResidentLeaseDetailsByPropertyID&RMPROPID=HBV01"
                + "&%24format=xml&%24top=300&%24skip=301"
            )
            return httpx.Response(200, json={"value": [], "nextLink": link})
        return httpx.Response(200, content=fixture("resident_lease_details.page3.json"))

    pages = list(mock_connector("mri", handler).fetch_residents(["HBV01"]))
    assert seen[1].url.params["$format"] == "json" and seen[1].url.params["$skip"] == "301"
    assert [r.external_id for p in pages for r in p.records] == ["0000000530"]


# -- the simulator speaks the same shapes ---------------------------------------------------


def test_contract_against_simulator(sim_connector, assert_matches_simulator):
    with sim_connector("mri") as connector:
        connector.check_credential()
        assert len(connector.list_properties()) == 3
        assert_matches_simulator("mri", connector)


def test_simulator_units_keep_buildings(sim_connector, sim):
    units = sim_connector("mri").fetch_units("1001")
    truth = sim.state.dataset.units_of("1001")
    assert len(units) == len(truth)
    assert {(u.building, u.name) for u in units} == {
        (t.building, t.name.split("-", 1)[1]) for t in truth
    }
    names = [u.name for u in units]
    assert len(set(names)) < len(names)  # the same number in several buildings, kept apart


def test_simulator_rows_use_only_public_field_names(sim):
    d = demo_fields("mri")
    user = f"{d['client_id']}/{d['database']}/{d['username']}/{d['partner_key']}"
    answer = httpx.get(
        sim.vendor_url("mri") + "/mriapiservices/api.asp",
        params={
            "$api": "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID",
            "$format": "json",
            "RMPROPID": "1001",
            "$top": "5",
        },
        auth=(user, d["password"]),
    ).json()
    public = set(json.loads(fixture("resident_lease_details.page1.json"))["value"][0])
    assert answer["value"] and all(set(row) <= public for row in answer["value"])
    assert "%24skip=5" in answer["nextLink"]


def test_bad_credential_in_simulator(sim, options):
    from integrations.pms import get_connector

    fields = demo_fields("mri") | {"partner_key": "wrong-partner-key"}
    with pytest.raises(CredentialRejected, match="partner key"):
        get_connector(
            "mri", fields, options=options, base_url=sim.vendor_url("mri")
        ).check_credential()


def test_unknown_property(sim_connector):
    with pytest.raises(PMSPropertyNotFound):
        sim_connector("mri").fetch_units("9999")
