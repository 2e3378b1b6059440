"""access_for_pms_transition, DESIGN.md's Automated Access table row by row.

| PMS transition            | access                                                         |
| → FUTURE                  | none                                                           |
| → CURRENT (or NOTICE)     | unit key(s) of the mapped unit + common-area keys, +15 min     |
| unit change while current | revoke old unit key(s), grant new ones                         |
| → PAST                    | revoke every key, manual and automatic, at once                |

Pure function, no database: units and keys are plain ids here.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from access.policy import (
    LIVING,
    ChangeItem,
    ChangeKind,
    HeldGrant,
    PMSTransition,
    access_for_pms_transition,
)

# Unit 1 has one unit key, unit 2 two, unit 3 none; 30/31 are the common-area keys.
UNIT_KEYS = {1: [10], 2: [20, 21], 3: []}
COMMON = [30, 31]
OTHER_KEY = 99  # a key granted by hand (storage, say): neither unit nor common


def items_for(
    previous: str | None,
    lifecycle: str,
    *,
    previous_unit: int | None = 1,
    unit: int | None = 1,
    held: tuple[HeldGrant, ...] = (),
    label: str = "",
    unit_keys: dict[int, list[int]] = UNIT_KEYS,
    common: list[int] = COMMON,
) -> list[ChangeItem]:
    return access_for_pms_transition(
        transition=PMSTransition(
            previous_lifecycle=previous,
            lifecycle=lifecycle,
            previous_unit_id=previous_unit,
            unit_id=unit,
            pms_unit_label=label,
        ),
        held=list(held),
        unit_key_ids=unit_keys,
        common_key_ids=common,
    )


def grants(items: list[ChangeItem]) -> list[int | None]:
    return [i.key_id for i in items if i.kind == ChangeKind.GRANT]


def revokes(items: list[ChangeItem]) -> list[tuple[int | None, int | None]]:
    return [(i.grant_id, i.key_id) for i in items if i.kind == ChangeKind.REVOKE]


def no_change(items: list[ChangeItem]) -> list[str]:
    return [i.reason for i in items if i.kind == ChangeKind.NONE]


# --- → FUTURE: none ----------------------------------------------------------------------


def test_first_seen_future_gives_nothing_and_nothing_to_review():
    assert items_for(None, "future", previous_unit=None) == []


def test_applicant_to_future_gives_nothing():
    assert items_for("applicant", "future") == []


def test_current_to_future_in_the_pms_revokes_what_they_hold():
    # A Future resident holds no key (the access invariant), as after a manager's
    # Current → Future. A renewal is not this: the vendor mappings read a resident who
    # already lives there and whose next lease is future as Current.
    held = (HeldGrant(1, 10), HeldGrant(2, 30))
    items = items_for("current", "future", held=held)
    assert [(i.kind, i.key_id, i.grant_id) for i in items] == [
        (ChangeKind.REVOKE, 10, 1),
        (ChangeKind.REVOKE, 30, 2),
    ]
    assert {i.reason for i in items} == {"Lease is future again in the PMS"}


def test_current_to_future_holding_nothing_has_nothing_to_review():
    assert items_for("current", "future", held=()) == []


# --- → CURRENT (or NOTICE): unit key(s) + common-area keys, delayed ---------------------


def test_future_to_current_grants_unit_key_and_common_keys_delayed():
    items = items_for("future", "current")

    assert grants(items) == [10, 30, 31]
    assert all(i.delayed for i in items)
    assert {i.reason for i in items} == {"Lease is current in the PMS"}
    assert revokes(items) == [] and no_change(items) == []


def test_a_unit_with_two_unit_keys_grants_both():
    assert grants(items_for("future", "current", previous_unit=2, unit=2)) == [20, 21, 30, 31]


def test_future_to_notice_grants_like_current():
    items = items_for("future", "notice")

    assert grants(items) == [10, 30, 31]
    assert all(i.delayed for i in items)
    assert {i.reason for i in items} == {"On notice in the PMS"}


def test_first_seen_current_is_a_move_in():
    items = items_for(None, "current", previous_unit=None, unit=1)

    assert grants(items) == [10, 30, 31]
    assert all(i.delayed for i in items)


def test_past_to_current_grants_again():
    # A lease that comes back (a move-out entered by mistake, then undone).
    assert grants(items_for("past", "current")) == [10, 30, 31]


def test_keys_already_held_are_not_granted_twice():
    held = (HeldGrant(7, 10), HeldGrant(8, 31))

    items = items_for("future", "current", held=held)

    assert grants(items) == [30]
    assert revokes(items) == []


def test_every_key_already_held_leaves_nothing_to_review():
    held = (HeldGrant(7, 10), HeldGrant(8, 30), HeldGrant(9, 31))
    assert items_for("future", "current", held=held) == []


def test_a_key_both_unit_and_common_is_granted_once():
    items = items_for("future", "current", unit_keys={1: [30]}, common=[30, 31])
    assert grants(items) == [30, 31]


def test_no_common_keys_grants_the_unit_key_only():
    assert grants(items_for("future", "current", common=[])) == [10]


# --- Grey: no change, with the reason -----------------------------------------------------


def test_unmapped_pms_unit_grants_common_keys_and_says_which_unit_is_not_mapped():
    items = items_for(None, "current", previous_unit=None, unit=None, label="12B")

    assert grants(items) == [30, 31]
    assert no_change(items) == ["PMS unit 12B is not mapped: no unit key"]
    (grey,) = [i for i in items if i.kind == ChangeKind.NONE]
    assert grey.key_id is None and grey.grant_id is None and not grey.delayed


def test_unmapped_pms_unit_without_a_label_still_explains():
    items = items_for("future", "current", previous_unit=None, unit=None)
    assert no_change(items) == ["PMS unit the resident's PMS unit is not mapped: no unit key"]


def test_unmapped_with_every_common_key_held_is_still_reviewed_grey():
    # Nothing to grant, but the manager should learn the unit key is missing.
    held = (HeldGrant(1, 30), HeldGrant(2, 31))
    items = items_for("future", "current", previous_unit=None, unit=None, label="12B", held=held)
    assert [i.kind for i in items] == [ChangeKind.NONE]


def test_unit_without_a_unit_key_is_grey():
    items = items_for("future", "current", previous_unit=3, unit=3)

    assert grants(items) == [30, 31]
    assert no_change(items) == ["The unit has no unit key"]


def test_unknown_unit_id_counts_as_a_unit_without_key():
    # unit_key_ids only lists units that have keys; a unit missing from it has none.
    items = items_for("future", "current", previous_unit=None, unit=404)
    assert no_change(items) == ["The unit has no unit key"]


# --- CURRENT ↔ NOTICE: no change -----------------------------------------------------------


def test_current_to_notice_changes_nothing():
    held = (HeldGrant(1, 10), HeldGrant(2, 30), HeldGrant(3, 31))
    assert items_for("current", "notice", held=held) == []


def test_notice_to_current_changes_nothing():
    assert items_for("notice", "current", held=(HeldGrant(1, 10),)) == []


def test_current_to_notice_on_an_unmapped_unit_is_not_re_reported():
    # The grey reason was given at move-in; nothing new happened.
    assert items_for("current", "notice", previous_unit=None, unit=None, label="12B") == []


# --- Unit change while current ------------------------------------------------------------


def test_unit_change_while_current_revokes_old_unit_key_and_grants_new():
    held = (HeldGrant(1, 10), HeldGrant(2, 30), HeldGrant(3, 31))

    items = items_for("current", "current", previous_unit=1, unit=2, held=held)

    assert revokes(items) == [(1, 10)]
    assert grants(items) == [20, 21]
    # Defect c: the old key goes at once, so the new one starts at once. The 15-minute
    # delay is only for a status becoming Current (seed 004).
    assert not any(i.delayed for i in items)
    assert {i.reason for i in items} == {"Moved to another unit"}


def test_unit_change_on_notice_counts_too():
    held = (HeldGrant(1, 20), HeldGrant(2, 21))
    items = items_for("current", "notice", previous_unit=2, unit=1, held=held)

    assert revokes(items) == [(1, 20), (2, 21)]
    assert grants(items) == [10]


def test_unit_change_keeps_common_keys_and_manual_keys():
    held = (HeldGrant(1, 10), HeldGrant(2, 30), HeldGrant(3, OTHER_KEY))
    items = items_for("current", "current", previous_unit=1, unit=2, held=held)
    assert revokes(items) == [(1, 10)]


def test_unit_change_does_not_revoke_an_old_unit_key_not_held():
    items = items_for("current", "current", previous_unit=1, unit=2)
    assert revokes(items) == []
    assert grants(items) == [20, 21]


def test_unit_change_to_an_unmapped_pms_unit_revokes_and_says_why():
    held = (HeldGrant(1, 10), HeldGrant(2, 30))

    items = items_for("current", "current", previous_unit=1, unit=None, held=held, label="14C")

    assert revokes(items) == [(1, 10)]
    assert grants(items) == []
    assert no_change(items) == ["PMS unit 14C is not mapped: no unit key"]
    assert [i.reason for i in items if i.kind == ChangeKind.REVOKE] == [
        "No longer in a mapped unit"
    ]


def test_a_current_resident_whose_pms_unit_gets_mapped_is_assigned_its_key():
    # The PMS did not move them: a manager mapped their PMS unit, so the words say
    # what happened in doorsync rather than blaming the PMS.
    items = items_for("current", "current", previous_unit=None, unit=1)

    assert grants(items) == [10]
    assert {i.reason for i in items} == {"Now assigned to a unit"}


def test_unit_change_from_unmapped_to_mapped_grants_the_unit_key():
    items = items_for("current", "current", previous_unit=None, unit=1, held=(HeldGrant(2, 30),))
    assert grants(items) == [10]
    assert revokes(items) == [] and no_change(items) == []


def test_unit_change_to_a_unit_without_key_revokes_and_is_grey():
    items = items_for("current", "current", previous_unit=1, unit=3, held=(HeldGrant(1, 10),))
    assert revokes(items) == [(1, 10)]
    assert no_change(items) == ["The unit has no unit key"]


def test_a_lease_arriving_in_a_unit_takes_back_another_units_key():
    # A resident of ours holding unit 1's key is linked to a PMS lease in unit 2.
    held = (HeldGrant(1, 10, unit_key=True), HeldGrant(2, 30), HeldGrant(3, OTHER_KEY))

    items = items_for(None, "current", previous_unit=None, unit=2, held=held)

    assert revokes(items) == [(1, 10)]
    assert grants(items) == [20, 21, 31]
    assert [i.reason for i in items if i.kind == ChangeKind.REVOKE] == [
        "The PMS lease is for another unit"
    ]
    assert {i.reason for i in items if i.kind == ChangeKind.GRANT} == {
        "Lease is current in the PMS"
    }


def test_future_to_current_takes_back_a_unit_key_from_an_earlier_unit_change():
    # The PMS moved the future resident from unit 2 to 1 a sync ago: only now do they
    # arrive, and unit 2's key still held goes.
    items = items_for(
        "future", "notice", previous_unit=1, unit=1, held=(HeldGrant(1, 20, unit_key=True),)
    )
    assert revokes(items) == [(1, 20)]
    assert grants(items) == [10, 30, 31]


def test_arriving_in_the_unit_whose_key_is_held_revokes_nothing():
    items = items_for(None, "current", unit=1, held=(HeldGrant(1, 10, unit_key=True),))
    assert revokes(items) == []
    assert grants(items) == [30, 31]


def test_arriving_in_an_unmapped_pms_unit_leaves_unit_keys_alone():
    # Where they live is unknown to doorsync: a key a manager gave stays.
    held = (HeldGrant(1, 10, unit_key=True),)
    items = items_for(None, "current", previous_unit=None, unit=None, held=held, label="15D")
    assert revokes(items) == []
    assert no_change(items) == ["PMS unit 15D is not mapped: no unit key"]


def test_first_seen_future_in_another_unit_touches_no_key():
    # No access yet, and none taken: the keys change when the lease begins.
    held = (HeldGrant(1, 10, unit_key=True),)
    assert items_for(None, "future", previous_unit=1, unit=2, held=held) == []


# --- → PAST / → CANCELLED: revoke every key, manual and automatic -------------------------


def test_current_to_past_revokes_every_key_manual_and_automatic():
    held = (HeldGrant(1, 10), HeldGrant(2, 30), HeldGrant(3, 31), HeldGrant(4, OTHER_KEY))

    items = items_for("current", "past", held=held)

    assert revokes(items) == [(1, 10), (2, 30), (3, 31), (4, OTHER_KEY)]
    assert grants(items) == [] and no_change(items) == []
    assert {i.reason for i in items} == {"Lease is past in the PMS"}


def test_notice_to_past_revokes_every_key():
    held = (HeldGrant(1, 10), HeldGrant(4, OTHER_KEY))
    assert revokes(items_for("notice", "past", held=held)) == [(1, 10), (4, OTHER_KEY)]


def test_cancelled_revokes_every_key():
    held = (HeldGrant(1, 10), HeldGrant(2, 30))

    items = items_for("future", "cancelled", held=held)

    assert revokes(items) == [(1, 10), (2, 30)]
    assert {i.reason for i in items} == {"Lease is cancelled in the PMS"}


def test_past_with_nothing_held_is_nothing_to_review():
    assert items_for("current", "past") == []


def test_past_revokes_even_on_an_unmapped_unit():
    held = (HeldGrant(2, 30),)
    items = items_for("current", "past", previous_unit=None, unit=None, held=held, label="12B")
    assert revokes(items) == [(2, 30)]
    assert no_change(items) == []


# --- Properties over any transition ----------------------------------------------------------

LIFECYCLES = ["applicant", "future", "current", "notice", "past", "cancelled"]
ALL_KEYS = sorted({k for ks in UNIT_KEYS.values() for k in ks} | set(COMMON) | {OTHER_KEY})

units = st.sampled_from([None, 1, 2, 3])
held_grants = st.lists(
    st.builds(HeldGrant, grant_id=st.integers(1, 1000), key_id=st.sampled_from(ALL_KEYS)),
    max_size=len(ALL_KEYS),
    # The database holds at most one active grant per key and resident.
    unique_by=(lambda g: g.grant_id, lambda g: g.key_id),
)


@given(
    previous=st.sampled_from([None, *LIFECYCLES]),
    lifecycle=st.sampled_from(LIFECYCLES),
    previous_unit=units,
    unit=units,
    held=held_grants,
)
def test_property_never_grants_a_held_key_never_revokes_what_is_not_held(
    previous, lifecycle, previous_unit, unit, held
):
    items = items_for(
        previous, lifecycle, previous_unit=previous_unit, unit=unit, held=tuple(held), label="9Z"
    )
    held_pairs = {(g.grant_id, g.key_id) for g in held}
    held_keys = {g.key_id for g in held}

    granted = grants(items)
    assert not set(granted) & held_keys, "granted a key already held"
    assert len(granted) == len(set(granted)), "granted one key twice"
    assert set(revokes(items)) <= held_pairs, "revoked something not held"
    # Delayed exactly when the status becomes living (Current or Notice): never on a
    # unit change while already living there.
    becomes_living = lifecycle in LIVING and previous not in LIVING
    assert all(i.delayed == becomes_living for i in items if i.kind == ChangeKind.GRANT)
    assert all(i.key_id is None for i in items if i.kind == ChangeKind.NONE)
    assert len(no_change(items)) <= 1
    # Nothing granted and revoked for the same key in one go.
    assert not set(granted) & {k for _, k in revokes(items)}

    if lifecycle in ("past", "cancelled"):
        # Gone: every key held goes, manual and automatic, and nothing else happens.
        assert sorted(revokes(items)) == sorted(held_pairs)
        assert granted == [] and no_change(items) == []
    if lifecycle in ("applicant", "future"):
        # No access yet: from a lease lived under, every key held goes; otherwise
        # nothing happens.
        if previous in LIVING:
            assert sorted(revokes(items)) == sorted(held_pairs)
            assert granted == [] and no_change(items) == []
        else:
            assert items == []
    if lifecycle in ("current", "notice"):
        # Living: only unit keys are ever revoked, and only the old unit's.
        old_unit_keys = set(UNIT_KEYS.get(previous_unit, [])) if previous_unit else set()
        assert {k for _, k in revokes(items)} <= old_unit_keys
        # Whatever happened, the resident ends up with the new unit's keys.
        if previous not in ("current", "notice") or previous_unit != unit:
            expected_unit_keys = set(UNIT_KEYS.get(unit, [])) if unit else set()
            assert expected_unit_keys <= held_keys | set(granted)
        if previous not in ("current", "notice"):
            assert set(COMMON) <= held_keys | set(granted)
