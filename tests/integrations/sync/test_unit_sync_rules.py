"""The Unit Sync rules end to end: a hand-written PMS snapshot (residents *and* PMS units)
through the real `user_sync_execute`, then the database — PMS units, residents' units,
PMS records, sync outcomes, audit events — and the Unit Mapping services' refusals.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AccessEvent
from integrations.models import Outcome, PMSRecord, PMSUnit, SyncRun
from integrations.pms.types import Lifecycle
from integrations.pms.types import PMSUnit as PMSUnitRecord
from integrations.sync.user_sync import Snapshot
from integrations.unit_mapping import (
    unit_mapping_remove,
    unit_mappings_save,
    unit_sync_set,
)
from residents.models import Resident, ResidentStatus
from residents.services import ResidentData, resident_update
from tests.factories import ResidentFactory, UnitFactory
from tests.integrations.sync.fake_pms import FakePMS, pms_resident
from units.models import Unit
from units.selectors import units_for_property
from units.services import unit_create

pytestmark = pytest.mark.django_db

P12B, P14C, P15D = "10001", "10002", "10003"


def pms_unit(external_id: str, name: str, building: str = "A", floor: str = "1") -> PMSUnitRecord:
    return PMSUnitRecord(
        id=external_id, pms_property_id="1001", name=name, building=building, floor=floor
    )


class UnitPMS(FakePMS):
    """FakePMS that also lists PMS units, as every real fetch does (units first)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units: dict[str, PMSUnitRecord] = {}

    def put_units(self, *units: PMSUnitRecord) -> None:
        for unit in units:
            self.units[unit.id] = unit

    def _fetch(self, *, run: SyncRun) -> Snapshot:
        snapshot = super()._fetch(run=run)
        snapshot.units = list(self.units.values())
        return snapshot


@pytest.fixture
def pms(integration, monkeypatch) -> UnitPMS:
    pms = UnitPMS(integration, monkeypatch)
    pms.put_units(pms_unit(P12B, "12B"), pms_unit(P14C, "14C"), pms_unit(P15D, "15D"))
    return pms


@pytest.fixture
def unit_b(prop_a) -> Unit:
    return unit_create(property=prop_a, name="14C", building="A", floor="14", actor=None)


@pytest.fixture
def unit_c(prop_a) -> Unit:
    return unit_create(property=prop_a, name="15D", building="A", floor="15", actor=None)


def sync(pms: UnitPMS) -> SyncRun:
    run = pms.sync()
    assert run.state == SyncRun.State.SUCCEEDED, run.error
    return run


def row(external_id: str) -> PMSUnit:
    return PMSUnit.objects.get(external_id=external_id)


def map_units(integration, alice, **by_external_id: str) -> None:
    """Map through the real service, as the Unit Mapping tab does: {"10001": "A 12B"}."""
    ids = dict(PMSUnit.objects.filter(integration=integration).values_list("external_id", "id"))
    unit_mappings_save(
        integration=integration,
        choices={ids[ext]: typed for ext, typed in by_external_id.items()},
        actor=alice,
    )


def unit_of(external_id: str) -> Unit | None:
    resident = PMSRecord.objects.select_related("resident__unit").get(external_id=external_id)
    return resident.resident.unit


def first_sync_with_mapping(pms: UnitPMS, integration, alice, **mapping: str) -> None:
    """Given the PMS units known (a first sync with nobody in it) and mapped."""
    sync(pms)
    map_units(integration, alice, **mapping)


def occupancy_events() -> list[str]:
    return list(
        AccessEvent.objects.filter(action=AccessEvent.Action.OCCUPANCY_CHANGED)
        .order_by("id")
        .values_list("subject", flat=True)
    )


def occupied(prop) -> dict[str, bool]:
    return {str(u): u.is_occupied for u in units_for_property(property=prop)}


# --- PMS units are stored with every sync ---------------------------------------------


def test_pms_units_are_stored_with_every_sync(pms, integration):
    run = sync(pms)

    rows = list(PMSUnit.objects.order_by("external_id"))
    assert [(r.external_id, r.name, r.building, r.floor, r.pms_property_id) for r in rows] == [
        (P12B, "12B", "A", "1", "1001"),
        (P14C, "14C", "A", "1", "1001"),
        (P15D, "15D", "A", "1", "1001"),
    ]
    assert all(r.integration_id == integration.id for r in rows)
    assert all(r.first_seen_at and r.first_seen_at <= run.finished_at for r in rows)
    assert all(r.unit_id is None and r.gone_from_pms_at is None for r in rows)


