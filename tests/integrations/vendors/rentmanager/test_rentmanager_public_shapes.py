"""Rent Manager's client and mapping against the public-shape fixtures
(integrations/vendors/rentmanager/fixtures/): the login and its token, filters, embeds and
numbered pages, PascalCase members, statuses, and Rent Manager's own errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
from integrations.vendors.rentmanager.client import LoginRefused
from tests.integrations.vendors.public_shapes import Replay, load

LOGIN = "authorize_user.json"
TENANT_PAGES = ("tenants_page1.json", "tenants_page2.json")


@pytest.fixture(autouse=True)
def _today():
    """The fixtures' dates are written around this day (a move-out after it is ahead)."""
    with time_machine.travel(date(2025, 10, 1), tick=False):
        yield


def replay(*names: str) -> Replay:
    return Replay([load("rentmanager", name) for name in names])


def test_login_then_properties_with_the_token(mock_connector):
    handler = replay(LOGIN, "properties.json")
    properties = mock_connector("rentmanager", handler).list_properties()
    assert handler.done
    token = load("rentmanager", LOGIN)["response"]["body"].strip('"')
    data_call = handler.requests[1]
    assert data_call.headers["X-RM12Api-ApiToken"] == token
    assert data_call.headers["X-RM12Api-LocationID"] == "1"
    assert "X-RM12Api-PartnerToken" not in data_call.headers
    assert data_call.url.host == "doorsyncdemo.api.rentmanager.com"
    assert [(p.id, p.name, p.address) for p in properties] == [
        ("3", "Lakeside Commons", "1200 Shore Drive, Madison WI 53703"),
        ("12", "Cedar Row Townhomes", ""),
    ]


def test_units(mock_connector):
    handler = replay(LOGIN, "units.json")
    units = mock_connector("rentmanager", handler).fetch_units("3")
    assert handler.done
    assert [(u.id, u.name, u.pms_property_id, u.building) for u in units] == [
        ("301", "101", "3", ""), ("302", "102", "3", ""), ("315", "2B", "3", ""),
    ]  # fmt: skip


def test_tenants_over_numbered_pages_to_the_announced_total(mock_connector):
    handler = replay(LOGIN, *TENANT_PAGES)
    connector = mock_connector("rentmanager", handler)
    connector.client.page_size = 2
    pages = list(connector.fetch_residents(["3"]))
    assert handler.done
    assert [len(p.records) for p in pages] == [2, 2] and all(not p.errors for p in pages)
    by_id = {r.external_id: r for p in pages for r in p.records}
    assert {i: (r.raw_status, r.lifecycle) for i, r in by_id.items()} == {
        "920": ("Current", Lifecycle.CURRENT),
        # Current, with a notice date and a move-out ahead: on notice.
        "921": ("Current", Lifecycle.NOTICE),
        "877": ("Past", Lifecycle.PAST),
        "933": ("Future", Lifecycle.FUTURE),
    }
    assert {r.role for r in by_id.values()} == {ResidentRole.PRIMARY}


def test_contacts_units_and_dates(mock_connector):
    handler = replay(LOGIN, *TENANT_PAGES)
    connector = mock_connector("rentmanager", handler)
    connector.client.page_size = 2
    by_id = {r.external_id: r for p in connector.fetch_residents(["3"]) for r in p.records}
    ana, ben, chloe, dev = by_id["920"], by_id["921"], by_id["877"], by_id["933"]
    # The Cell number is preferred over the primary Home one.
    assert (ana.email, ana.phone) == ("ana.okafor@example.com", "+16085550199")
    assert (ana.unit_id, ana.unit_name, ana.lease_id) == ("301", "101", "1501")
    assert (ana.lease_start, ana.lease_end, ana.move_in, ana.move_out) == (
        date(2025, 8, 1), date(2026, 7, 31), date(2024, 8, 1), None,
    )  # fmt: skip
    assert (ben.email, ben.raw_email) == ("ben.schultz@example.net", "Ben.Schultz@Example.NET")
    assert ben.move_out == date(2025, 10, 31)
    # A transfer: the lease with the latest move-in says where Chloé was.
    assert (chloe.unit_id, chloe.move_out, chloe.email, chloe.raw_email) == (
        "315", date(2025, 1, 31), "", "n/a",
    )  # fmt: skip
    assert (dev.move_in, dev.lease_start, dev.phone) == (None, date(2025, 11, 1), "+16085550188")


def test_nothing_found_is_204_and_the_property_is_checked(mock_connector):
    handler = replay(LOGIN, "tenants_none.json", "properties.json")
    pages = list(mock_connector("rentmanager", handler).fetch_residents(["12"]))
    assert handler.done and pages == []


