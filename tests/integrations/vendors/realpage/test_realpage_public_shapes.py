"""RealPage's client and mapping against the public-shape fixtures
(integrations/vendors/realpage/fixtures/): RPX method names, element names in RPX's letter
case, the getunitlist → unitlist fallback, statuses, renewals, and RPX faults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import defusedxml.ElementTree as SafeET
import httpx
import pytest
import time_machine

from integrations.pms import (
    Connector,
    CredentialRejected,
    Lifecycle,
    PMSPropertyNotFound,
    PMSResident,
    ResidentRole,
)
from integrations.pms.soap import local_name
from tests.integrations.vendors.public_shapes import fixture_path

XML = {"Content-Type": "text/xml; charset=utf-8"}
AUTH_VALUES = frozenset({"pmcid", "siteid", "licensekey"})


@pytest.fixture(autouse=True)
def _today():
    """The fixtures' dates are written around this day (a move-in after it is ahead)."""
    with time_machine.travel(date(2025, 10, 1), tick=False):
        yield


def fixture(name: str) -> bytes:
    data = fixture_path("realpage", name).read_bytes()
    assert b"<!--" in data, f"{name} does not say where its shape comes from"
    return data


def shape(xml: bytes) -> list[tuple[str, str]]:
    """(path, text) of every element of a SOAP request, credentials' values left out."""
    found: list[tuple[str, str]] = []

    def walk(element: object, path: str) -> None:
        for child in element:  # type: ignore[attr-defined]
            name = local_name(child.tag)
            here = f"{path}/{name}"
            value = "" if name in AUTH_VALUES else (child.text or "").strip()
            found.append((here, value))
            walk(child, here)

    walk(SafeET.fromstring(xml), "")
    return found


class Gateway:
    """Answers each SOAP call with the next (request fixture, status, answer) after
    checking the client sent the request the fixture shows."""

    def __init__(self, *calls: tuple[str | None, int, bytes]) -> None:
        self.calls = list(calls)
        self.actions: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        expected, status, answer = self.calls.pop(0)
        self.actions.append(request.headers["SOAPAction"])
        if expected is not None:
            assert shape(request.content) == shape(fixture(expected))
        return httpx.Response(status, content=answer, headers=XML)


def call(name: str, status: int = 200, answer: str | None = None) -> tuple[str, int, bytes]:
    return (f"{name}.request.xml", status, fixture(answer or f"{name}.response.xml"))


def test_sites_call_and_mapping(mock_connector):
    gateway = Gateway(call("getsitelist"))
    sites = mock_connector("realpage", gateway).list_properties()
    assert gateway.actions == ['"http://tempuri.org/IRPXService/getsitelist"']
    assert [(s.id, s.name, s.address) for s in sites] == [
        ("5230176", "Meadow Bay", "1200 Meadow Bay Dr, Austin TX 78745"),
        ("5230177", "Juniper Point & Annex", "88 Juniper Pt, Round Rock TX 78664"),
    ]


def test_element_names_are_read_in_rpx_letter_case_only(mock_connector):
    lowered = fixture("getsitelist.response.xml").replace(b"SiteID>", b"siteid>")
    gateway = Gateway(("getsitelist.request.xml", 200, lowered))
    assert mock_connector("realpage", gateway).list_properties() == []


def test_units_from_getunitlist_keep_buildings_apart(mock_connector):
    gateway = Gateway(call("getunitlist"))
    units = mock_connector("realpage", gateway).fetch_units("5230176")
    assert gateway.actions == ['"http://tempuri.org/IRPXService/getunitlist"']
    assert [(u.id, u.name, u.building, u.floor) for u in units] == [
        ("3001", "101", "1", "1"),
        ("3002", "101", "2", "1"),
        ("3003", "214", "2", "2"),
    ]


def test_units_fall_back_to_unitlist_when_the_license_may_not_call_getunitlist(
    mock_connector, sleeps
):
    gateway = Gateway(
        ("getunitlist.request.xml", 500, fixture("fault_not_available.xml")),
        call("unitlist"),
    )
    units = mock_connector("realpage", gateway).fetch_units("5230176")
    assert gateway.actions == [
        '"http://tempuri.org/IRPXService/getunitlist"',
        '"http://tempuri.org/IRPXService/unitlist"',
    ]
    assert [(u.id, u.name, u.building, u.floor) for u in units] == [
        ("3001", "101", "Building 1", "1"),
        ("3002", "101", "Building 2", "1"),
    ]
    assert sleeps.calls == []  # a refusal is not retried