def test_a_renamed_pms_unit_is_updated_in_place(pms):
    sync(pms)
    first_seen = row(P14C).first_seen_at

    # When the PMS renames it and moves it to another floor
    pms.put_units(pms_unit(P14C, "14C-East", floor="14"))
    sync(pms)

    renamed = row(P14C)
    assert (renamed.name, renamed.floor, renamed.first_seen_at) == ("14C-East", "14", first_seen)
    assert PMSUnit.objects.count() == 3


def test_a_pms_unit_gone_from_the_pms_is_kept_marked_and_keeps_its_mapping(
    pms, integration, alice, unit_a
):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B"})

    # When the PMS no longer lists 12B
    del pms.units[P12B]
    run = sync(pms)

    gone = row(P12B)
    assert gone.gone_from_pms_at is not None
    assert gone.gone_from_pms_at <= run.finished_at
    assert gone.unit == unit_a  # never deleted, mapping kept
    assert row(P14C).gone_from_pms_at is None

    # When it comes back, the mark is cleared
    pms.put_units(pms_unit(P12B, "12B"))
    sync(pms)

    back = row(P12B)
    assert back.gone_from_pms_at is None
    assert back.unit == unit_a
    assert PMSUnit.objects.count() == 3


def test_a_snapshot_without_units_marks_no_pms_unit_gone(pms):
    sync(pms)

    # When a fetch lists no units at all (nothing is inferred from missing data)
    pms.units.clear()
    sync(pms)

    assert PMSUnit.objects.filter(gone_from_pms_at__isnull=False).count() == 0


# --- residents of a mapped PMS unit are assigned its unit ------------------------------


def test_a_new_resident_of_a_mapped_pms_unit_is_assigned_its_unit(pms, integration, alice, unit_a):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B"})
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))

    run = sync(pms)

    assert run.counts == {"created": 1}
    resident = Resident.objects.get()
    assert resident.unit == unit_a
    assert PMSRecord.objects.get(external_id="R1").pms_unit_id == P12B
    [outcome] = run.outcomes.all()
    assert (outcome.outcome, outcome.detail) == (Outcome.CREATED, "")


def test_a_linked_resident_of_a_mapped_pms_unit_is_assigned_its_unit(
    pms, integration, alice, prop_a, unit_a
):
    # Given a resident typed in by the manager, without a unit
    ours = ResidentFactory(
        property=prop_a, first_name="Ana", last_name="Abara", email="ana.abara@example.com"
    )
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B"})
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))

    run = sync(pms)

    assert run.counts == {"linked": 1}
    ours.refresh_from_db()
    assert ours.unit == unit_a
    assert Resident.objects.count() == 1


def test_a_unit_change_in_the_pms_moves_the_resident(pms, integration, alice, unit_a, unit_b):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B", P14C: "A 14C"})
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))
    sync(pms)
    assert unit_of("R1") == unit_a

    # When the PMS moves them to 14C
    pms.change("R1", unit_id=P14C, unit_name="14C")
    run = sync(pms)

    assert unit_of("R1") == unit_b
    [outcome] = run.outcomes.all()
    assert (outcome.outcome, outcome.detail) == (Outcome.UPDATED, "unit")
    assert PMSRecord.objects.get(external_id="R1").pms_unit_id == P14C


def test_a_managers_manual_unit_change_stands_until_the_pms_unit_changes(
    pms, integration, alice, unit_a, unit_b, unit_c
):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B", P14C: "A 14C"})
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))
    sync(pms)
    resident = Resident.objects.get()
    assert resident.unit == unit_a

    # When the manager moves the resident to 15D in the console
    resident_update(
        resident=resident,
        data=ResidentData(
            first_name=resident.first_name,
            last_name=resident.last_name,
            email=resident.email,
            phone=resident.phone,
            lease_start=resident.lease_start,
            lease_end=resident.lease_end,
            move_in=resident.move_in,
            unit_id=unit_c.id,
        ),
        actor=alice,
    )
    # Then an unchanged re-sync, and a sync of some other PMS change, keep her choice
    sync(pms)
    assert unit_of("R1") == unit_c
    pms.change("R1", phone="+14155550199")
    run = sync(pms)
    assert run.counts == {"updated": 1}
    assert unit_of("R1") == unit_c

    # Until the PMS unit changes: then the PMS wins again
    pms.change("R1", unit_id=P14C, unit_name="14C")
    sync(pms)
    assert unit_of("R1") == unit_b


