"""Automated Access end to end: PMS lease changes through the real User Sync (FakePMS
with Unit Sync mapped) into access suggestions (Approval Required) or applied grants
and revokes (Automatic), the approval re-checks, and the console's Update Access,
discard and Automate Access tab.

PMS units: 12B → unit "A 12B" (key "Unit A 12B"), 14C → unit "A 14C", 15D unmapped.
Every property has the common-area keys "Resident Entrances" and "Resident Amenities".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.automation import (
    DetectedTransition,
    suggestion_counts,
    suggestion_discard,
    suggestions_approve,
    suggestions_pending,
    transitions_suggest,
)
from access.models import AccessSuggestion, Key, KeyGrant
from access.policy import PMSTransition
from access.services import key_create, key_grant, key_grant_revoke
from audit.models import AccessEvent
from integrations.models import AccessMode, PMSIntegration, PMSUnit, SyncAlert
from integrations.pms.types import Lifecycle
from integrations.sync.alerts import sync_alert_resolve
from integrations.unit_mapping import unit_mapping_remove
from residents.models import Resident, ResidentStatus, StatusSource
from residents.services import resident_status_change
from tests.access.pms_access import (
    P12B,
    P14C,
    P15D,
    AccessPMS,
    active_keys,
    integration_create,
    pending,
    resident_of,
    units_map,
)
from tests.factories import KeyFactory, ResidentFactory
from tests.integrations.sync.fake_pms import many_residents, pms_resident
from units.models import Unit
from units.services import unit_create

pytestmark = pytest.mark.django_db

MOVE_IN_KEYS = ["Resident Amenities", "Resident Entrances", "Unit A 12B"]
MOVE_IN = [("grant", k) for k in MOVE_IN_KEYS]
PAST = {"lifecycle": Lifecycle.PAST, "raw_status": "Past"}
CURRENT = {"lifecycle": Lifecycle.CURRENT, "raw_status": "Current"}
NOTICE = {"lifecycle": Lifecycle.NOTICE, "raw_status": "Notice"}


@pytest.fixture
def integration(prop_a) -> PMSIntegration:
    return integration_create(prop_a)


@pytest.fixture
def unit_b(prop_a) -> Unit:
    return unit_create(property=prop_a, name="14C", building="A", floor="14", actor=None)


@pytest.fixture
def pms(integration, monkeypatch, alice, unit_a, unit_b) -> AccessPMS:
    units_map(integration, alice, **{P12B: "A 12B", P14C: "A 14C"})
    return AccessPMS(integration, monkeypatch)


@pytest.fixture
def automatic(integration) -> PMSIntegration:
    integration.access_mode = AccessMode.AUTOMATIC
    integration.save(update_fields=["access_mode"])
    return integration


@pytest.fixture
def now() -> Iterator[datetime]:
    """Frozen time: detection and approval times are exact."""
    with time_machine.travel(datetime(2025, 3, 1, 14, 0, tzinfo=UTC), tick=False):
        yield timezone.now()


def approve_all(prop, actor, **kw):
    ids = list(suggestions_pending(property=prop).values_list("id", flat=True))
    return suggestions_approve(property=prop, suggestion_ids=ids, actor=actor, **kw)


def move_in(pms: AccessPMS, prop, alice, external_id: str = "R1", **fields) -> Resident:
    """Given a resident living in 12B whose move-in was approved."""
    pms.put(pms_resident(external_id, unit_id=P12B, unit_name="12B", **fields))
    pms.sync()
    approve_all(prop, alice)
    resident = resident_of(external_id)
    assert active_keys(resident) == MOVE_IN_KEYS
    return resident


def grant_events(resident: Resident) -> list[tuple[str, str, str]]:
    return sorted(
        AccessEvent.objects.filter(
            resident=resident,
            action__in=[AccessEvent.Action.KEY_GRANTED, AccessEvent.Action.KEY_REVOKED],
        ).values_list("action", "actor_label", "key__name")
    )


# --- Approval Required: green, red and grey suggestions ------------------------------------


def test_move_in_suggests_green_grants_starting_15_minutes_after_detection(pms, now):
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))

    pms.sync()

    resident = resident_of("R1")
    assert resident.status == ResidentStatus.CURRENT
    assert pending(resident) == MOVE_IN
    for s in AccessSuggestion.objects.all():
        assert s.detected_at == now
        assert s.starts_at == now + timedelta(minutes=15)
        assert (s.transition_label, s.reason) == ("New → Current", "Lease is current in the PMS")
    # Nothing happens until a manager approves.
    assert not KeyGrant.objects.exists()


def test_future_resident_gets_no_suggestion(pms):
    pms.put(pms_resident("R1", unit_id=P12B, lifecycle=Lifecycle.FUTURE, raw_status="Future"))

    pms.sync()

    assert resident_of("R1").status == ResidentStatus.FUTURE
    assert not AccessSuggestion.objects.exists()


def test_future_to_current_suggests_the_move_in(pms):
    pms.put(pms_resident("R1", unit_id=P12B, lifecycle=Lifecycle.FUTURE, raw_status="Future"))
    pms.sync()

    pms.change("R1", **CURRENT)
    pms.sync()

    assert pending() == MOVE_IN
    assert {s.transition_label for s in AccessSuggestion.objects.all()} == {"Future → Current"}


def test_move_out_suggests_red_revokes_of_every_key_manual_and_automatic(pms, prop_a, alice):
    resident = move_in(pms, prop_a, alice)
    storage = KeyFactory(property=prop_a, name="Storage")
    manual = key_grant(key=storage, resident=resident, actor=alice)

    pms.change("R1", **PAST)
    pms.sync()

    assert pending(resident) == [("revoke", k) for k in ["Resident Amenities", "Resident Entrances", "Storage", "Unit A 12B"]]  # fmt: skip
    revokes = AccessSuggestion.objects.filter(state="pending")
    assert {s.grant_id for s in revokes} == set(
        KeyGrant.objects.filter(resident=resident, revoked_at=None).values_list("id", flat=True)
    )
    assert manual.id in {s.grant_id for s in revokes}
    assert {(s.transition_label, s.starts_at) for s in revokes} == {("Current → Past", None)}

    result = approve_all(prop_a, alice)

    assert (result.revoked, result.refused) == (4, [])
    assert active_keys(resident) == []


def test_cancelled_lease_suggests_revoking_keys_given_by_hand(pms, prop_a, alice):
    pms.put(pms_resident("R1", unit_id=P12B, lifecycle=Lifecycle.FUTURE, raw_status="Future"))
    pms.sync()
    resident = resident_of("R1")
    key_grant(key=KeyFactory(property=prop_a, name="Storage"), resident=resident, actor=alice)

    pms.change("R1", lifecycle=Lifecycle.CANCELLED, raw_status="Canceled")
    pms.sync()

    assert pending(resident) == [("revoke", "Storage")]
    assert AccessSuggestion.objects.get().reason == "Lease is cancelled in the PMS"


def test_unmapped_pms_unit_is_grey_with_the_unit_named(pms, prop_a, alice):
    pms.put(pms_resident("R2", unit_id=P15D, unit_name="15D"))

    pms.sync()

    resident = resident_of("R2")
    assert pending(resident) == [
        ("grant", "Resident Amenities"),
        ("grant", "Resident Entrances"),
        ("none", "PMS unit A 15D is not mapped: no unit key"),
    ]
    grey = AccessSuggestion.objects.get(kind="none")
    assert grey.key is None and grey.starts_at is None

    # Approving a grey suggestion clears it and changes no key.
    result = suggestions_approve(property=prop_a, suggestion_ids=[grey.id], actor=alice)
    assert (result.acknowledged, result.granted) == (1, 0)
    assert not KeyGrant.objects.exists()


def test_unit_change_while_current_suggests_revoking_old_and_granting_new(pms, prop_a, alice):
    resident = move_in(pms, prop_a, alice)

    pms.change("R1", unit_id=P14C, unit_name="14C")
    pms.sync()

    assert pending(resident) == [("grant", "Unit A 14C"), ("revoke", "Unit A 12B")]
    assert {s.transition_label for s in AccessSuggestion.objects.filter(state="pending")} == {
        "Current, unit changed"
    }
    approve_all(prop_a, alice)
    assert active_keys(resident) == ["Resident Amenities", "Resident Entrances", "Unit A 14C"]


@pytest.fixture
def ours_in_14c(prop_a, alice, unit_b) -> Resident:
    """A resident the manager typed in before ePMS: living in A 14C with its key and the
    entrance key, who matches PMS record R1 exactly (name and email)."""
    resident = ResidentFactory(
        property=prop_a,
        first_name="Ana",
        last_name="Abara",
        email="ana.abara@example.com",
        unit=unit_b,
        status=ResidentStatus.CURRENT,
    )
    for name in ("Unit A 14C", "Resident Entrances"):
        key_grant(key=Key.objects.get(property=prop_a, name=name), resident=resident, actor=alice)
    return resident


def test_a_resident_of_ours_linked_to_a_lease_in_another_unit_swaps_the_unit_key(
    pms, prop_a, alice, ours_in_14c
):
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))

    pms.sync()

    assert resident_of("R1") == ours_in_14c
    assert str(resident_of("R1").unit) == "A 12B"
    # The old unit's key goes with the new one's arrival, not only the new one added.
    assert pending(ours_in_14c) == [
        ("grant", "Resident Amenities"),
        ("grant", "Unit A 12B"),
        ("revoke", "Unit A 14C"),
    ]
    revoke = AccessSuggestion.objects.get(kind="revoke")
    assert (revoke.transition_label, revoke.reason) == (
        "Linked → Current",
        "The PMS lease is for another unit",
    )
    approve_all(prop_a, alice)
    assert active_keys(ours_in_14c) == MOVE_IN_KEYS


def test_a_resident_of_ours_linked_in_their_own_unit_keeps_its_key(pms, prop_a, alice, ours_in_14c):
    pms.put(pms_resident("R1", unit_id=P14C, unit_name="14C"))

    pms.sync()

    assert pending(ours_in_14c) == [("grant", "Resident Amenities")]


def test_automatic_linking_in_another_unit_swaps_the_unit_key(pms, automatic, ours_in_14c):
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))

    pms.sync()

    assert active_keys(ours_in_14c) == MOVE_IN_KEYS
    revoked = AccessEvent.objects.get(resident=ours_in_14c, action="key_revoked")
    assert (revoked.actor_label, revoked.key.name) == ("automation", "Unit A 14C")
    assert revoked.reason == "Linked → Current: The PMS lease is for another unit"


def test_a_resident_of_ours_linked_through_a_possible_match_moves_and_swaps_the_unit_key(
    pms, prop_a, alice, ours_in_14c
):
    # The PMS spells her name another way: held as a Possible Match until a manager links
    pms.put(pms_resident("R1", first_name="Anna", email="ana.abara@example.com", unit_id=P12B))
    pms.sync()
    alert = SyncAlert.objects.get(kind=SyncAlert.Kind.POSSIBLE_MATCH)
    assert pending(ours_in_14c) == []

    sync_alert_resolve(alert=alert, resolution="link", actor=alice)
    pms.sync()

    ours_in_14c.refresh_from_db()
    assert str(ours_in_14c.unit) == "A 12B"  # placed as a link the sync makes itself
    assert pending(ours_in_14c) == [
        ("grant", "Resident Amenities"),
        ("grant", "Unit A 12B"),
        ("revoke", "Unit A 14C"),
    ]


def test_a_resident_linked_to_a_future_lease_elsewhere_gives_the_old_key_back_on_move_in(
    pms, prop_a, alice, ours_in_14c
):
    # Linked while the new lease is still future: keys stay as they are for now
    pms.put(pms_resident("R1", unit_id=P12B, lifecycle=Lifecycle.FUTURE, raw_status="Future"))
    pms.sync()
    assert pending(ours_in_14c) == []
    assert active_keys(ours_in_14c) == ["Resident Entrances", "Unit A 14C"]

    # When the lease begins, a sync later, the 14C key goes as 12B's comes
    pms.change("R1", **CURRENT)
    pms.sync()

    assert pending(ours_in_14c) == [
        ("grant", "Resident Amenities"),
        ("grant", "Unit A 12B"),
        ("revoke", "Unit A 14C"),
    ]


def test_a_managers_unit_change_before_the_lease_begins_keeps_its_key_at_move_in(
    pms, prop_a, alice, unit_b
):
    # Given a future resident of PMS unit 12B whom the manager moved by hand to 14C,
    # with 14C's key
    pms.put(pms_resident("R1", unit_id=P12B, lifecycle=Lifecycle.FUTURE, raw_status="Future"))
    pms.sync()
    resident = resident_of("R1")
    resident.unit = unit_b
    resident.save(update_fields=["unit"])
    key_grant(key=Key.objects.get(unit=unit_b, kind=Key.Kind.UNIT), resident=resident, actor=alice)

    # When the lease begins (the PMS unit unchanged: the override stands)
    pms.change("R1", **CURRENT)
    pms.sync()

    # Then the keys follow the unit they live in: 14C's stays, 12B's is not added
    resident.refresh_from_db()
    assert str(resident.unit) == "A 14C"
    assert pending(resident) == [("grant", "Resident Amenities"), ("grant", "Resident Entrances")]


def test_current_to_notice_suggests_nothing(pms, prop_a, alice):
    move_in(pms, prop_a, alice)

    pms.change("R1", **NOTICE)
    pms.sync()

    assert pending() == []


# --- Idempotency --------------------------------------------------------------------------


def test_a_resync_never_duplicates_a_suggestion(pms):
    pms.put(pms_resident("R1", unit_id=P12B), pms_resident("R2", first_name="Bo", unit_id=P15D))
    pms.sync()
    before = list(AccessSuggestion.objects.order_by("id").values())

    pms.sync()  # unchanged
    pms.change("R1", phone="+14155550199")  # changed, but not its lease or unit
    pms.sync()

    assert list(AccessSuggestion.objects.order_by("id").values()) == before


def test_a_discarded_suggestion_is_not_suggested_again_for_the_same_transition(pms, prop_a, alice):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    resident = resident_of("R1")
    entrances = AccessSuggestion.objects.get(key__name="Resident Entrances")
    suggestion_discard(suggestion=entrances, actor=alice)

    # The sync sees nothing new...
    pms.sync()
    pms.change("R1", phone="+14155550199")
    pms.sync()
    # ...and the same transition handed to the engine again is not suggested twice: the
    # database's one-row-per-(resident, transition, kind, key) holds.
    transitions_suggest(
        property=prop_a,
        detected=[
            DetectedTransition(
                resident=resident,
                transition=PMSTransition(None, "current", None, resident.unit_id, "12B"),
                transition_key=entrances.transition_key,
            )
        ],
        now=timezone.now(),
    )

    assert AccessSuggestion.objects.count() == 3
    entrances.refresh_from_db()
    assert entrances.state == AccessSuggestion.State.DISCARDED
    assert pending(resident) == [("grant", "Resident Amenities"), ("grant", "Unit A 12B")]


def test_a_newer_transition_supersedes_older_pending_suggestions(pms, prop_a, alice, now):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    move_in_ids = list(AccessSuggestion.objects.values_list("id", flat=True))

    # When the lease goes past before anyone approved the move-in
    pms.change("R1", **PAST)
    pms.sync()

    assert pending() == []
    assert set(AccessSuggestion.objects.values_list("state", "decided_at")) == {
        (AccessSuggestion.State.SUPERSEDED, now)
    }
    # Approving the old ones now does nothing: they were handled.
    result = suggestions_approve(property=prop_a, suggestion_ids=move_in_ids, actor=alice)
    assert result.granted == 0
    assert result.refused == [
        "3 suggestions were no longer waiting (already approved or discarded, perhaps by "
        "someone else); nothing was done with them."
    ]
    assert not KeyGrant.objects.exists()


def test_supersede_only_touches_the_residents_that_changed(pms):
    pms.put(pms_resident("R1", unit_id=P12B), pms_resident("R2", first_name="Bo", unit_id=P12B))
    pms.sync()

    pms.change("R1", **PAST)
    pms.sync()

    assert pending(resident_of("R1")) == []
    assert pending(resident_of("R2")) == MOVE_IN


def test_a_unit_change_before_approval_keeps_the_move_ins_common_area_keys(pms, prop_a, alice):
    # Regression: the unit change superseded the whole pending move-in, and its own
    # suggestions only swap unit keys, so the resident never got the common-area keys.
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()

    pms.change("R1", unit_id=P14C, unit_name="14C")
    pms.sync()

    resident = resident_of("R1")
    assert pending(resident) == [
        ("grant", "Resident Amenities"),
        ("grant", "Resident Entrances"),
        ("grant", "Unit A 14C"),
    ]
    superseded = AccessSuggestion.objects.get(state=AccessSuggestion.State.SUPERSEDED)
    assert superseded.key.name == "Unit A 12B"
    approve_all(prop_a, alice)
    assert active_keys(resident) == ["Resident Amenities", "Resident Entrances", "Unit A 14C"]


def test_notice_before_approval_keeps_the_pending_move_in(pms, prop_a, alice):
    # Regression: current → notice is "no change", yet it superseded the pending move-in,
    # leaving a current resident with no key and nothing to approve.
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()

    pms.change("R1", **NOTICE)
    pms.sync()

    resident = resident_of("R1")
    assert pending(resident) == MOVE_IN
    approve_all(prop_a, alice)
    assert active_keys(resident) == MOVE_IN_KEYS


def test_a_pending_unit_change_revoke_survives_a_later_notice(pms, prop_a, alice):
    resident = move_in(pms, prop_a, alice)
    pms.change("R1", unit_id=P14C, unit_name="14C")
    pms.sync()

    pms.change("R1", **NOTICE)
    pms.sync()

    assert pending(resident) == [("grant", "Unit A 14C"), ("revoke", "Unit A 12B")]


def test_a_second_move_out_is_suggested_like_the_first(pms, prop_a, alice):
    # Regression: the transition key was the same for the same PMS data, so a move-out
    # undone and made again was "already suggested" and silently dropped — a past
    # resident kept every key.
    resident = move_in(pms, prop_a, alice)
    pms.change("R1", **PAST)
    pms.sync()
    approve_all(prop_a, alice)
    pms.change("R1", **CURRENT)
    pms.sync()
    approve_all(prop_a, alice)
    assert active_keys(resident) == MOVE_IN_KEYS

    pms.change("R1", **PAST)
    pms.sync()

    assert pending(resident) == [("revoke", k) for k in MOVE_IN_KEYS]
    approve_all(prop_a, alice)
    assert active_keys(resident) == []


def test_a_remapped_pms_unit_swaps_the_unit_key(pms, integration, prop_a, alice, automatic):
    # Regression: a new mapping forgets the record's PMS unit, so the sync saw a move
    # from "no unit" and granted the new unit's key without revoking the old one.
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    resident = resident_of("R1")
    assert active_keys(resident) == MOVE_IN_KEYS

    # When 12B is remapped to the unit A 14C (14C's own mapping removed first)
    unit_mapping_remove(pms_unit=PMSUnit.objects.get(external_id=P14C), actor=alice)
    unit_mapping_remove(pms_unit=PMSUnit.objects.get(external_id=P12B), actor=alice)
    units_map(integration, alice, **{P12B: "A 14C"})
    pms.sync()

    resident.refresh_from_db()
    assert str(resident.unit) == "A 14C"
    assert active_keys(resident) == ["Resident Amenities", "Resident Entrances", "Unit A 14C"]


# --- Approval re-checks the present -----------------------------------------------------------


def test_approval_grants_start_at_detection_plus_15_minutes(pms, prop_a, alice, now):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()

    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        result = approve_all(prop_a, alice)

    assert (result.granted, result.refused) == (3, [])
    resident = resident_of("R1")
    grants = KeyGrant.objects.filter(resident=resident)
    assert {g.starts_at for g in grants} == {now + timedelta(minutes=15)}
    assert {(g.source, g.granted_by_id) for g in grants} == {(KeyGrant.Source.AUTOMATED, alice.id)}
    assert set(AccessSuggestion.objects.values_list("state", "decided_by_id")) == {
        (AccessSuggestion.State.APPROVED, alice.id)
    }
    # Each grant and each approval is audited, by the manager.
    assert grant_events(resident) == [("key_granted", "Alice Ames", k) for k in MOVE_IN_KEYS]
    assert (
        AccessEvent.objects.filter(
            action=AccessEvent.Action.SUGGESTION_APPROVED, actor=alice
        ).count()
        == 3
    )


def test_approval_later_than_the_start_starts_now(pms, prop_a, alice, now):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()

    with time_machine.travel(now + timedelta(hours=2), tick=False):
        approve_all(prop_a, alice)

    assert set(KeyGrant.objects.values_list("starts_at", flat=True)) == {now + timedelta(hours=2)}


def test_approving_a_key_the_resident_already_holds_is_refused_as_stale(pms, prop_a, alice):
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara", unit_id=P12B))
    pms.sync()
    resident = resident_of("R1")
    entrances = Key.objects.get(property=prop_a, name="Resident Entrances")
    key_grant(key=entrances, resident=resident, actor=alice)  # given by hand meanwhile

    result = approve_all(prop_a, alice)

    assert result.granted == 2
    assert result.refused == ["Ana Abara already holds “Resident Entrances”."]
    assert KeyGrant.objects.filter(resident=resident, key=entrances).count() == 1
    stale = AccessSuggestion.objects.get(key=entrances)
    assert stale.state == AccessSuggestion.State.STALE
    # The refusal is audited as a discard "no longer applies".
    event = AccessEvent.objects.get(action=AccessEvent.Action.SUGGESTION_DISCARDED)
    assert event.subject.endswith("(no longer applies)")


def test_approving_twice_grants_once(pms, prop_a, alice):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    ids = list(AccessSuggestion.objects.values_list("id", flat=True))

    first = suggestions_approve(property=prop_a, suggestion_ids=ids, actor=alice)
    second = suggestions_approve(property=prop_a, suggestion_ids=ids, actor=alice)

    assert first.granted == 3
    assert (second.granted, second.refused) == (
        0,
        [
            "3 suggestions were no longer waiting (already approved or discarded, perhaps by "
            "someone else); nothing was done with them."
        ],
    )
    assert KeyGrant.objects.count() == 3


def test_the_same_id_twice_in_one_approval_counts_once(pms, prop_a, alice):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    s = AccessSuggestion.objects.first()

    result = suggestions_approve(property=prop_a, suggestion_ids=[s.id, s.id], actor=alice)

    assert (result.granted, result.refused) == (1, [])


def test_approving_a_revoke_of_a_grant_already_revoked_is_refused(pms, prop_a, alice):
    resident = move_in(pms, prop_a, alice, first_name="Ana", last_name="Abara")
    pms.change("R1", **PAST)
    pms.sync()
    unit_grant = KeyGrant.objects.get(resident=resident, key__name="Unit A 12B")
    key_grant_revoke(grant=unit_grant, actor=alice, reason="Keys handed back")

    result = approve_all(prop_a, alice)

    assert result.revoked == 2
    assert result.refused == ["Ana Abara no longer holds “Unit A 12B”."]
    unit_grant.refresh_from_db()
    assert unit_grant.revoke_reason == "Keys handed back"  # not rewritten by the approval
    assert AccessSuggestion.objects.get(key=unit_grant.key, kind="revoke").state == "stale"


def test_a_revoke_approved_late_leaves_a_later_grant_alone(pms, prop_a, alice):
    # Regression: a revoke suggestion names a grant; once that grant is gone, approving
    # it revoked whatever grant of the key the resident held now — here the key a
    # manager gave back by hand (a manual override, which stands until the PMS changes).
    # (A Past resident can no longer be granted a key by hand: the writer reads their
    # status under its lock, so the case is a unit move.)
    resident = move_in(pms, prop_a, alice, first_name="Ana", last_name="Abara")
    pms.change("R1", unit_id=P14C, unit_name="14C")
    pms.sync()
    assert pending(resident) == [("grant", "Unit A 14C"), ("revoke", "Unit A 12B")]
    # Taken and given back by hand (a status change would supersede the suggestions)
    grant = KeyGrant.objects.select_related("key").get(
        resident=resident, revoked_at=None, key__name="Unit A 12B"
    )
    key_grant_revoke(grant=grant, actor=alice, reason="by hand")
    key_grant(key=grant.key, resident=resident, actor=alice)

    result = approve_all(prop_a, alice)

    assert (result.revoked, result.granted) == (0, 1)
    assert result.refused == [
        "Ana Abara's “Unit A 12B” was already revoked; the key was given again since."
    ]
    assert active_keys(resident) == [*MOVE_IN_KEYS, "Unit A 14C"]


def test_approving_a_grant_for_a_resident_no_longer_current_is_refused(pms, prop_a, alice):
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara", unit_id=P12B))
    pms.sync()
    resident = resident_of("R1")
    # Not living here yet, changed another way than the status button (which supersedes
    # the suggestions): approval still checks the present state.
    Resident.objects.filter(id=resident.id).update(status=ResidentStatus.FUTURE)

    result = approve_all(prop_a, alice)

    assert result.granted == 0
    assert "Ana Abara is now a future resident: “Unit A 12B” was not granted." in result.refused
    assert not KeyGrant.objects.exists()


def test_approving_a_grant_for_a_past_resident_is_refused(pms, prop_a, alice):
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara", unit_id=P12B))
    pms.sync()
    Resident.objects.filter(id=resident_of("R1").id).update(status=ResidentStatus.PAST)

    result = approve_all(prop_a, alice)

    assert result.granted == 0
    assert "Ana Abara is now a past resident: “Unit A 12B” was not granted." in result.refused


def test_a_managers_status_change_supersedes_what_was_waiting_for_the_resident(pms, prop_a, alice):
    pms.put(pms_resident("R1", first_name="Ana", last_name="Abara", unit_id=P12B))
    pms.sync()
    resident = resident_of("R1")
    waiting = list(suggestions_pending(property=prop_a).values_list("id", flat=True))
    assert len(waiting) == 3

    resident_status_change(resident=resident, new_status="past", actor=alice)

    # Nothing left in the alert window for her, and the bell stops counting it
    assert pending(resident) == []
    assert set(AccessSuggestion.objects.values_list("state", flat=True)) == {"superseded"}
    result = suggestions_approve(property=prop_a, suggestion_ids=waiting, actor=alice)
    assert (result.granted, len(result.refused)) == (0, 1)
    assert not KeyGrant.objects.exists()


@pytest.mark.postgresql
def test_approvals_run_in_batches_of_500(pms, prop_a, alice, monkeypatch):
    monkeypatch.setattr("access.automation.APPROVE_BATCH", 2)
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    ids = list(AccessSuggestion.objects.values_list("id", flat=True))

    with CaptureQueriesContext(connection) as queries:
        result = suggestions_approve(property=prop_a, suggestion_ids=ids, actor=alice)

    assert result.granted == 3
    locks = [q for q in queries if "FOR UPDATE" in q["sql"] and "accesssuggestion" in q["sql"]]
    assert len(locks) == 2  # 3 suggestions, batches of 2


# --- Automatic ---------------------------------------------------------------------------------


def test_automatic_move_in_is_applied_within_the_sync_by_automation(pms, automatic, now):
    pms.put(pms_resident("R1", unit_id=P12B))

    pms.sync()

    resident = resident_of("R1")
    assert active_keys(resident) == MOVE_IN_KEYS
    grants = KeyGrant.objects.filter(resident=resident)
    assert {(g.starts_at, g.source, g.granted_by_id) for g in grants} == {
        (now + timedelta(minutes=15), KeyGrant.Source.AUTOMATED, None)
    }
    assert not AccessSuggestion.objects.exists()
    assert grant_events(resident) == [("key_granted", "automation", k) for k in MOVE_IN_KEYS]
    event = AccessEvent.objects.filter(action="key_granted").first()
    assert event.actor is None and event.created_at == now
    assert event.reason == "New → Current: Lease is current in the PMS"


def test_automatic_move_out_revokes_every_key_manual_and_automatic(pms, prop_a, alice, automatic):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    resident = resident_of("R1")
    key_grant(key=KeyFactory(property=prop_a, name="Storage"), resident=resident, actor=alice)

    pms.change("R1", **PAST)
    pms.sync()

    assert active_keys(resident) == []
    assert set(KeyGrant.objects.values_list("revoke_reason", flat=True)) == {
        "Automated Access: lease change in the PMS"
    }
    revoked = sorted(
        AccessEvent.objects.filter(action="key_revoked").values_list("actor_label", "key__name")
    )
    assert revoked == [("automation", k) for k in [*MOVE_IN_KEYS[:2], "Storage", MOVE_IN_KEYS[2]]]


def test_automatic_unit_change_swaps_unit_keys(pms, automatic):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()

    pms.change("R1", unit_id=P14C, unit_name="14C")
    pms.sync()

    resident = resident_of("R1")
    assert active_keys(resident) == ["Resident Amenities", "Resident Entrances", "Unit A 14C"]
    assert str(resident.unit) == "A 14C"


def test_automatic_unmapped_unit_grants_the_common_keys_only(pms, automatic):
    pms.put(pms_resident("R1", unit_id=P15D, unit_name="15D"))

    pms.sync()

    assert active_keys(resident_of("R1")) == ["Resident Amenities", "Resident Entrances"]


def test_switching_to_automatic_leaves_pending_suggestions_for_review(pms, integration):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    integration.access_mode = AccessMode.AUTOMATIC
    integration.save(update_fields=["access_mode"])

    pms.put(pms_resident("R2", first_name="Bo", unit_id=P14C))
    pms.sync()

    assert pending(resident_of("R1")) == MOVE_IN
    assert active_keys(resident_of("R2")) == [
        "Resident Amenities",
        "Resident Entrances",
        "Unit A 14C",
    ]


def test_automatic_grants_nothing_to_a_resident_a_manager_made_past(pms, prop_a, alice, automatic):
    # Regression: a PMS unit change is no lifecycle change, so the manager's Past stands —
    # yet Automatic granted the new unit's key to the past resident.
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    resident = resident_of("R1")
    resident_status_change(resident=resident, new_status=ResidentStatus.PAST, actor=alice)

    pms.change("R1", unit_id=P14C, unit_name="14C")
    pms.sync()

    resident.refresh_from_db()
    assert resident.status == ResidentStatus.PAST
    assert active_keys(resident) == []


def test_a_unit_change_suggests_no_grant_to_a_resident_a_manager_made_past(pms, prop_a, alice):
    resident = move_in(pms, prop_a, alice)
    resident_status_change(resident=resident, new_status=ResidentStatus.PAST, actor=alice)

    pms.change("R1", unit_id=P14C, unit_name="14C")
    pms.sync()

    assert pending(resident) == []


def test_a_transition_applied_automatically_supersedes_pending_revokes(
    pms, prop_a, alice, integration
):
    # Regression: revokes left pending from a move-out survived the switch to Automatic
    # and the lease coming back; approving them took every key from a current resident.
    resident = move_in(pms, prop_a, alice)
    pms.change("R1", **PAST)
    pms.sync()
    integration.access_mode = AccessMode.AUTOMATIC
    integration.save(update_fields=["access_mode"])

    pms.change("R1", **CURRENT)
    pms.sync()

    assert pending(resident) == []
    assert set(AccessSuggestion.objects.filter(kind="revoke").values_list("state", flat=True)) == {
        AccessSuggestion.State.SUPERSEDED
    }
    assert active_keys(resident) == MOVE_IN_KEYS


# --- Common-area keys --------------------------------------------------------------------------


def test_common_area_keys_go_to_every_current_resident_with_the_keys_shareable_flag(
    pms, prop_a, alice, automatic
):
    Key.objects.filter(property=prop_a, name="Resident Amenities").update(shareable=True)
    pms.put(
        pms_resident("R1", unit_id=P12B),
        pms_resident("R2", first_name="Bo", unit_id=P14C),
        pms_resident("R3", first_name="Cy", lifecycle=Lifecycle.FUTURE, raw_status="Future"),
    )
    pms.sync()

    # A key newly flagged "share with all current residents" goes to them at once...
    pool = key_create(
        property=prop_a,
        name="Pool",
        kind=Key.Kind.COMMON,
        shareable=True,
        share_with_current_residents=True,
        actor=alice,
    )
    # ...and to the next move-in through Automated Access.
    pms.change("R3", **CURRENT)
    pms.sync()

    for ext in ("R1", "R2", "R3"):
        resident = resident_of(ext)
        assert {"Pool", "Resident Amenities", "Resident Entrances"} <= set(active_keys(resident))
        shareable = dict(
            KeyGrant.objects.filter(resident=resident, key__kind=Key.Kind.COMMON).values_list(
                "key__name", "shareable"
            )
        )
        assert shareable == {"Pool": True, "Resident Amenities": True, "Resident Entrances": False}
    assert KeyGrant.objects.filter(key=pool).count() == 3


def test_approved_grants_keep_the_keys_shareable_flag(pms, prop_a, alice):
    Key.objects.filter(property=prop_a, name="Resident Entrances").update(shareable=True)
    move_in(pms, prop_a, alice)

    assert dict(KeyGrant.objects.values_list("key__name", "shareable")) == {
        "Resident Amenities": False,
        "Resident Entrances": True,
        "Unit A 12B": False,
    }


def test_sharing_a_key_skips_future_and_past_residents_and_current_holders(
    pms, prop_a, alice, automatic
):
    pms.put(
        pms_resident("R1", unit_id=P12B),
        pms_resident("R2", first_name="Bo", lifecycle=Lifecycle.FUTURE, raw_status="Future"),
    )
    pms.sync()
    gym = KeyFactory(property=prop_a, name="Gym", kind=Key.Kind.COMMON)
    key_grant(key=gym, resident=resident_of("R1"), actor=alice)

    from access.services import key_update

    key_update(
        key=gym,
        name="Gym",
        kind=Key.Kind.COMMON,
        unit_id=None,
        door_ids=[],
        shareable=False,
        share_with_current_residents=True,
        actor=alice,
    )

    assert KeyGrant.objects.filter(key=gym).count() == 1
    assert "Gym" not in active_keys(resident_of("R2"))


# --- Manual overrides ----------------------------------------------------------------------------


def test_a_manual_override_stands_until_the_pms_lifecycle_changes(pms, prop_a, alice, automatic):
    # Given a resident the PMS still calls future, made Current by a manager
    pms.put(pms_resident("R1", unit_id=P12B, lifecycle=Lifecycle.FUTURE, raw_status="Future"))
    pms.sync()
    resident = resident_of("R1")
    resident_status_change(resident=resident, new_status=ResidentStatus.CURRENT, actor=alice)
    assert active_keys(resident) == MOVE_IN_KEYS
    manual = set(KeyGrant.objects.values_list("id", flat=True))

    # When the PMS record changes, but not its lease
    pms.change("R1", phone="+14155550199")
    pms.sync()

    # Then the override stands: still Current, keys kept
    resident.refresh_from_db()
    assert (resident.status, resident.status_source) == ("current", StatusSource.MANUAL)
    assert active_keys(resident) == MOVE_IN_KEYS

    # When the PMS lease goes current too: the move-in grants nothing twice
    pms.change("R1", **CURRENT)
    pms.sync()
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.CURRENT
    assert set(KeyGrant.objects.values_list("id", flat=True)) == manual

    # And a move-out revokes the keys the manager gave, too
    pms.change("R1", **PAST)
    pms.sync()
    assert active_keys(resident) == []


def test_a_manual_move_out_is_not_undone_by_a_resync(pms, prop_a, alice, automatic):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    resident = resident_of("R1")
    resident_status_change(resident=resident, new_status=ResidentStatus.PAST, actor=alice)
    assert active_keys(resident) == []

    pms.change("R1", phone="+14155550199")
    pms.sync()

    resident.refresh_from_db()
    assert resident.status == ResidentStatus.PAST
    assert active_keys(resident) == []

    # The next PMS lifecycle change leads again.
    pms.change("R1", **NOTICE)
    pms.sync()
    resident.refresh_from_db()
    assert (resident.status, resident.status_source) == ("current", StatusSource.PMS)


# --- Mode Off ---------------------------------------------------------------------------------------


def test_mode_off_touches_no_key(pms, prop_a, alice, integration):
    resident = move_in(pms, prop_a, alice)
    integration.access_mode = AccessMode.OFF
    integration.save(update_fields=["access_mode"])
    events_before = AccessEvent.objects.filter(action__in=["key_granted", "key_revoked"]).count()

    pms.put(pms_resident("R2", first_name="Bo", unit_id=P14C))
    pms.change("R1", **PAST)
    pms.sync()

    assert resident_of("R2").status == ResidentStatus.CURRENT
    assert active_keys(resident_of("R2")) == []
    resident.refresh_from_db()
    assert resident.status == ResidentStatus.PAST  # User Sync still applies the lease
    assert active_keys(resident) == MOVE_IN_KEYS
    assert pending() == []
    assert (
        AccessEvent.objects.filter(action__in=["key_granted", "key_revoked"]).count()
        == events_before
    )


# --- Automate Access tab -------------------------------------------------------------------------


def tab_url(prop) -> str:
    return reverse("integrations-manage", args=[prop.id, "automate-access"])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_automate_access_tab_shows_the_modes(alice_client, prop_a, integration):
    response = alice_client.get(tab_url(prop_a))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="approval_required" selected' in body
    assert "Automatic" in body and "Off" in body


def test_automate_access_refuses_to_turn_on_without_user_sync_and_says_why(
    alice_client, prop_a, integration
):
    integration.user_sync_enabled = False
    integration.access_mode = AccessMode.OFF
    integration.save(update_fields=["user_sync_enabled", "access_mode"])

    response = alice_client.post(tab_url(prop_a), {"access_mode": "automatic"})

    assert response.status_code == 200
    assert messages_of(response) == [
        "Automated Access needs User Sync: it acts on the lease changes User Sync brings "
        "in. Turn User Sync on first (User Sync tab)."
    ]
    assert "Automated Access needs User Sync" in response.content.decode()
    integration.refresh_from_db()
    assert integration.access_mode == AccessMode.OFF
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED).exists()


def test_automate_access_can_be_turned_off_without_user_sync(alice_client, prop_a, integration):
    integration.user_sync_enabled = False
    integration.save(update_fields=["user_sync_enabled"])

    response = alice_client.post(tab_url(prop_a), {"access_mode": "off"})

    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.access_mode == AccessMode.OFF


def test_automate_access_saves_the_mode_and_audits_it(alice_client, alice, prop_a, integration):
    response = alice_client.post(tab_url(prop_a), {"access_mode": "automatic"})

    assert response.status_code == 302 and response.url == tab_url(prop_a)
    assert messages_of(response) == ["Automated Access: Automatic."]
    integration.refresh_from_db()
    assert integration.access_mode == AccessMode.AUTOMATIC
    event = AccessEvent.objects.get(action=AccessEvent.Action.SETTING_CHANGED)
    assert event.subject == "Automated Access: Approval Required → Automatic"
    assert (event.actor, event.actor_label, event.data) == (
        alice,
        "Alice Ames",
        {"access_mode": "automatic"},
    )


def test_automate_access_saving_the_same_mode_writes_no_audit(alice_client, prop_a, integration):
    alice_client.post(tab_url(prop_a), {"access_mode": "approval_required"})
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED).exists()


def test_automate_access_refuses_an_unknown_mode(alice_client, prop_a, integration):
    response = alice_client.post(tab_url(prop_a), {"access_mode": "sometimes"})

    assert messages_of(response) == ["Choose Off, Approval Required or Automatic."]
    integration.refresh_from_db()
    assert integration.access_mode == AccessMode.APPROVAL_REQUIRED


def test_switching_to_automatic_leaves_older_suggestions_for_review_and_says_so(
    pms, alice_client, prop_a, integration
):
    pms.put(pms_resident("R1", unit_id=P12B))
    pms.sync()
    waiting = len(pending())
    assert waiting == 3  # the unit key and the two common-area keys
    assert f"{waiting} access suggestions waiting in the alert window." in (
        alice_client.get(tab_url(prop_a)).content.decode()
    )

    alice_client.post(tab_url(prop_a), {"access_mode": "automatic"})

    # Switching decides nothing by itself: the older suggestions wait for a manager
    assert len(pending()) == waiting
    assert active_keys(resident_of("R1")) == []
    page = alice_client.get(tab_url(prop_a)).content.decode()
    assert (
        f"{waiting} access suggestions made before this mode are still waiting in the alert "
        "window. Automatic applies only changes seen from now on: review them there"
    ) in page


def test_automate_access_tab_of_another_organization_is_404(bob_client, prop_a, integration):
    assert bob_client.get(tab_url(prop_a)).status_code == 404
    assert bob_client.post(tab_url(prop_a), {"access_mode": "off"}).status_code == 404
    integration.refresh_from_db()
    assert integration.access_mode == AccessMode.APPROVAL_REQUIRED


# --- Update Access and discard (the alert window) ---------------------------------------------

HTMX = {"HX-Request": "true"}


def update_url(prop) -> str:
    return reverse("suggestions-update-access", args=[prop.id])


def discard_url(prop, suggestion) -> str:
    return reverse("suggestion-discard", args=[prop.id, suggestion.id])


def flash(response) -> str:
    body = response.content.decode()
    start = body.index('data-testid="alert-flash">') + len('data-testid="alert-flash">')
    return body[start : body.index("</div>", start)]


@pytest.fixture
def twenty_move_ins(pms) -> list[int]:
    """20 residents moving in to 12B: 60 pending grant suggestions."""
    pms.put(*many_residents(20))
    pms.sync()
    ids = list(AccessSuggestion.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 60
    return ids


def test_update_access_applies_the_selection(alice_client, prop_a, twenty_move_ins):
    chosen = twenty_move_ins[:6]

    response = alice_client.post(update_url(prop_a), {"suggestion": chosen}, headers=HTMX)

    assert response.status_code == 200
    assert flash(response) == "Access updated: 6 keys granted."
    assert KeyGrant.objects.count() == 6
    assert suggestion_counts(property=prop_a)["all"] == 54


def test_update_access_without_htmx_redirects_with_a_message(alice_client, prop_a, twenty_move_ins):
    response = alice_client.post(update_url(prop_a), {"suggestion": twenty_move_ins[:3]})

    assert response.status_code == 302
    assert messages_of(response) == ["Access updated: 3 keys granted."]


def test_update_access_refuses_more_than_50_selected_and_changes_nothing(
    alice_client, prop_a, twenty_move_ins
):
    response = alice_client.post(
        update_url(prop_a), {"suggestion": twenty_move_ins[:51]}, headers=HTMX
    )

    assert response.status_code == 200
    assert flash(response) == (
        "Select up to 50 suggestions at a time, or use “Select all matching”. Nothing was changed."
    )
    assert not KeyGrant.objects.exists()
    assert suggestion_counts(property=prop_a)["all"] == 60


def test_update_access_accepts_exactly_50(alice_client, prop_a, twenty_move_ins):
    alice_client.post(update_url(prop_a), {"suggestion": twenty_move_ins[:50]}, headers=HTMX)
    assert KeyGrant.objects.count() == 50


def test_update_access_with_nothing_selected_says_so(alice_client, prop_a, twenty_move_ins):
    response = alice_client.post(update_url(prop_a), {}, headers=HTMX)
    assert flash(response) == "Select at least one suggestion first."


def test_update_access_all_matching_applies_only_the_chosen_kind(
    alice_client, prop_a, pms, twenty_move_ins
):
    pms.put(pms_resident("R9", first_name="Zed", unit_id=P15D))  # one grey + two green
    pms.sync()

    response = alice_client.post(
        update_url(prop_a), {"all_matching": "1", "kind": "none"}, headers=HTMX
    )

    assert flash(response) == "Access updated: 1 no-change suggestion cleared."
    assert suggestion_counts(property=prop_a) == {"grant": 62, "all": 62}


def test_update_access_refused_items_are_named(alice_client, prop_a, twenty_move_ins):
    s = AccessSuggestion.objects.select_related("resident", "key").get(id=twenty_move_ins[0])
    key_grant(key=s.key, resident=s.resident, actor=None)

    response = alice_client.post(update_url(prop_a), {"suggestion": [s.id]}, headers=HTMX)

    assert flash(response) == (
        f"Nothing was applied. Not applied: {s.resident.full_name} already holds “{s.key.name}”."
    )


# Update Access with "all matching", per request:
#   1. SELECT django_session                         (the login)
#   2. SELECT auth_user
#   3. SELECT property JOIN organization WHERE EXISTS membership  (the URL's property)
#   4. SELECT accesssuggestion.id … pending          (all matching ids)
# then the alert window re-rendered:
#   5. SELECT syncalert JOIN resident … open         (sync alerts shown)
#   6. SELECT accesssuggestion … pending LIMIT 200   (suggestions shown: none left)
#   7. SELECT kind, COUNT(*) … GROUP BY kind         (the counts by kind)
#   8. SELECT property … WHERE EXISTS membership     (the property switcher)
#   9. SELECT the sync's state: last run, last success     (the window's "sync needs a look")
#  10. SELECT COUNT pending suggestions, COUNT open alerts, the sync's state
#                                                    (the alert icon, one query)
UPDATE_ACCESS_QUERIES = 10
# Each batch of suggestions, whatever its size (the lock order of access/grants.py):
#   SAVEPOINT                                         (the batch's transaction)
#   SELECT resident … WHERE id IN (SELECT resident_id FROM accesssuggestion …)
#          ORDER BY id FOR NO KEY UPDATE             (the residents first)
#   SELECT accesssuggestion JOIN resident, key … FOR UPDATE OF accesssuggestion
#   SELECT keygrant WHERE resident_id IN … active     (what the residents hold now)
#   SELECT key WHERE id IN …                          (the keys granted: name, shareable)
#   SAVEPOINT, INSERT keygrant …, RELEASE             (the grants, guarded: a clash with a
#                                                      grant written meanwhile is dropped)
#   UPDATE accesssuggestion SET state … WHERE id IN   (one per outcome; all approved here)
#   INSERT accessevent …                              (grants and approvals audited)
#   RELEASE SAVEPOINT
# (No UPDATE keygrant: these are grants only, and Django skips an `id IN ()` update.)
APPROVE_BATCH_QUERIES = 11


def counted_update_all(client, prop) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(update_url(prop), {"all_matching": "1"}, headers=HTMX)
    assert response.status_code == 200
    return len(queries)


def test_update_access_all_matching_queries_grow_with_batches_not_suggestions(
    alice_client, prop_a, pms, twenty_move_ins, monkeypatch
):
    monkeypatch.setattr("access.automation.APPROVE_BATCH", 15)

    # 60 suggestions: 4 batches of 15
    sixty = counted_update_all(alice_client, prop_a)
    assert KeyGrant.objects.count() == 60
    assert suggestion_counts(property=prop_a)["all"] == 0

    # 120 more (40 new move-ins): 8 batches
    pms.put(*many_residents(40, start=100))
    pms.sync()
    hundred_twenty = counted_update_all(alice_client, prop_a)

    assert KeyGrant.objects.count() == 180
    assert sixty == UPDATE_ACCESS_QUERIES + 4 * APPROVE_BATCH_QUERIES
    assert hundred_twenty - sixty == 4 * APPROVE_BATCH_QUERIES


@pytest.mark.postgresql
def test_update_access_all_matching_in_one_batch_of_500(
    alice_client, alice, prop_a, twenty_move_ins
):
    queries = counted_update_all(alice_client, prop_a)

    assert queries == UPDATE_ACCESS_QUERIES + APPROVE_BATCH_QUERIES
    assert KeyGrant.objects.filter(granted_by=alice).count() == 60


def test_discard_via_the_x_button(alice_client, alice, prop_a, twenty_move_ins):
    s = AccessSuggestion.objects.select_related("resident", "key").get(id=twenty_move_ins[0])

    response = alice_client.post(discard_url(prop_a, s), {"kind": ""}, headers=HTMX)

    assert response.status_code == 200
    assert flash(response) == "Suggestion discarded."
    s.refresh_from_db()
    assert (s.state, s.decided_by) == (AccessSuggestion.State.DISCARDED, alice)
    event = AccessEvent.objects.get(action=AccessEvent.Action.SUGGESTION_DISCARDED)
    assert event.actor == alice
    assert event.subject == f"Grant suggestion for {s.resident.full_name}: “{s.key.name}” discarded"
    assert not KeyGrant.objects.exists()

    again = alice_client.post(discard_url(prop_a, s), headers=HTMX)
    assert flash(again) == "That suggestion was already handled."
    assert AccessEvent.objects.filter(action="suggestion_discarded").count() == 1


def test_discard_and_update_access_need_post(alice_client, prop_a, twenty_move_ins):
    s = AccessSuggestion.objects.get(id=twenty_move_ins[0])
    assert alice_client.get(discard_url(prop_a, s)).status_code == 405
    assert alice_client.get(update_url(prop_a)).status_code == 405


def test_another_organizations_manager_gets_404_and_changes_nothing(
    bob_client, prop_a, twenty_move_ins
):
    s = AccessSuggestion.objects.get(id=twenty_move_ins[0])

    assert bob_client.post(discard_url(prop_a, s), headers=HTMX).status_code == 404
    assert bob_client.post(update_url(prop_a), {"all_matching": "1"}).status_code == 404
    assert bob_client.post(update_url(prop_a), {"suggestion": [s.id]}).status_code == 404

    assert suggestion_counts(property=prop_a)["all"] == 60
    assert not KeyGrant.objects.exists()


def test_a_suggestion_id_of_another_property_is_404_and_not_approved(
    alice_client, prop_a, prop_a2, twenty_move_ins
):
    s = AccessSuggestion.objects.get(id=twenty_move_ins[0])

    assert alice_client.post(discard_url(prop_a2, s), headers=HTMX).status_code == 404
    response = alice_client.post(update_url(prop_a2), {"suggestion": [s.id]}, headers=HTMX)
    assert flash(response).startswith("Nothing was applied.")
    s.refresh_from_db()
    assert s.state == AccessSuggestion.State.PENDING
