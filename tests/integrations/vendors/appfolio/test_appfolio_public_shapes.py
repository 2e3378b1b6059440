"""AppFolio's client and mapping against the public-shape fixtures
(integrations/vendors/appfolio/fixtures/): report names, filters, snake_case columns,
next_page_url paging, statuses, and AppFolio's own errors."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
import time_machine

from integrations.pms import (
    CredentialRejected,
    Lifecycle,
    PMSPropertyNotFound,
    RateLimited,
    RequestRejected,
    ResidentRole,
)
from tests.integrations.vendors.public_shapes import Replay, load, response_of

TENANT_PAGES = ("tenant_directory_page1.json", "tenant_directory_page2.json")


@pytest.fixture(autouse=True)
def _today():
    """The fixtures' dates are written around this day (a move-in after it is ahead)."""
    with time_machine.travel(date(2025, 10, 1), tick=False):
        yield


def replay(*names: str) -> Replay:
    return Replay([load("appfolio", name) for name in names])


def test_properties_report_and_mapping(mock_connector):
    handler = replay("property_directory.json")
    properties = mock_connector("appfolio", handler).list_properties()
    assert handler.done
    assert [(p.id, p.name, p.address) for p in properties] == [
        ("41", "Pier Street Commons", "12 Pier St, Portland OR 97209"),
        ("42", "Alder Duplex", "7 Alder Ave, Unit A/B, Salem OR 97301"),
    ]


def test_units_report_and_mapping(mock_connector):
    handler = replay("unit_directory.json")
    units = mock_connector("appfolio", handler).fetch_units("41")
    assert handler.done
    # AppFolio names no building: two units "101" stay apart by their ids, and no building
    # or floor is made up.
    assert [(u.id, u.name, u.building, u.floor) for u in units] == [
        ("901", "101", "", None),
        ("902", "102", "", None),
        ("903", "101", "", None),
    ]


def test_tenants_follow_next_page_url_with_a_post(mock_connector):
    handler = replay(*TENANT_PAGES)
    pages = list(mock_connector("appfolio", handler).fetch_residents(["41"]))
    assert handler.done
    # Replay checked the second request: POST of {} to the path next_page_url gave.
    second = handler.requests[1]
    assert second.url.host == handler.requests[0].url.host
    assert [len(p.records) for p in pages] == [4, 3]
    assert [p.errors for p in pages] == [(), ()]


def test_every_status_and_roommates(mock_connector):
    pages = list(mock_connector("appfolio", replay(*TENANT_PAGES)).fetch_residents(["41"]))
    people = {r.external_id: r for page in pages for r in page.records}
    L, R = Lifecycle, ResidentRole
    assert {k: (r.raw_status, r.lifecycle, r.role, r.lease_id) for k, r in people.items()} == {
        # One occupancy: the primary tenant, a second financially responsible tenant and
        # an occupant.
        "6001": ("Current", L.CURRENT, R.PRIMARY, "801"),
        "6002": ("Current", L.CURRENT, R.ROOMMATE, "801"),
        "6003": ("Current", L.CURRENT, R.OCCUPANT, "801"),
        "6010": ("Notice", L.NOTICE, R.PRIMARY, "802"),
        # Still in the unit until the eviction completes.
        "6020": ("Evict", L.NOTICE, R.PRIMARY, "803"),
        "6030": ("Future", L.FUTURE, R.PRIMARY, "804"),
        "6040": ("Past", L.PAST, R.PRIMARY, "805"),
    }


def test_contacts_units_and_dates(mock_connector):
    pages = list(mock_connector("appfolio", replay(*TENANT_PAGES)).fetch_residents(["41"]))
    people = {r.external_id: r for page in pages for r in page.records}

    nora = people["6001"]
    assert (nora.first_name, nora.last_name, nora.email) == (
        "Nora",
        "Quinlan",
        "nora.quinlan@example.com",
    )
    assert nora.phone == "+15035550141"  # the mobile, of "Mobile: …, Home: …"
    assert (nora.unit_id, nora.unit_name, nora.pms_property_id) == ("901", "101", "41")
    assert (nora.lease_start, nora.lease_end) == (date(2025, 2, 1), date(2026, 1, 31))
    assert nora.move_in == date(2024, 2, 1) and nora.move_out is None

    # Two addresses in one "emails" string: the first is used.
    omar = people["6002"]
    assert (omar.email, omar.phone) == ("omar.q@example.com", "+15035550142")
    assert people["6003"].email == "" and people["6003"].phone == ""
    assert people["6010"].move_out == date(2025, 12, 31)


def test_bad_login(mock_connector):
    with pytest.raises(CredentialRejected) as caught:
        mock_connector("appfolio", replay("error_bad_login.json")).check_credential()
    assert "client ID and client secret" in str(caught.value)


def test_report_not_in_the_plan_is_not_a_bad_login(mock_connector):
    with pytest.raises(RequestRejected) as caught:
        mock_connector("appfolio", replay("error_report_not_available.json")).fetch_units("41")
    assert not isinstance(caught.value, CredentialRejected)
    assert "unit_directory.json" in str(caught.value)
    assert "not available to this AppFolio plan" in caught.value.detail


def test_unknown_property_is_told_from_a_property_without_units(mock_connector):
    handler = replay("unknown_property_units.json", "property_directory.json")
    with pytest.raises(PMSPropertyNotFound) as caught:
        mock_connector("appfolio", handler).fetch_units("999")
    assert handler.done and caught.value.pms_property_id == "999"


def test_known_property_without_units_is_empty(mock_connector):
    empty = load("appfolio", "unknown_property_units.json")
    empty["request"]["body"]["properties"]["properties_ids"] = ["42"]
    handler = Replay([empty, load("appfolio", "property_directory.json")])
    assert mock_connector("appfolio", handler).fetch_units("42") == []
    assert handler.done


def test_unknown_property_fails_the_resident_fetch_whole(mock_connector):
    # Given tenants of property 41 and an id AppFolio does not hold
    pages = [load("appfolio", name) for name in TENANT_PAGES]
    pages[0]["request"]["body"]["properties"]["properties_ids"] = ["41", "999"]
    handler = Replay([*pages, load("appfolio", "property_directory.json")])
    with pytest.raises(PMSPropertyNotFound) as caught:
        list(mock_connector("appfolio", handler).fetch_residents(["41", "999"]))
    assert caught.value.pms_property_id == "999"


def test_rate_limit_is_retried_after_what_appfolio_says(mock_connector, sleeps):
    answers = [
        response_of(load("appfolio", "error_rate_limited.json")),
        response_of(load("appfolio", "property_directory.json")),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    assert len(mock_connector("appfolio", handler).list_properties()) == 2
    assert sleeps.calls == [15.0]


def test_rate_limit_longer_than_a_sync_can_wait(mock_connector):
    limited = load("appfolio", "error_rate_limited.json")
    limited["response"]["headers"]["Retry-After"] = "3600"
    with pytest.raises(RateLimited):
        mock_connector("appfolio", lambda request: response_of(limited)).list_properties()