# --- removing and adding mappings ------------------------------------------------------


def test_removing_a_mapping_keeps_current_assignments_and_stops_new_ones(
    pms, integration, alice, unit_a, unit_b
):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B", P14C: "A 14C"})
    pms.put(
        pms_resident("R1", first_name="Ana", unit_id=P12B, unit_name="12B"),
        pms_resident("R2", first_name="Ben", unit_id=P14C, unit_name="14C"),
    )
    sync(pms)
    assert (unit_of("R1"), unit_of("R2")) == (unit_a, unit_b)

    # When the manager removes the mapping of PMS unit 12B
    unit_mapping_remove(pms_unit=row(P12B), actor=alice)
    assert row(P12B).unit is None

    # Then a re-sync, even one with changes for R1, keeps R1 in 12B
    pms.change("R1", phone="+14155550199")
    sync(pms)
    assert unit_of("R1") == unit_a

    # And new residents of PMS unit 12B get no unit, named in their outcome
    pms.put(pms_resident("R3", first_name="Chloe", unit_id=P12B, unit_name="12B"))
    # And a PMS move of R2 into 12B does not take R2 out of 14C
    pms.change("R2", unit_id=P12B, unit_name="12B")
    run = sync(pms)

    assert unit_of("R3") is None
    assert unit_of("R2") == unit_b
    assert unit_of("R1") == unit_a
    note = "PMS unit A 12B is not mapped, so no unit was assigned (map it in Unit Mapping)"
    created = run.outcomes.get(external_id="R3")
    assert (created.outcome, created.detail) == (Outcome.CREATED, note)
    assert PMSRecord.objects.get(external_id="R2").outcome_detail == note
    # The removal is audited
    event = AccessEvent.objects.get(subject__startswith="Unit Mapping removed")
    assert event.subject == "Unit Mapping removed: PMS unit A 12B ↛ unit A 12B"
    assert (event.actor, event.action) == (alice, AccessEvent.Action.SETTING_CHANGED)


def test_mapping_a_pms_unit_later_assigns_its_residents_on_the_next_sync(
    pms, integration, alice, unit_c
):
    # Given two residents synced while PMS unit 15D was unmapped
    pms.put(
        pms_resident("R1", first_name="Ana", unit_id=P15D, unit_name="15D"),
        pms_resident("R2", first_name="Ben", unit_id=P15D, unit_name="15D"),
    )
    run = sync(pms)
    assert run.counts == {"created": 2}
    assert Resident.objects.filter(unit__isnull=False).count() == 0

    # When the manager maps it (and the PMS data has not changed at all)
    map_units(integration, alice, **{P15D: "A 15D"})
    assert set(PMSRecord.objects.values_list("pms_unit_id", flat=True)) == {""}
    run = sync(pms)

    # Then the next sync assigns them
    assert (unit_of("R1"), unit_of("R2")) == (unit_c, unit_c)
    assert run.counts == {"updated": 2}
    assert set(run.outcomes.values_list("detail", flat=True)) == {"unit"}
    # And the sync after that has nothing left to do
    assert sync(pms).counts == {"unchanged": 2}


def test_remapping_a_pms_unit_to_another_unit_moves_its_residents(
    pms, integration, alice, unit_a, unit_b
):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B"})
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))
    sync(pms)

    # When 12B is remapped: removed, then mapped to unit 14C
    unit_mapping_remove(pms_unit=row(P12B), actor=alice)
    map_units(integration, alice, **{P12B: "A 14C"})
    sync(pms)

    assert unit_of("R1") == unit_b


# --- unmapped and unknown PMS units ---------------------------------------------------