def residents(
    mock_connector: Callable[..., Connector], answer: bytes | None = None
) -> dict[str, PMSResident]:
    gateway = Gateway(
        ("getresidentlist.request.xml", 200, answer or fixture("getresidentlist.response.xml"))
    )
    pages = list(mock_connector("realpage", gateway).fetch_residents(["5230176"]))
    assert [p.errors for p in pages] == [()]
    return {r.external_id: r for page in pages for r in page.records}


def test_every_status_and_household_members(mock_connector):
    people = residents(mock_connector)
    L, R = Lifecycle, ResidentRole
    assert {k: (r.raw_status, r.lifecycle, r.role, r.lease_id) for k, r in people.items()} == {
        # A household: head, co-head and guarantor. Its renewal row ("Future Lease") is
        # folded into the head's current row: she lives there, it is no move-in.
        "41001:1": ("Current", L.CURRENT, R.PRIMARY, "61001"),
        "41001:2": ("Current", L.CURRENT, R.ROOMMATE, "61001"),
        "41001:3": ("Current", L.CURRENT, R.GUARANTOR, "61001"),
        # OneSite has no notice status: Current with a notice given date is on notice.
        "41002:1": ("Current", L.NOTICE, R.PRIMARY, "61002"),
        "41003:1": ("Applicant - Lease Signed", L.FUTURE, R.PRIMARY, "61003"),
        "41004:1": ("Applicant", L.APPLICANT, R.PRIMARY, "41004"),
        "41005:1": ("Former", L.PAST, R.PRIMARY, "61005"),
        "41006:1": ("Former Applicant", L.CANCELLED, R.PRIMARY, "41006"),
    }


def test_contacts_units_and_dates(mock_connector):
    people = residents(mock_connector)
    alma = people["41001:1"]
    assert (alma.first_name, alma.last_name, alma.email) == (
        "Alma",
        "Reyes",
        "alma.reyes@example.com",
    )
    assert alma.phone == "+15125550101"
    assert (alma.unit_id, alma.unit_name) == ("3001", "101")
    # The current lease's dates, not the renewal's.
    assert (alma.lease_start, alma.lease_end) == (date(2025, 3, 1), date(2026, 2, 28))
    beto = people["41001:2"]
    assert (beto.email, beto.phone) == ("beto.reyes@example.com", "+15125550102")
    dev = people["41002:1"]
    assert dev.move_out == date(2025, 12, 15)


def test_a_future_lease_alone_is_a_future_resident(mock_connector):
    # Given only a "Future Lease" row of someone with no current row, moving in ahead
    answer = fixture("getresidentlist.response.xml")
    start = answer.index(b"<resident><reshid>41001</reshid><resmid>1</resmid>")
    end = answer.index(b"</resident>", start) + len(b"</resident>")
    renewal = answer.index(b"<leasestatus>Future Lease</leasestatus>")
    row_start = answer.rindex(b"<resident>", 0, renewal)
    row = answer[row_start:renewal].replace(
        b"<moveindate>2023-03-01T00:00:00</moveindate>",
        b"<moveindate>2026-03-01T00:00:00</moveindate>",
    )
    answer = answer[:row_start] + row + answer[renewal:]
    people = residents(mock_connector, answer[:start] + answer[end:])
    alma = people["41001:1"]
    assert (alma.raw_status, alma.lifecycle) == ("Future Lease", Lifecycle.FUTURE)
    assert (alma.lease_start, alma.move_in) == (date(2026, 3, 1), date(2026, 3, 1))


def test_bad_license(mock_connector, sleeps):
    gateway = Gateway(("getsitelist.request.xml", 500, fixture("fault_bad_license.xml")))
    with pytest.raises(CredentialRejected) as caught:
        mock_connector("realpage", gateway).check_credential()
    assert "check the PMC ID and license key" in str(caught.value)
    assert sleeps.calls == []


def test_unknown_site_names_the_site(mock_connector):
    gateway = Gateway((None, 500, fixture("fault_unknown_site.xml")))
    with pytest.raises(PMSPropertyNotFound) as caught:
        list(mock_connector("realpage", gateway).fetch_residents(["9999999"]))
    assert caught.value.pms_property_id == "9999999"
    assert "Invalid site id" in caught.value.detail


def test_busy_gateway_is_retried(mock_connector, sleeps):
    busy = fixture_path("realpage", "busy_503.html").read_bytes()
    gateway = Gateway((None, 503, busy), call("getsitelist"))
    assert len(mock_connector("realpage", gateway).list_properties()) == 2
    assert len(sleeps.calls) == 1
