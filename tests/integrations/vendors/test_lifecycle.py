"""The shared status rules (pms/lifecycle.py): an unknown status never drops a record,
the vendor's other signals decide where unambiguous, and a renewal or an old lease of
someone living there never interrupts their access."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
from hypothesis import given
from hypothesis import strategies as st

from integrations.pms.lifecycle import (
    LIVING,
    Signals,
    inferred_lifecycle,
    settled,
    status_lifecycle,
)
from integrations.pms.mapping import VocabularyTable
from integrations.pms.types import Lifecycle, StatusReading
from integrations.vendors.mri.mapping import map_resident as map_mri

TODAY = date(2026, 6, 15)
DAY = timedelta(days=1)
TABLE = VocabularyTable(
    "Acme", "status", {"Current": Lifecycle.CURRENT, "Future": Lifecycle.FUTURE}
)


def test_a_past_move_out_under_an_unknown_status_is_past():
    lifecycle, reading = status_lifecycle(TABLE, "Old", Signals(move_out=TODAY - DAY), today=TODAY)
    assert (lifecycle, reading) == (Lifecycle.PAST, StatusReading.INFERRED)


def test_the_move_out_day_itself_still_counts_as_living():
    assert inferred_lifecycle(Signals(move_out=TODAY), TODAY) is None
    assert inferred_lifecycle(Signals(move_out=TODAY, current=True), TODAY) is Lifecycle.NOTICE


def test_a_current_flag_decides_and_a_future_move_in_decides():
    assert inferred_lifecycle(Signals(current=True), TODAY) is Lifecycle.CURRENT
    assert (
        inferred_lifecycle(Signals(current=True, move_out=TODAY + DAY), TODAY) is Lifecycle.NOTICE
    )
    assert inferred_lifecycle(Signals(move_in=TODAY + DAY), TODAY) is Lifecycle.FUTURE


def test_nothing_unambiguous_leaves_it_undecided_never_dropped_and_never_living():
    for signals in (Signals(), Signals(move_in=TODAY - DAY), Signals(current=False)):
        lifecycle, reading = status_lifecycle(TABLE, "Sublet Pending", signals, today=TODAY)
        assert reading is StatusReading.UNDECIDED
        assert lifecycle not in LIVING and lifecycle is not Lifecycle.PAST


def test_a_renewal_of_someone_living_there_is_current_not_a_future_move_in():
    # A future lease whose person moved in already (the renewal of their current lease)
    assert settled(Lifecycle.FUTURE, Signals(move_in=TODAY - DAY * 300), TODAY) is Lifecycle.CURRENT
    # A renewal the vendor marks as such, with only the new lease's dates
    assert settled(Lifecycle.FUTURE, Signals(renewal=True), TODAY) is Lifecycle.CURRENT
    # A real future move-in stays future; someone who moved out is not revived
    assert settled(Lifecycle.FUTURE, Signals(move_in=TODAY + DAY), TODAY) is Lifecycle.FUTURE
    assert (
        settled(Lifecycle.FUTURE, Signals(renewal=True, move_out=TODAY - DAY), TODAY)
        is Lifecycle.FUTURE
    )


@given(
    known=st.sampled_from(list(Lifecycle)),
    move_in=st.none() | st.integers(-400, 400),
    move_out=st.none() | st.integers(-400, 400),
    current=st.sampled_from([None, True, False]),
    renewal=st.booleans(),
)
def test_the_rules_never_turn_a_known_non_future_status_into_another(
    known, move_in, move_out, current, renewal
):
    signals = Signals(
        move_in=None if move_in is None else TODAY + DAY * move_in,
        move_out=None if move_out is None else TODAY + DAY * move_out,
        current=current,
        renewal=renewal,
    )
    result = settled(known, signals, TODAY)
    if known is not Lifecycle.FUTURE:
        assert result is known
    else:
        assert result in (Lifecycle.FUTURE, Lifecycle.CURRENT)


def test_mri_old_with_a_vacate_date_is_a_past_record_carrying_its_status():
    row = {
        "ResidentNameID": "88", "PropertyID": "HBV01", "BuildingID": "A", "UnitID": "101",
        "LeaseID": "7", "ResidentType": "Primary", "FirstName": "Ola", "LastName": "Old",
        "ResidentStatus": "Old", "IsCurrent": "N",
        "OccupyDate": "2019-01-01T00:00:00", "ResidentVacateDate": "2021-03-31T00:00:00",
    }  # fmt: skip
    (record,), errors = map_mri(row, "HBV01")
    assert errors == []
    assert record.raw_status == "Old"
    assert record.lifecycle is Lifecycle.PAST
    assert record.status_reading is StatusReading.INFERRED


def test_a_renewal_listed_after_the_current_lease_does_not_replace_it(mock_connector):
    """Entrata lists the same customer on their current lease and on the renewal; whatever
    the order, the fetch says they live there."""

    def lease(lease_id: int, status: str, start: str) -> dict:
        return {
            "id": lease_id, "leaseIntervalStatus": status, "unitId": 5,
            "customers": {"customer": [{"id": 42, "customerType": "Primary", "firstName": "Rita",
                                        "moveInDate": ""}]},
            "leaseIntervals": {"leaseInterval": [{"startDate": start, "endDate": "",
                                                  "leaseIntervalStatusTypeName": status}]},
        }  # fmt: skip

    future_start = (date.today() + DAY * 40).strftime("%m/%d/%Y")
    for order in (("Current", "Future"), ("Future", "Current")):
        leases = [lease(n, status, future_start if status == "Future" else "01/01/2024")
                  for n, status in enumerate(order, 1)]  # fmt: skip

        def handler(request: httpx.Request, leases=leases) -> httpx.Response:
            if request.url.params["page_no"] != "1":
                result = "No records found with mentioned preferences."
            else:
                result = {"leases": {"lease": leases}}
            return httpx.Response(
                200, content=json.dumps({"response": {"code": 200, "result": result}})
            )

        pages = list(mock_connector("entrata", handler).fetch_residents(["300"]))
        last = {r.external_id: r for page in pages for r in page.records}
        # The sync keeps the last record of a person: it must be the living one.
        assert last["42"].lifecycle is Lifecycle.CURRENT, order