def test_residents_of_an_unmapped_pms_unit_are_synced_without_a_unit_and_it_is_named(pms):
    pms.put(pms_resident("R1", unit_id=P15D, unit_name="15D"))

    run = sync(pms)

    assert Resident.objects.get().unit is None
    note = "PMS unit A 15D is not mapped, so no unit was assigned (map it in Unit Mapping)"
    [outcome] = run.outcomes.all()
    assert (outcome.outcome, outcome.detail) == (Outcome.CREATED, note)
    assert PMSRecord.objects.get().outcome_detail == note


def test_an_unknown_pms_unit_is_named_as_unknown(pms):
    # Given a resident whose PMS unit is not in the PMS's own unit list
    pms.put(pms_resident("R1", unit_id="99999", unit_name="Z-999"))

    run = sync(pms)

    assert Resident.objects.get().unit is None
    [outcome] = run.outcomes.all()
    assert outcome.detail == (
        "PMS unit Z-999 is unknown (not in the PMS unit list), so no unit was assigned"
    )


def test_a_linked_resident_moved_to_an_unmapped_pms_unit_keeps_their_unit_and_says_why(
    pms, integration, alice, unit_a
):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B"})
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))
    sync(pms)

    pms.change("R1", unit_id=P15D, unit_name="15D")
    sync(pms)

    assert unit_of("R1") == unit_a
    # "Why isn't this resident in the right unit?" — the lookup shows the record's detail
    assert PMSRecord.objects.get().outcome_detail == (
        "PMS unit A 15D is not mapped, so no unit was assigned (map it in Unit Mapping)"
    )


def test_a_resident_deleted_while_their_pms_unit_is_unmapped_comes_back_next_sync(
    pms, integration, alice, unit_a
):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B"})
    pms.put(pms_resident("R1", unit_id=P12B, unit_name="12B"))
    sync(pms)
    pms.change("R1", unit_id=P15D, unit_name="15D")
    sync(pms)
    assert PMSRecord.objects.get().outcome == "unit_not_mapped"

    # When the manager deletes the resident, the unchanged record is looked at again
    Resident.objects.all().delete()
    run = sync(pms)

    assert run.counts == {"created": 1}
    assert PMSRecord.objects.get().resident == Resident.objects.get()


# --- Unit Sync off --------------------------------------------------------------------


def test_unit_sync_off_assigns_nobody(pms, integration, alice, unit_a, unit_b):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B", P14C: "A 14C"})
    pms.put(pms_resident("R1", first_name="Ana", unit_id=P12B, unit_name="12B"))
    sync(pms)
    assert unit_of("R1") == unit_a

    # When support switches Unit Sync off
    unit_sync_set(integration=integration, enabled=False, actor=None)
    pms.put(pms_resident("R2", first_name="Ben", unit_id=P12B, unit_name="12B"))
    pms.change("R1", unit_id=P14C, unit_name="14C")
    run = sync(pms)

    # Then nobody is assigned or moved, and no outcome blames the mapping
    assert unit_of("R2") is None
    assert unit_of("R1") == unit_a
    assert set(run.outcomes.values_list("detail", flat=True)) == {""}


def test_turning_unit_sync_back_on_applies_the_pms_units_on_the_next_sync(
    pms, integration, alice, unit_a, unit_b
):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B", P14C: "A 14C"})
    pms.put(pms_resident("R1", first_name="Ana", unit_id=P12B, unit_name="12B"))
    sync(pms)
    # Given, while Unit Sync was off, a new resident and a PMS move were synced
    unit_sync_set(integration=integration, enabled=False, actor=None)
    pms.put(pms_resident("R2", first_name="Ben", unit_id=P12B, unit_name="12B"))
    pms.change("R1", unit_id=P14C, unit_name="14C")
    sync(pms)

    # When support turns it back on
    unit_sync_set(integration=integration, enabled=True, actor=None)
    sync(pms)

    # Then the next sync assigns them as the PMS says, though the PMS data did not change
    assert unit_of("R2") == unit_a
    assert unit_of("R1") == unit_b


# --- Vacant / Occupied ----------------------------------------------------------------


