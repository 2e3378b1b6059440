"""The access invariant (access/invariant.py): the rule, pure and row by row, then the loader
over a property — what it finds, what it excuses (suggestions waiting, a manager's
decisions), and its fixed query count."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from access.automation import suggestion_discard
from access.invariant import (
    Finding,
    HeldKey,
    ResidentAccess,
    access_invariant_check,
    access_violations,
    demanded_keys,
)
from access.models import AccessSuggestion, Key, KeyGrant
from access.services import key_grant, key_grant_revoke
from residents.models import ResidentStatus
from residents.services import resident_status_change
from tests.factories import KeyFactory, ResidentFactory
from units.services import unit_create

UNIT_KEY, OTHER_UNIT_KEY, ENTRANCES, STORAGE = 1, 2, 3, 4


def held(key_id: int, *, grant_id: int | None = None, by_hand: bool = False) -> HeldKey:
    kind = {
        UNIT_KEY: Key.Kind.UNIT,
        OTHER_UNIT_KEY: Key.Kind.UNIT,
        ENTRANCES: Key.Kind.COMMON,
        STORAGE: Key.Kind.OTHER,
    }[key_id]
    return HeldKey(
        grant_id=grant_id or 100 + key_id,
        key_id=key_id,
        key_name={1: "Unit A 12B", 2: "Unit B 14C", 3: "Resident Entrances", 4: "Storage"}[key_id],
        key_kind=kind,
        key_unit={1: "A 12B", 2: "B 14C"}.get(key_id, ""),
        by_hand=by_hand,
    )


def resident(status: str = ResidentStatus.CURRENT, *keys: HeldKey, **more) -> ResidentAccess:
    return ResidentAccess(
        resident_id=7,
        name="Ana Abara",
        status=status,
        unit="A 12B",
        unit_keys={UNIT_KEY: "Unit A 12B"},
        common_keys={ENTRANCES: "Resident Entrances"},
        held=tuple(keys),
        **more,
    )


def found(r: ResidentAccess) -> list[tuple[str, int, str]]:
    return [(v.finding.value, v.key_id, v.reason) for v in access_violations(r)]


# --- the rule -----------------------------------------------------------------------------


def test_a_current_resident_with_their_unit_and_common_keys_is_in_order():
    assert found(resident(ResidentStatus.CURRENT, held(UNIT_KEY), held(ENTRANCES))) == []


def test_a_current_resident_lacking_a_key_is_reported_unless_a_grant_waits_or_was_declined():
    lacking = resident(ResidentStatus.CURRENT, held(ENTRANCES))

    assert found(lacking) == [("missing", UNIT_KEY, "they are current in unit A 12B")]
    assert found(replace(lacking, waiting_grants=frozenset({UNIT_KEY}))) == []
    assert found(replace(lacking, declined_grants=frozenset({UNIT_KEY}))) == []
    assert found(replace(lacking, revoked_by_hand=frozenset({UNIT_KEY}))) == []


@pytest.mark.parametrize(
    ("status", "why"),
    [
        (ResidentStatus.PAST, "they are a past resident"),
        (ResidentStatus.FUTURE, "they are a future resident (not moved in)"),
    ],
)
def test_keys_of_someone_not_living_here_are_unjustified(status, why):
    r = resident(status, held(UNIT_KEY), held(ENTRANCES))

    # (by key name: "Resident Entrances" before "Unit A 12B")
    assert found(r) == [("unjustified", ENTRANCES, why), ("unjustified", UNIT_KEY, why)]


def test_a_waiting_revoke_or_a_grant_a_manager_kept_is_excused():
    r = resident(ResidentStatus.PAST, held(UNIT_KEY, grant_id=51), held(ENTRANCES, grant_id=52))

    assert (
        found(replace(r, waiting_revokes=frozenset({UNIT_KEY}), kept_grants=frozenset({52}))) == []
    )


def test_another_units_key_is_unjustified_even_given_by_hand():
    r = resident(
        ResidentStatus.CURRENT, held(UNIT_KEY), held(ENTRANCES), held(OTHER_UNIT_KEY, by_hand=True)
    )

    assert found(r) == [
        ("unjustified", OTHER_UNIT_KEY, "it opens unit B 14C, and they live in unit A 12B")
    ]


def test_a_key_no_lease_rule_governs_given_by_hand_stands_until_they_are_past():
    storage = held(STORAGE, by_hand=True)

    assert found(resident(ResidentStatus.FUTURE, storage)) == []
    assert found(resident(ResidentStatus.CURRENT, held(UNIT_KEY), held(ENTRANCES), storage)) == []
    assert found(resident(ResidentStatus.PAST, storage)) == [
        ("unjustified", STORAGE, "they are a past resident")
    ]
    # Granted by Automated Access (not by hand), no rule grants it now
    assert found(resident(ResidentStatus.FUTURE, held(STORAGE))) == [
        ("unjustified", STORAGE, "they are a future resident (not moved in)")
    ]


def test_a_resident_unit_sync_cannot_place_is_held_to_the_common_keys_only():
    # Their PMS unit is not mapped: the policy neither grants nor takes their unit's key
    placed_nowhere = resident(ResidentStatus.CURRENT, held(ENTRANCES), unit_placed=False)

    assert found(placed_nowhere) == []
    assert found(replace(placed_nowhere, held=(held(ENTRANCES), held(UNIT_KEY)))) == []
    assert found(replace(placed_nowhere, held=(held(ENTRANCES), held(OTHER_UNIT_KEY)))) == [
        ("unjustified", OTHER_UNIT_KEY, "it opens unit B 14C, and they live in unit A 12B")
    ]


_statuses = st.sampled_from(ResidentStatus.values)
_keys = st.lists(st.sampled_from([UNIT_KEY, OTHER_UNIT_KEY, ENTRANCES, STORAGE]), unique=True)


@given(status=_statuses, keys=_keys, by_hand=st.booleans(), placed=st.booleans())
def test_each_violation_is_a_held_key_not_demanded_or_a_demanded_key_not_held(
    status, keys, by_hand, placed
):
    r = resident(status, *(held(k, by_hand=by_hand) for k in keys), unit_placed=placed)
    demanded = set(demanded_keys(r))

    for v in access_violations(r):
        if v.finding is Finding.UNJUSTIFIED:
            assert v.key_id in keys and v.key_id not in demanded
        else:
            assert v.key_id in demanded and v.key_id not in keys


@given(status=_statuses, placed=st.booleans())
def test_holding_exactly_what_is_demanded_is_never_a_violation(status, placed):
    r = resident(status, unit_placed=placed)
    exact = replace(r, held=tuple(held(k) for k in demanded_keys(r)))

    assert access_violations(exact) == []


# --- over a property -------------------------------------------------------------------------


@pytest.fixture
def unit_b(prop_a):
    return unit_create(property=prop_a, name="14C", building="B", actor=None)


def keys_of(prop):
    return {k.name: k for k in Key.objects.filter(property=prop)}


@pytest.mark.django_db
def test_the_property_check_names_what_it_finds(prop_a, unit_a, unit_b, alice):
    keys = keys_of(prop_a)
    # Given Ana, current in A 12B, made so by a manager (her keys follow)
    ana = ResidentFactory(property=prop_a, unit=unit_a, first_name="Ana", last_name="Abara")
    resident_status_change(resident=ana, new_status=ResidentStatus.CURRENT, actor=alice)
    # and Ben, past, still holding B 14C's key (granted by Automated Access long ago)
    ben = ResidentFactory(
        property=prop_a, unit=unit_b, first_name="Ben", last_name="Bell", status="past"
    )
    KeyGrant.objects.create(
        key=keys["Unit B 14C"], resident=ben, starts_at=ana.status_changed_at,
        source=KeyGrant.Source.AUTOMATED,
    )  # fmt: skip

    assert [str(v) for v in access_invariant_check(property=prop_a)] == [
        "Ben Bell holds “Unit B 14C”: they are a past resident"
    ]


@pytest.mark.django_db
def test_a_manager_revoking_a_demanded_key_or_discarding_its_grant_is_their_override(
    prop_a, unit_a, alice
):
    keys = keys_of(prop_a)
    ana = ResidentFactory(property=prop_a, unit=unit_a)
    resident_status_change(resident=ana, new_status=ResidentStatus.CURRENT, actor=alice)
    grant = KeyGrant.objects.get(resident=ana, key=keys["Unit A 12B"])

    # When she revokes the unit key by hand: her decision, not a violation
    key_grant_revoke(grant=grant, actor=alice, reason="lost the fob")
    assert access_invariant_check(property=prop_a) == []

    # When a grant suggestion for it waits, then is discarded: still not a violation
    # (a grant ended by the system, not by a person)
    KeyGrant.objects.filter(resident=ana, key=keys["Resident Amenities"]).update(
        revoked_at=grant.starts_at
    )
    [missing] = access_invariant_check(property=prop_a)
    assert missing.finding is Finding.MISSING and missing.key_name == "Resident Amenities"
    suggestion = AccessSuggestion.objects.create(
        property=prop_a, resident=ana, kind="grant", key=keys["Resident Amenities"],
        transition_key="t1", transition_label="Future → Current", reason="Lease is current",
        detected_at=grant.starts_at,
    )  # fmt: skip
    assert access_invariant_check(property=prop_a) == []
    suggestion_discard(suggestion=suggestion, actor=alice)
    assert access_invariant_check(property=prop_a) == []


@pytest.mark.django_db
def test_a_key_given_by_hand_to_a_current_resident_is_an_override(prop_a, unit_a, alice):
    ana = ResidentFactory(property=prop_a, unit=unit_a)
    resident_status_change(resident=ana, new_status=ResidentStatus.CURRENT, actor=alice)

    key_grant(key=KeyFactory(property=prop_a, name="Storage"), resident=ana, actor=alice)

    assert access_invariant_check(property=prop_a) == []


@pytest.mark.django_db
def test_the_check_takes_seven_queries_whatever_the_residents(
    prop_a, unit_a, alice, django_assert_num_queries
):
    for n in range(30):
        r = ResidentFactory(property=prop_a, unit=unit_a if n % 2 else None)
        resident_status_change(resident=r, new_status=ResidentStatus.CURRENT, actor=alice)

    # 1 residents with units, 2 unit keys, 3 common-area keys, 4 grants held,
    # 5 suggestions waiting or discarded, 6 latest grant suggestions discarded,
    # 7 latest grants revoked by a person
    with django_assert_num_queries(7):
        assert access_invariant_check(property=prop_a) == []
