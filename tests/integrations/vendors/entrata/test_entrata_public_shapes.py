"""Entrata's client and mapping against the public-shape fixtures
(integrations/vendors/entrata/fixtures/): the calls, parameters and names public sources
show, in their letter case, and what each status means."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
import time_machine

from integrations.pms import (
    CredentialRejected,
    Lifecycle,
    PMSPropertyNotFound,
    ResidentRole,
)
from tests.integrations.vendors.public_shapes import Replay, load, response_of

LEASE_PAGES = ("get_leases_page1.json", "get_leases_page2.json", "get_leases_page3_empty.json")


@pytest.fixture(autouse=True)
def _today():
    """The fixtures' dates are written around this day (a move-in after it is ahead)."""
    with time_machine.travel(date(2025, 10, 1), tick=False):
        yield


def replay(*names: str) -> Replay:
    # requestId is "an arbitrary value to relate with response": it differs by call.
    return Replay([load("entrata", name) for name in names], ignore={"requestId"})


def test_properties_call_and_mapping(mock_connector):
    handler = replay("get_properties.json")
    properties = mock_connector("entrata", handler).list_properties()

    assert handler.done
    assert [(p.id, p.name) for p in properties] == [
        ("100123", "Harborline Flats"),
        ("100456", "Cedar Row Townhomes"),
    ]
    assert properties[0].address == "410 Quay Street, Tacoma WA 98402"
    assert handler.requests[0].url.host == "doorsyncdemo.entrata.com"


def test_units_asked_with_property_ids_and_kept_apart_by_building(mock_connector):
    handler = replay("get_property_units.json")
    units = mock_connector("entrata", handler).fetch_units("100123")

    # The fixture's request body is checked by Replay: params.propertyIds, plural.
    assert handler.done
    assert [(u.id, u.name, u.building) for u in units] == [
        ("5001", "101", "Building A"),
        ("5002", "101", "Building B"),
        ("5003", "102-A", "Building A"),
    ]
    assert {u.pms_property_id for u in units} == {"100123"}
    # No public shape has a floor; none is invented.
    assert {u.floor for u in units} == {None}


def test_one_unit_collapsed_from_a_list_is_still_read(mock_connector):
    doc = load("entrata", "get_property_units.json")
    prop = doc["response"]["body"]["response"]["result"]["properties"]["property"]
    prop["units"]["unit"] = prop["units"]["unit"][0]  # an XML-to-JSON gateway's one-item list
    units = mock_connector("entrata", Replay([doc], ignore={"requestId"})).fetch_units("100123")
    assert [(u.id, u.building) for u in units] == [("5001", "Building A")]


def test_names_are_read_in_entratas_letter_case_only(mock_connector):
    doc = load("entrata", "get_property_units.json")
    prop = doc["response"]["body"]["response"]["result"]["properties"]["property"]
    for unit in prop["units"]["unit"]:
        unit["BuildingName"] = unit.pop("buildingName")
    units = mock_connector("entrata", Replay([doc], ignore={"requestId"})).fetch_units("100123")
    assert {u.building for u in units} == {""}


def test_leases_are_read_page_by_page_until_entrata_has_no_more(mock_connector):
    # Given a server that answers 3 and 4 leases to pages of 500
    handler = replay(*LEASE_PAGES)
    pages = list(mock_connector("entrata", handler).fetch_residents(["100123"]))

    # then the short pages are not taken for the last: the empty third one ends the fetch
    assert handler.done
    assert [r.url.params["page_no"] for r in handler.requests] == ["1", "2", "3"]
    assert [len(p.records) for p in pages] == [6, 6]
    assert [p.errors for p in pages] == [(), ()]


