"""MRI's changed-since call (ResidentLeaseDetailsByPropertyID with LastUpdateDate): the
request mri_hook shows, rows mapped with their LastUpdateDate, and the simulator's filter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from integrations.pms import Lifecycle
from integrations.vendors.mri.client import last_update_date
from integrations.vendors.mri.mapping import last_update
from tests.integrations.vendors.mri.test_mri import answering

API = "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID"
CURSOR = datetime(2025, 6, 10, 9, 30, tzinfo=UTC)


def test_the_request_is_the_public_one_and_rows_map(mock_connector):
    handler = answering({API: ["resident_lease_details.changed_since.page1.json"]})
    with time_machine.travel(date(2025, 6, 10), tick=False):
        pages = list(mock_connector("mri", handler).fetch_residents_changed_since(
            ["HBV01"], CURSOR))  # fmt: skip
    (request,) = handler.seen  # type: ignore[attr-defined]
    assert dict(request.url.params) == {
        "$api": API, "$format": "json", "RMPROPID": "HBV01",
        "LastUpdateDate": "2025-06-09", "$top": "300",
    }  # fmt: skip
    by_id = {r.external_id: r for page in pages for r in page.records}
    priya = by_id["0000000512"]
    assert (priya.lifecycle, priya.move_out) == (Lifecycle.PAST, date(2025, 6, 9))
    # LastUpdateDate has no offset: read as the earliest instant it can be (UTC+14).
    assert priya.modified_at == datetime(2025, 6, 9, 2, 5, tzinfo=UTC)
    assert by_id["0000000530"].modified_at == datetime(2025, 6, 9, 18, 0, tzinfo=UTC)


def test_last_update_is_never_later_than_the_real_instant():
    row = {"LastUpdateDate": "2020-02-25T19:46:00"}
    read = last_update(row)
    assert read is not None
    for offset in range(-12, 15):
        real = datetime(2020, 2, 25, 19, 46, tzinfo=UTC) - timedelta(hours=offset)
        assert read <= real
    assert last_update({"LastUpdateDate": "2020-02-25T19:46:00+01:00"}) == datetime(
        2020, 2, 25, 18, 46, tzinfo=UTC
    )
    assert last_update({"LastUpdateDate": "not a date"}) is None
    assert last_update({}) is None


def test_last_update_date_is_the_day_in_any_zone():
    assert last_update_date(CURSOR) == "2025-06-09"
    assert last_update_date(datetime(2025, 6, 10, 23, 0, tzinfo=UTC)) == "2025-06-10"


def test_the_simulator_filters_by_last_update_date(sim_edits, sim_connector):
    dataset = sim_edits.state.dataset
    base = datetime(2031, 1, 10, 18, 0, tzinfo=UTC)  # after every seeded stamp
    person = next(r for r in dataset.residents_of("1001") if r.lifecycle is Lifecycle.CURRENT)
    dataset.update(person.id, {"mobile": "(415) 555-0100"}, at=base)
    connector = sim_connector("mri")
    found = {r.external_id: r for page in connector.fetch_residents_changed_since(
        ["1001"], base) for r in page.records}  # fmt: skip
    assert set(found) == {f"{person.id:010d}"}
    assert found[f"{person.id:010d}"].modified_at is not None
    assert found[f"{person.id:010d}"].modified_at <= base
    assert [p for p in connector.fetch_residents_changed_since(
        ["1001"], base + timedelta(days=2))] == []  # fmt: skip