def test_occupancy_is_recomputed_and_each_flip_recorded(
    pms, integration, alice, prop_a, unit_a, unit_b
):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B", P14C: "A 14C"})
    assert occupied(prop_a) == {"A 12B": False, "A 14C": False}

    # When a current resident arrives in 12B, and a future one in 14C
    pms.put(
        pms_resident("R1", first_name="Ana", unit_id=P12B, unit_name="12B"),
        pms_resident("R2", first_name="Ben", unit_id=P14C, lifecycle=Lifecycle.FUTURE),
    )
    sync(pms)

    # Then 12B is Occupied; 14C stays Vacant (a future resident does not live there yet)
    assert occupied(prop_a) == {"A 12B": True, "A 14C": False}
    assert occupancy_events() == ["Unit A 12B is now Occupied"]
    event = AccessEvent.objects.get(action=AccessEvent.Action.OCCUPANCY_CHANGED)
    assert (event.actor, event.actor_label, event.property) == (None, "PMS sync", prop_a)
    assert event.data == {"unit": unit_a.id, "occupied": True}

    # When the PMS moves R1 to 14C: 12B empties, 14C fills
    pms.change("R1", unit_id=P14C, unit_name="14C")
    sync(pms)
    assert occupied(prop_a) == {"A 12B": False, "A 14C": True}
    assert occupancy_events()[1:] == ["Unit A 12B is now Vacant", "Unit A 14C is now Occupied"]

    # When R2 moves in too, 14C was already Occupied: nothing flips
    pms.change("R2", lifecycle=Lifecycle.CURRENT, raw_status="Current")
    sync(pms)
    assert len(occupancy_events()) == 3

    # When R1 moves out, R2 still lives there; when R2 moves out too, 14C is Vacant
    pms.change("R1", lifecycle=Lifecycle.PAST, raw_status="Past")
    sync(pms)
    assert len(occupancy_events()) == 3
    pms.change("R2", lifecycle=Lifecycle.PAST, raw_status="Past")
    sync(pms)
    assert occupied(prop_a) == {"A 12B": False, "A 14C": False}
    assert occupancy_events()[3:] == ["Unit A 14C is now Vacant"]
    assert Resident.objects.filter(status=ResidentStatus.PAST).count() == 2


# --- one PMS unit per unit ------------------------------------------------------------


def test_the_database_refuses_two_pms_units_on_one_unit(pms, integration, unit_a):
    sync(pms)
    PMSUnit.objects.filter(external_id=P12B).update(unit=unit_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        PMSUnit.objects.filter(external_id=P14C).update(unit=unit_a)

    assert list(PMSUnit.objects.filter(unit=unit_a).values_list("external_id", flat=True)) == [P12B]


def test_the_database_allows_many_unmapped_pms_units(pms, integration):
    sync(pms)
    assert PMSUnit.objects.filter(unit__isnull=True).count() == 3  # NULL is never a clash


def test_saving_two_pms_units_onto_one_unit_is_refused_and_nothing_is_saved(
    pms, integration, alice, unit_a, unit_b
):
    sync(pms)
    ids = dict(PMSUnit.objects.values_list("external_id", "id"))

    with pytest.raises(ValidationError) as caught:
        unit_mappings_save(
            integration=integration,
            choices={ids[P12B]: "A 12B", ids[P14C]: "a 12b", ids[P15D]: "A 14C"},
            actor=alice,
        )

    message = "Unit A 12B is chosen for more than one PMS unit; each unit maps to one PMS unit."
    assert caught.value.message_dict == {ids[P12B]: [message], ids[P14C]: [message]}
    # All or nothing: the good row (15D → 14C) was not saved either
    assert PMSUnit.objects.filter(unit__isnull=False).count() == 0
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED).exists()


def test_saving_a_unit_already_mapped_to_another_pms_unit_names_it(
    pms, integration, alice, unit_a, unit_b
):
    first_sync_with_mapping(pms, integration, alice, **{P12B: "A 12B"})
    ids = dict(PMSUnit.objects.values_list("external_id", "id"))

    with pytest.raises(ValidationError) as caught:
        unit_mappings_save(
            integration=integration,
            choices={ids[P14C]: "A 14C", ids[P15D]: "12B"},
            actor=alice,
        )

    assert caught.value.message_dict == {
        ids[P15D]: ["Unit A 12B is already mapped to PMS unit 12B. Remove that mapping first."]
    }
    assert row(P14C).unit is None
    assert row(P12B).unit == unit_a


