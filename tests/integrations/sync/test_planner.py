"""`record_plan()`, User Sync's planner, record by record — no database.

Each test gives the stored state, the PMS record and the batch's lookups, and reads
the typed plan: the resident's change, the alert to open or close, the PMS record
row, the run's outcome, the access transition. (No django_db mark: any query fails.)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from integrations.models import Outcome, SyncAlert
from integrations.pms.types import Lifecycle, PMSResident
from integrations.sync.planner import (
    BatchLookups,
    PlanContext,
    RecordPlan,
    ResidentState,
    Stored,
    record_plan,
)
from integrations.sync.rules import person_lifecycle
from integrations.sync.unit_sync import UnitContext
from integrations.sync.values import ResidentValues, resident_from_pms
from tests.integrations.sync.fake_pms import pms_resident

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
TODAY = date(2026, 3, 1)
ANA_ID = 41
# PMS units 12B and 14C are mapped to units 512 and 514; 15D is listed but not mapped.
UNITS = UnitContext(
    enabled=True,
    mapped={"P12B": 512, "P14C": 514},
    labels={"P12B": "A 12B", "P14C": "A 14C", "P15D": "A 15D"},
)


def ctx(**changes: object) -> PlanContext:
    base = PlanContext(run_id=7, now=NOW, today=TODAY, excluded=frozenset(), units=UNITS)
    return replace(base, **changes)  # type: ignore[arg-type]


def record(**changes: object) -> PMSResident:
    values: dict = {"unit_id": "P12B", "unit_name": "12B", **changes}
    return pms_resident("R1", **values)


def ana(record_: PMSResident, **changes: object) -> ResidentState:
    """Ana as the sync left her after applying ``record_`` (in unit 512, Current)."""
    values = resident_from_pms(record_, lifecycle=record_.lifecycle.value, now=NOW).values
    return ResidentState(ANA_ID, replace(values, unit_id=512, **changes))  # type: ignore[arg-type]


def stored(**changes: object) -> Stored:
    base = Stored(record_id=9, data_hash="old", outcome=Outcome.UNCHANGED,
                  resident_id=ANA_ID, gone=False, lifecycle="current", pms_unit_id="P12B")  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def plan(rec: PMSResident, *, stored_: Stored | None, lookups: BatchLookups | None = None,
         context: PlanContext | None = None) -> RecordPlan:  # fmt: skip
    return record_plan(
        rec,
        digest="new",
        lifecycle=person_lifecycle(rec, TODAY).value,
        stored=stored_,
        lookups=lookups or BatchLookups(),
        ctx=context or ctx(),
    )


def linked(rec: PMSResident, resident: ResidentState, **lookups: object) -> BatchLookups:
    return BatchLookups(residents={ANA_ID: resident}, **lookups)  # type: ignore[arg-type]


# --- new records ----------------------------------------------------------------------


def test_a_new_record_plans_a_resident_in_its_mapped_unit_and_a_move_in():
    p = plan(record(), stored_=None)

    assert (p.outcome, p.detail, p.report, p.creates) == (Outcome.CREATED, "", True, True)
    assert p.resident is not None
    values = p.resident.values
    assert (values.first_name, values.email, values.status, values.unit_id) == (
        "Ana", "ana.abara@example.com", "current", 512)  # fmt: skip
    assert p.row.resident_id is None  # the writer fills in the new id
    assert (p.row.lifecycle, p.row.pms_unit_id, p.row.data_hash) == ("current", "P12B", "new")
    assert p.transition is not None
    t = p.transition.transition
    assert (t.previous_lifecycle, t.lifecycle, t.unit_id, p.transition.resident_is_new) == (
        None, "current", 512, True)  # fmt: skip
    assert p.transition.key.startswith("R1|None>current|None>512|run 7|new")
    assert p.occupancy_units == {512}


def test_a_new_record_in_an_unmapped_pms_unit_is_created_without_a_unit_and_says_why():
    p = plan(record(unit_id="P15D", unit_name="15D"), stored_=None)

    assert p.resident is not None and p.resident.values.unit_id is None
    assert (
        p.detail == "PMS unit A 15D is not mapped, so no unit was assigned (map it in Unit Mapping)"
    )


def test_a_roommate_whose_own_move_out_passed_is_not_created():
    rec = record(move_out=TODAY - timedelta(days=1))

    p = plan(rec, stored_=None)

    assert p.outcome == Outcome.SKIPPED_LIFECYCLE
    assert p.resident is None and p.transition is None
    assert p.detail == "their own move-out date 2026-02-28 has passed (the lease is “Current”)"
    assert p.row.lifecycle == "past"


# --- linked records -------------------------------------------------------------------


def test_an_unchanged_linked_record_plans_nothing_to_write_but_its_row():
    rec = record()

    p = plan(rec, stored_=stored(), lookups=linked(rec, ana(rec)))

    assert (p.outcome, p.report, p.transition) == (Outcome.UNCHANGED, False, None)
    assert p.resident is not None and p.resident.changed == ()


def test_a_changed_phone_is_an_update_naming_the_field():
    rec = record()

    p = plan(record(phone="+14155550199"), stored_=stored(), lookups=linked(rec, ana(rec)))

    assert (p.outcome, p.detail, p.report) == (Outcome.UPDATED, "phone", True)
    assert p.resident is not None and p.resident.changed == ("phone",)
    assert p.resident.values.phone == "+14155550199"


def test_a_unit_change_in_the_pms_moves_the_resident_and_swaps_unit_keys():
    rec = record()

    p = plan(
        record(unit_id="P14C", unit_name="14C"), stored_=stored(), lookups=linked(rec, ana(rec))
    )

    assert p.resident is not None and p.resident.values.unit_id == 514
    assert p.detail == "unit"
    assert p.transition is not None
    t = p.transition.transition
    assert (t.previous_lifecycle, t.lifecycle, t.previous_unit_id, t.unit_id) == (
        "current", "current", 512, 514)  # fmt: skip
    assert p.occupancy_units == {512, 514}


def test_a_managers_status_override_stands_while_the_pms_lifecycle_is_unchanged():
    rec = record()

    p = plan(rec, stored_=stored(), lookups=linked(rec, ana(rec, status="past",
                                                           status_source="manual")))  # fmt: skip

    assert p.resident is not None and p.resident.values.status == "past"
    assert p.transition is None


def test_a_roommates_own_move_out_makes_them_past_with_the_reason():
    rec = record()

    p = plan(record(move_out=TODAY - timedelta(days=2)), stored_=stored(),
             lookups=linked(rec, ana(rec)))  # fmt: skip

    assert p.resident is not None and p.resident.values.status == "past"
    assert p.resident.status_changed
    assert p.status_reason == (
        "their own PMS move-out date 2026-02-27 has passed (the lease is “Current”)"
    )
    assert p.transition is not None
    assert (p.transition.transition.previous_lifecycle, p.transition.transition.lifecycle) == (
        "current", "past")  # fmt: skip
    assert p.row.lifecycle == "past"


# --- holds ------------------------------------------------------------------------------


def test_an_email_mismatch_holds_everything_and_keeps_the_applied_lifecycle_and_unit():
    rec = record()
    moved = record(email="ana.new@example.com", unit_id="P14C", unit_name="14C",
                   lifecycle=Lifecycle.NOTICE)  # fmt: skip

    p = plan(moved, stored_=stored(), lookups=linked(rec, ana(rec)))

    assert p.outcome == Outcome.EMAIL_MISMATCH
    assert p.resident is None and p.transition is None
    # The row keeps what was last applied: released, the hold's changes are seen
    assert (p.row.lifecycle, p.row.pms_unit_id, p.row.resident_id) == ("current", "P12B", ANA_ID)
    assert p.alerts.open is not None
    assert (p.alerts.open.kind, p.alerts.open.resident_id, p.alerts.open.refresh_id) == (
        SyncAlert.Kind.EMAIL_MISMATCH, ANA_ID, None)  # fmt: skip
    assert p.alerts.open.pms_data["lifecycle"] == "notice"


def test_a_released_hold_applies_the_unit_it_kept_back():
    # Given the held row above, the manager kept our email
    rec = record()
    moved = record(email="ana.new@example.com", unit_id="P14C", unit_name="14C")
    kept = linked(rec, ana(rec), kept={"R1": {"ana.new@example.com"}})

    p = plan(moved, stored_=stored(data_hash="", outcome=Outcome.EMAIL_MISMATCH), lookups=kept)

    assert p.outcome == Outcome.UPDATED
    assert p.resident is not None
    assert (p.resident.values.unit_id, p.resident.values.email) == (514, "ana.abara@example.com")
    assert p.transition is not None
    assert (p.transition.transition.previous_unit_id, p.transition.transition.unit_id) == (512, 514)


def test_an_open_alert_is_refreshed_and_one_whose_reason_went_away_is_closed():
    rec = record()
    changed_email = record(email="ana.new@example.com")
    open_alerts = {"R1": {SyncAlert.Kind.EMAIL_MISMATCH: 301, SyncAlert.Kind.DUPLICATE: 302}}

    p = plan(changed_email, stored_=stored(),
             lookups=linked(rec, ana(rec), open_alerts=open_alerts))  # fmt: skip

    assert p.alerts.open is not None and p.alerts.open.refresh_id == 301
    assert p.alerts.close_ids == (302,)
    # And the PMS reverting the email closes the mismatch and updates as usual
    reverted = plan(rec, stored_=stored(), lookups=linked(rec, ana(rec), open_alerts=open_alerts))
    assert reverted.alerts.open is None
    assert set(reverted.alerts.close_ids) == {301, 302}


def test_a_second_claimant_of_an_email_is_a_duplicate_naming_its_owner():
    p = plan(record(), stored_=None, context=ctx(owners={"R1": "R0"}))

    assert p.outcome == Outcome.DUPLICATE
    assert p.alerts.open is not None
    assert (p.alerts.open.kind, p.alerts.open.owner_external_id) == (
        SyncAlert.Kind.DUPLICATE, "R0")  # fmt: skip
    assert p.row.resident_id is None


def test_a_held_record_held_again_for_the_same_reason_adds_no_outcome_row():
    p = plan(record(), stored_=stored(resident_id=None, outcome=Outcome.DUPLICATE),
             context=ctx(owners={"R1": "R0"}))  # fmt: skip

    assert (p.outcome, p.report) == (Outcome.DUPLICATE, False)


# --- a person's own lifecycle -------------------------------------------------------------

LIVING = (Lifecycle.CURRENT, Lifecycle.NOTICE)
dates = st.one_of(st.none(), st.dates(TODAY - timedelta(days=60), TODAY + timedelta(days=60)))


@given(lifecycle=st.sampled_from(list(Lifecycle)), move_in=dates, move_out=dates)
def test_own_dates_never_give_access_the_lease_does_not_nor_past_a_move_out(
    lifecycle, move_in, move_out
):
    rec = record(lifecycle=lifecycle, move_in=move_in, move_out=move_out)

    own = person_lifecycle(rec, TODAY)

    if lifecycle not in LIVING:
        assert own == lifecycle  # the dates only ever narrow a living lease
    consistent = not (move_in and move_out and move_out < move_in)
    if own in LIVING:
        assert lifecycle in LIVING
        if consistent:
            assert move_out is None or move_out >= TODAY
            assert move_in is None or move_in <= TODAY
    if lifecycle in LIVING and consistent and move_out is not None and move_out < TODAY:
        assert own == Lifecycle.PAST


def test_contradicting_dates_leave_the_lease_status_standing():
    rec = record(move_in=TODAY - timedelta(days=10), move_out=TODAY - timedelta(days=400))

    assert person_lifecycle(rec, TODAY) == Lifecycle.CURRENT


def test_the_move_out_day_itself_still_counts_as_living_there():
    assert person_lifecycle(record(move_out=TODAY), TODAY) == Lifecycle.CURRENT
    assert person_lifecycle(record(move_out=TODAY - timedelta(days=1)), TODAY) == Lifecycle.PAST


def test_one_function_builds_a_resident_from_pms_values_and_never_erases_ours():
    rec = record(phone="", lease_start=date(2026, 1, 1), lease_end=date(2025, 1, 1))
    ours = ResidentValues(first_name="Ana", last_name="Abara", email="ana.abara@example.com",
                          phone="+14155550101")  # fmt: skip

    built = resident_from_pms(rec, lifecycle="current", now=NOW, current=ours)

    assert built.values.phone == "+14155550101"  # a PMS without a phone keeps ours
    assert (built.values.lease_start, built.values.lease_end) == (None, None)
    assert built.notes == ("the PMS lease end is before its start; dates left as they were",)
    assert "status" in built.changed and built.values.status_changed_at == NOW


def test_a_move_from_a_pms_unit_no_longer_mapped_leaves_the_unit_they_are_in():
    # Ana lives in unit 512; the PMS unit she was synced from lost its mapping since
    rec = record()

    p = plan(record(unit_id="P14C", unit_name="14C"), stored_=stored(pms_unit_id="P-OLD"),
             lookups=linked(rec, ana(rec)))  # fmt: skip

    assert p.transition is not None
    assert (p.transition.transition.previous_unit_id, p.transition.transition.unit_id) == (512, 514)
    # ...while the same PMS unit, merely unmapped, is no move at all
    stay = plan(record(unit_id="P-OLD"), stored_=stored(pms_unit_id="P-OLD"),
                lookups=linked(rec, ana(rec)))  # fmt: skip
    assert stay.transition is None