def test_a_property_rent_manager_does_not_list_fails_the_fetch(mock_connector):
    doc = load("rentmanager", "tenants_none.json")
    doc["request"]["query"]["filters"] = "PropertyID,eq,77"
    handler = Replay([load("rentmanager", LOGIN), doc, load("rentmanager", "properties.json")])
    with pytest.raises(PMSPropertyNotFound) as caught:
        list(mock_connector("rentmanager", handler).fetch_residents(["77"]))
    assert caught.value.pms_property_id == "77" and "77" in str(caught.value)


def test_a_refused_login_says_the_login_was_refused(mock_connector, sleeps):
    handler = replay("authorize_user_refused.json")
    with pytest.raises(LoginRefused) as caught:
        mock_connector("rentmanager", handler).check_credential()
    message = str(caught.value)
    assert message.startswith(
        "Rent Manager rejected the credential: it refused the login (Authentication/AuthorizeUser"
    )
    assert "Invalid Username, Password or Location." in message
    assert "user name, password and location ID" in message
    assert isinstance(caught.value, CredentialRejected) and sleeps.calls == []


def test_a_forced_password_reset_is_a_refused_login_not_an_outage(mock_connector, sleeps):
    handler = replay("authorize_user_password_reset.json")
    with pytest.raises(LoginRefused) as caught:
        mock_connector("rentmanager", handler).check_credential()
    assert "A password reset is required" in str(caught.value)
    # HTTP 500, but no retry: waiting does not reset a password.
    assert sleeps.calls == [] and handler.done


def test_a_refused_token_logs_in_once_more_then_gives_up(mock_connector):
    handler = replay(LOGIN, "error_token_invalid.json", LOGIN, "error_token_invalid.json")
    connector = mock_connector("rentmanager", handler)
    with pytest.raises(CredentialRejected) as caught:
        list(connector.fetch_residents(["3"]))
    assert handler.done and connector.client.logins == 2
    assert not isinstance(caught.value, LoginRefused)
    assert "Rent Manager rejected the credential (Tenants)" in str(caught.value)
    assert "The ApiToken could not be validated." in caught.value.detail


def test_a_token_expired_mid_fetch_is_renewed_once(mock_connector):
    expired = load("rentmanager", "error_token_invalid.json")
    expired["request"]["query"]["pagesize"] = "2"
    expired["request"]["query"]["pagenumber"] = "2"
    handler = Replay(
        [load("rentmanager", n) for n in (LOGIN, TENANT_PAGES[0])]
        + [expired]
        + [load("rentmanager", n) for n in (LOGIN, TENANT_PAGES[1])]
    )
    connector = mock_connector("rentmanager", handler)
    connector.client.page_size = 2
    records = [r for p in connector.fetch_residents(["3"]) for r in p.records]
    assert handler.done and len(records) == 4 and connector.client.logins == 2


def test_rate_limit_waits_for_the_reset_rent_manager_announces(mock_connector, sleeps):
    limited = load("rentmanager", "error_rate_limited.json")
    handler = Replay([load("rentmanager", LOGIN), limited, load("rentmanager", "properties.json")])
    with time_machine.travel(datetime(2025, 10, 10, 12, 0, 15, tzinfo=UTC), tick=False):
        assert mock_connector("rentmanager", handler).list_properties()
    assert handler.done and sleeps.calls == [45.0]


def test_rate_limit_exhausted_is_rate_limited(mock_connector):
    limited = load("rentmanager", "error_rate_limited.json")
    handler = Replay([load("rentmanager", LOGIN)] + [limited] * 4)
    moment = datetime(2025, 10, 10, 12, 0, 15, tzinfo=UTC)
    with time_machine.travel(moment, tick=False), pytest.raises(RateLimited) as caught:
        mock_connector("rentmanager", handler).list_properties()
    assert caught.value.retry_after == 45.0


def test_a_refused_filter_names_rent_managers_words(mock_connector):
    handler = replay(LOGIN, "error_bad_filter.json")
    with pytest.raises(RequestRejected) as caught:
        mock_connector("rentmanager", handler).fetch_units("3")
    assert "Field is not available for filtering" in str(caught.value)


def test_changed_since_reads_changed_tenants_and_tenants_of_changed_leases(mock_connector):
    handler = replay(LOGIN, "tenants_changed_since.json", "leases_changed_since.json",
                     "tenants_by_id.json")  # fmt: skip
    connector = mock_connector("rentmanager", handler)
    since = datetime(2025, 9, 29, 12, 0, tzinfo=UTC)
    pages = list(connector.client.resident_pages_changed_since(["3"], since))
    assert handler.done
    assert [[row["TenantID"] for row in page.rows] for page in pages] == [[920, 933], [921]]
    assert {page.pms_property_id for page in pages} == {"3"}
