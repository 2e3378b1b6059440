"""Buildium's client and mapping against the public-shape fixtures
(integrations/vendors/buildium/fixtures/): paths, query parameters, the client id and
secret headers, offset/limit pages checked against X-Total-Count, statuses, and
Buildium's own errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest
import time_machine

from integrations.pms import (
    CredentialRejected,
    Lifecycle,
    MalformedResponse,
    PMSPropertyNotFound,
    ResidentRole,
)
from integrations.pms.pages import PagesDisagree
from integrations.simulator import demo_fields
from tests.integrations.vendors.public_shapes import Replay, load, response_of

FULL_READ = ("tenants.json", "leases_page1.json", "leases_page2.json")


@pytest.fixture(autouse=True)
def _today():
    """The fixtures' dates are written around this day."""
    with time_machine.travel(date(2025, 10, 1), tick=False):
        yield


def replay(*names: str) -> Replay:
    return Replay([load("buildium", name) for name in names])


def people_of(pages):
    return {r.external_id: r for page in pages for r in page.records}


def test_properties_and_the_credential_headers(mock_connector):
    handler = replay("rentals.json")
    properties = mock_connector("buildium", handler).list_properties()
    assert handler.done
    assert [(p.id, p.name, p.address) for p in properties] == [
        ("51", "Linden Row", "200 Linden Row, Austin TX 78701"),
        ("52", "Cedar House", "4 Cedar St, Austin TX 78702"),
    ]
    sent = handler.requests[0].headers
    demo = demo_fields("buildium")
    assert sent["x-buildium-client-id"] == demo["client_id"]
    assert sent["x-buildium-client-secret"] == demo["client_secret"]
    assert "authorization" not in sent


def test_units_keep_two_101s_apart(mock_connector):
    handler = replay("rental_units.json")
    units = mock_connector("buildium", handler).fetch_units("51")
    assert handler.done
    assert [(u.id, u.name, u.building) for u in units] == [
        ("3101", "101", "North"),
        ("3102", "102", "North"),
        ("3201", "101", "South"),
    ]


def test_residents_read_tenants_then_every_page_of_leases(mock_connector):
    handler = replay(*FULL_READ)
    pages = list(mock_connector("buildium", handler).fetch_residents(["51"]))
    assert handler.done  # page 2 asked for at offset 2: the rows received, not the limit
    assert [p.errors for p in pages] == [(), ()]
    L, R = Lifecycle, ResidentRole
    assert {k: (r.raw_status, r.lifecycle, r.role, r.lease_id) for k, r in people_of(pages).items()} == {
        "5001": ("Current", L.CURRENT, R.PRIMARY, "7001"),
        # A move-out recorded for a current tenant: on notice until it is done.
        "5002": ("Current", L.NOTICE, R.ROOMMATE, "7001"),
        # Moved out of a lease that goes on: named by the tenants call, not the lease.
        "5003": ("MovedOut", L.PAST, R.ROOMMATE, "7001"),
        # A cosigner never lives there.
        "cosigner-9001": ("Current", L.CURRENT, R.GUARANTOR, "7001"),
        "5010": ("Current", L.CURRENT, R.PRIMARY, "7002"),
        "5020": ("Future", L.FUTURE, R.PRIMARY, "7003"),
        "5030": ("MovedOut", L.PAST, R.PRIMARY, "7004"),
    }  # fmt: skip


def test_contacts_units_and_dates(mock_connector):
    people = people_of(mock_connector("buildium", replay(*FULL_READ)).fetch_residents(["51"]))
    ines = people["5001"]
    assert (ines.first_name, ines.last_name, ines.email) == (
        "Inés",
        "Carvalho",
        "ines.carvalho@example.com",
    )
    assert ines.phone == "+15125550132"  # the Cell number before Home
    assert (ines.unit_id, ines.unit_name, ines.pms_property_id) == ("3101", "101", "51")
    assert (ines.lease_start, ines.lease_end) == (date(2025, 2, 1), date(2026, 1, 31))
    assert ines.move_in == date(2024, 2, 1) and ines.move_out is None
    assert people["5002"].move_out == date(2025, 11, 30)
    mae = people["5003"]
    assert (mae.email, mae.move_out) == ("mae.okafor@example.com", date(2025, 6, 30))
    assert people["5010"].lease_end is None  # at will


def test_bad_login(mock_connector):
    with pytest.raises(CredentialRejected) as caught:
        mock_connector("buildium", replay("error_bad_login.json")).check_credential()
    assert "client ID and client secret" in str(caught.value)
    assert "buildium-demo-secret" not in str(caught.value)


def test_429_is_retried(mock_connector, sleeps):
    handler = replay("error_rate_limited.json", "rentals.json")
    assert len(mock_connector("buildium", handler).list_properties()) == 2
    assert handler.done and len(sleeps.calls) == 1


def test_an_unknown_property_is_named(mock_connector):
    empty = {"response": {"status": 200, "headers": {"X-Total-Count": "0"}, "body": []}}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/rentals":
            return response_of(load("buildium", "rentals.json"))
        return response_of(empty)

    with pytest.raises(PMSPropertyNotFound) as caught:
        list(mock_connector("buildium", handler).fetch_residents(["77"]))
    assert caught.value.pms_property_id == "77"


def test_a_page_without_its_total_fails_whole(mock_connector):
    doc = load("buildium", "rentals.json")
    doc["response"]["headers"].pop("X-Total-Count")
    with pytest.raises(MalformedResponse, match="X-Total-Count"):
        mock_connector("buildium", Replay([doc])).list_properties()


def test_fewer_rows_than_the_total_fails_whole(mock_connector):
    first = load("buildium", "leases_page1.json")
    short = load("buildium", "leases_page2.json")
    short["response"]["body"] = []
    with pytest.raises(PagesDisagree):
        list(
            mock_connector("buildium", Replay([load("buildium", "tenants.json"), first] + [short] * 3))
            .fetch_residents(["51"])
        )  # fmt: skip


def test_a_truncated_body_is_malformed(mock_connector, respond):
    handler = respond(
        b'[{"Id":51,"Name":"Lin', content_type="application/json", **{"X-Total-Count": "2"}
    )
    with pytest.raises(MalformedResponse):
        mock_connector("buildium", handler).list_properties()


def test_changed_since_reads_changed_leases_and_tenants(mock_connector):
    # Lease 7001 changed; a tenant of it who is not current is fetched on their own.
    handler = replay("leases_changed_since.json", "tenant_one.json", "tenants_changed_since.json")
    client = mock_connector("buildium", handler).client
    pages = list(client.resident_pages_changed_since(["51"], datetime(2025, 9, 20, tzinfo=UTC)))
    assert handler.done
    assert [row["Id"] for page in pages for row in page.rows] == [7001]


def test_targeted_read_of_one_tenant_fetches_their_leases_fresh(mock_connector):
    handler = replay("tenant_one.json", "lease_one.json")
    connector = mock_connector("buildium", handler)
    pages = list(connector.fetch_residents_for(["51"], lease_ids=[], tenant_ids=["5003"]))
    assert handler.done
    assert sorted(people_of(pages)) == ["5001", "5002", "5003", "cosigner-9001"]


def test_a_lease_gone_from_buildium_is_read_as_nothing(mock_connector):
    handler = replay("error_not_found.json")
    pages = list(
        mock_connector("buildium", handler).fetch_residents_for(["51"], lease_ids=["7999"], tenant_ids=[])
    )  # fmt: skip
    assert handler.done and pages == []
