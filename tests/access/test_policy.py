"""access_for_status_change, row by row (DESIGN.md: manual status changes)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from access.policy import DoorStatus, HeldGrant, access_for_status_change

UNIT_KEYS = [10]
COMMON_KEYS = [20, 21]


def change(previous, new, held=(), unit_keys=UNIT_KEYS, common=COMMON_KEYS, unit="A 12B"):
    return access_for_status_change(
        previous=previous,
        new=new,
        held=list(held),
        unit_key_ids=unit_keys,
        common_key_ids=common,
        unit_label=unit,
    )


def test_future_to_current_grants_unit_and_common_keys():
    result = change(DoorStatus.FUTURE, DoorStatus.CURRENT)
    assert result.grant_key_ids == (10, 20, 21)
    assert result.revoke_grant_ids == ()


def test_past_to_current_grants_like_a_move_in():
    assert change(DoorStatus.PAST, DoorStatus.CURRENT).grant_key_ids == (10, 20, 21)


def test_current_grant_skips_keys_already_held():
    result = change(DoorStatus.FUTURE, DoorStatus.CURRENT, held=[HeldGrant(1, 20)])
    assert result.grant_key_ids == (10, 21)


def test_current_to_past_revokes_every_key_manual_and_automatic():
    held = [HeldGrant(1, 10), HeldGrant(2, 20), HeldGrant(3, 99)]
    result = change(DoorStatus.CURRENT, DoorStatus.PAST, held=held)
    assert result.revoke_grant_ids == (1, 2, 3)
    assert result.grant_key_ids == ()


def test_current_to_future_revokes_every_key():
    held = [HeldGrant(1, 10), HeldGrant(3, 99)]
    assert change(DoorStatus.CURRENT, DoorStatus.FUTURE, held=held).revoke_grant_ids == (1, 3)


def test_no_unit_grants_common_keys_and_says_why():
    result = change(DoorStatus.FUTURE, DoorStatus.CURRENT, unit_keys=[], unit=None)
    assert result.grant_key_ids == (20, 21)
    assert result.no_change_reasons == ("No unit is assigned, so no unit key was granted.",)


def test_unit_without_key_is_explained():
    result = change(DoorStatus.FUTURE, DoorStatus.CURRENT, unit_keys=[])
    assert result.no_change_reasons == ("Unit A 12B has no unit key.",)


def test_same_status_changes_nothing():
    result = change(DoorStatus.CURRENT, DoorStatus.CURRENT, held=[HeldGrant(1, 10)])
    assert result.is_empty


def test_a_key_both_unit_and_common_is_granted_once():
    result = change(DoorStatus.FUTURE, DoorStatus.CURRENT, unit_keys=[20], common=[20, 21])
    assert result.grant_key_ids == (20, 21)


statuses = st.sampled_from(list(DoorStatus))
held_grants = st.lists(
    st.builds(HeldGrant, grant_id=st.integers(1, 50), key_id=st.integers(1, 30)),
    unique_by=lambda g: g.grant_id,
    max_size=8,
)
key_ids = st.lists(st.integers(1, 30), max_size=5, unique=True)


@given(statuses, statuses, held_grants, key_ids, key_ids)
def test_invariants_over_every_status_pair(previous, new, held, unit_keys, common):
    result = change(previous, new, held=held, unit_keys=unit_keys, common=common)
    held_keys = {g.key_id for g in held}
    # Never grant a key the resident already holds, nor the same key twice.
    assert not set(result.grant_key_ids) & held_keys
    assert len(set(result.grant_key_ids)) == len(result.grant_key_ids)
    # Only revoke what is held; grant and revoke never both happen in one change.
    assert set(result.revoke_grant_ids) <= {g.grant_id for g in held}
    assert not (result.grant_key_ids and result.revoke_grant_ids)
    if previous != new and new != DoorStatus.CURRENT:
        # Anyone leaving Current (or made Past) keeps no key at all.
        assert set(result.revoke_grant_ids) == {g.grant_id for g in held}
    if new == DoorStatus.CURRENT and previous != new:
        assert set(result.grant_key_ids) == (set(unit_keys) | set(common)) - held_keys