def test_unknown_unit_names_and_foreign_rows_are_refused_row_by_row(
    pms, integration, alice, prop_a2, unit_a
):
    sync(pms)
    ids = dict(PMSUnit.objects.values_list("external_id", "id"))
    # A PMS unit of another property's integration, and a unit of another property
    other = PMSUnit.objects.create(
        integration=integration.__class__.objects.create(property=prop_a2),
        external_id="X1",
        pms_property_id="1002",
        name="1A",
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )
    unit_create(property=prop_a2, name="1A", actor=None)

    with pytest.raises(ValidationError) as caught:
        unit_mappings_save(
            integration=integration,
            choices={ids[P12B]: "A 12B", ids[P14C]: "1A", other.id: "A 12B", ids[P15D]: "  "},
            actor=alice,
        )

    assert caught.value.message_dict == {
        ids[P14C]: ["There is no unit “1A” here. Add it on Access → Units first."],
        other.id: ["That PMS unit is not part of this integration."],
    }
    assert PMSUnit.objects.filter(unit__isnull=False).count() == 0


def test_a_saved_mapping_is_stamped_and_audited(pms, integration, alice, unit_a, unit_b):
    sync(pms)
    ids = dict(PMSUnit.objects.values_list("external_id", "id"))

    result = unit_mappings_save(
        integration=integration,
        # Typed as the label, the bare name in another case; a blank row is left alone
        choices={ids[P12B]: "A 12B", ids[P14C]: " 14c ", ids[P15D]: ""},
        actor=alice,
    )

    assert result.mapped == 2
    assert (row(P12B).unit, row(P14C).unit, row(P15D).unit) == (unit_a, unit_b, None)
    assert row(P12B).mapped_by == alice
    assert row(P12B).mapped_at is not None
    event = AccessEvent.objects.get(action=AccessEvent.Action.SETTING_CHANGED)
    assert event.subject == "Unit Mapping: 2 PMS units mapped"
    assert event.actor == alice
    assert event.data == {"mapped": {P12B: unit_a.id, P14C: unit_b.id}}
    # Saving the same again changes nothing and records nothing
    again = unit_mappings_save(integration=integration, choices={ids[P12B]: "A 12B"}, actor=alice)
    assert again.mapped == 0
    assert AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED).count() == 1


def test_a_unit_label_shared_by_two_units_is_refused_as_ambiguous(
    pms, integration, alice, prop_a, unit_a
):
    # Given unit "12B" of building A, and a unit "A 12B" with no building (made outside
    # Add Unit, e.g. in admin: Add Unit refuses it, its door and key names would clash):
    # both read "A 12B" in the unit list. Two units "12B" in buildings A and B cannot
    # exist at all: unit names are unique per property.
    twin = UnitFactory(property=prop_a, name="A 12B", building="")
    assert str(twin) == str(unit_a) == "A 12B"
    sync(pms)

    with pytest.raises(ValidationError) as caught:
        unit_mappings_save(integration=integration, choices={row(P12B).id: "a 12b"}, actor=alice)

    assert caught.value.message_dict == {
        row(P12B).id: [
            "There are several units “a 12b”; rename one of them on Access → Units, "
            "then pick it here."
        ]
    }
    assert row(P12B).unit is None
    # The bare name "12B" still says which one
    unit_mappings_save(integration=integration, choices={row(P12B).id: "12B"}, actor=alice)
    assert row(P12B).unit == unit_a


def test_a_unit_picked_by_its_label_is_never_refused_as_ambiguous(pms, integration, alice, prop_a):
    # Given unit "12B" of building B, and unit "B 12B" of building Z: the list shows
    # "B 12B" and "Z B 12B", one each
    twelve_b = unit_create(property=prop_a, name="12B", building="B", actor=None)
    other = unit_create(property=prop_a, name="B 12B", building="Z", actor=None)
    sync(pms)

    unit_mappings_save(
        integration=integration,
        choices={row(P12B).id: "B 12B", row(P14C).id: "Z B 12B"},
        actor=alice,
    )

    assert (row(P12B).unit, row(P14C).unit) == (twelve_b, other)


def test_removing_a_mapping_that_is_not_there_is_refused(pms, integration, alice):
    sync(pms)

    with pytest.raises(ValidationError) as caught:
        unit_mapping_remove(pms_unit=row(P12B), actor=alice)

    assert caught.value.messages == ["That PMS unit is not mapped."]
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.SETTING_CHANGED).exists()