def test_every_status_roommates_and_renewals(mock_connector):
    pages = list(mock_connector("entrata", replay(*LEASE_PAGES)).fetch_residents(["100123"]))
    people = {r.external_id: r for page in pages for r in page.records}
    seen = {
        key: (r.raw_status, r.lifecycle, r.role, r.unit_id, r.lease_id) for key, r in people.items()
    }
    L, R = Lifecycle, ResidentRole
    assert seen == {
        # One lease, four people: the primary, a roommate, a guarantor, and an occupant
        # who left before the lease ended ("Past" on a "Current" lease).
        "7001": ("Current", L.CURRENT, R.PRIMARY, "5001", "920001"),
        "7002": ("Current", L.CURRENT, R.ROOMMATE, "5001", "920001"),
        "7003": ("Current", L.CURRENT, R.GUARANTOR, "5001", "920001"),
        "7004": ("Past", L.PAST, R.OCCUPANT, "5001", "920001"),
        "7010": ("Notice", L.NOTICE, R.PRIMARY, "5002", "920002"),
        "7020": ("Past", L.PAST, R.PRIMARY, "5003", "920003"),
        "7030": ("Future", L.FUTURE, R.PRIMARY, "5003", "920004"),
        "7031": ("Future", L.FUTURE, R.ROOMMATE, "5003", "920004"),
        # A renewal signed ahead of its start: Ola lives there already, so the renewal
        # never reads as a future move-in; Pål joins at the renewal and is Future.
        "7040": ("Future", L.CURRENT, R.PRIMARY, "5001", "920005"),
        "7041": ("Future", L.FUTURE, R.ROOMMATE, "5001", "920005"),
        "7050": ("Applicant", L.APPLICANT, R.PRIMARY, "5002", "920006"),
        "7060": ("Cancelled", L.CANCELLED, R.PRIMARY, "5002", "920007"),
    }


def test_contacts_units_and_dates(mock_connector):
    pages = list(mock_connector("entrata", replay(*LEASE_PAGES)).fetch_residents(["100123"]))
    people = {r.external_id: r for page in pages for r in page.records}

    devon = people["7001"]
    assert (devon.first_name, devon.last_name) == ("Devon", "Price")
    assert devon.email == "devon.price@example.com" and devon.phone == "+13125550143"
    assert (devon.unit_name, devon.pms_property_id) == ("101", "100123")
    assert (devon.lease_start, devon.lease_end) == (date(2024, 8, 14), date(2025, 8, 13))
    assert devon.move_in == date(2024, 8, 14) and devon.move_out is None

    sam = people["7002"]
    assert (sam.email, sam.raw_email) == ("sam.okafor@example.com", "SAM.OKAFOR@Example.com")
    assert sam.phone == "+12065550172"
    assert people["7003"].phone == ""
    assert people["7004"].move_out == date(2025, 1, 31)

    # The mobile number is chosen over the office one listed first.
    ines = people["7010"]
    assert ines.phone == "+12535550111" and ines.move_out == date(2025, 11, 30)

    # The dates are the interval the lease names (leaseIntervalId), not the latest listed
    # nor the Current one.
    ola = people["7040"]
    assert (ola.lease_start, ola.lease_end) == (date(2025, 11, 1), date(2026, 10, 31))
    assert ola.move_in == date(2021, 9, 1)


def test_bad_login(mock_connector):
    with pytest.raises(CredentialRejected) as caught:
        mock_connector("entrata", replay("error_bad_login.json")).check_credential()
    assert str(caught.value) == (
        "Entrata rejected the credential (getProperties) — check the username and password "
        "in Integrations → PMS credentials."
    )
    assert caught.value.detail.startswith("401 ")


def test_unknown_property_names_the_property(mock_connector):
    handler = Replay([load("entrata", "error_unknown_property.json")], ignore={"requestId"})
    with pytest.raises(PMSPropertyNotFound) as caught:
        mock_connector("entrata", handler).fetch_units("999999")
    assert caught.value.pms_property_id == "999999"
    assert "getPropertyUnits" in str(caught.value)


def test_rate_limit_waits_until_entratas_reset_time(mock_connector, sleeps):
    limited = load("entrata", "error_rate_limited.json")
    reset = int(limited["response"]["headers"]["X-RateLimit-Reset"])
    answers = [response_of(limited), response_of(load("entrata", LEASE_PAGES[2]))]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    with time_machine.travel(datetime.fromtimestamp(reset - 42, tz=UTC), tick=False):
        pages = list(mock_connector("entrata", handler).fetch_residents(["100123"]))

    assert pages == [] and answers == []
    assert sleeps.calls == [42.0]
