"""Automated Access as a state machine: random PMS lease and unit changes synced through
the real User Sync, manual status overrides, keys given by hand, approvals (all or
some), discards and mode switches — with the invariants that must hold after any of it:

- never two active grants of one key to one resident (the database enforces it too);
- every grant and every revoke has its AccessEvent;
- a re-sync with no PMS change creates no suggestion and changes no key;
- after every pending suggestion is approved, or at any time in Automatic mode, a past
  resident holds no key — unless the manager chose otherwise (discarded a revoke) or
  the move-out was synced while Automated Access was Off.

Each example runs inside a transaction rolled back in ``teardown``: a clean slate of
residents, records, suggestions and grants over the same property, units and mapping.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from access.automation import suggestion_discard, suggestions_approve
from access.models import AccessSuggestion, Key, KeyGrant
from access.services import key_grant
from audit.models import AccessEvent
from integrations.models import AccessMode, PMSIntegration, PMSRecord
from integrations.pms.types import Lifecycle
from integrations.setup import integration_set_access_mode
from properties.models import Property
from residents.models import Resident, ResidentStatus
from residents.services import resident_status_change
from tests.access.pms_access import (
    P12B,
    P14C,
    P15D,
    PMS_UNITS,
    AccessPMS,
    integration_create,
    units_map,
)
from tests.factories import KeyFactory
from tests.integrations.sync.fake_pms import RAW_STATUS, pms_resident
from units.services import unit_create

NAMES = {"R1": ("Ana", "Abara"), "R2": ("Ben", "Bell")}
LIFECYCLES = [
    Lifecycle.FUTURE,
    Lifecycle.CURRENT,
    Lifecycle.NOTICE,
    Lifecycle.PAST,
    Lifecycle.CANCELLED,
]
UNITS = [P12B, P14C, P15D]
residents = st.sampled_from(sorted(NAMES))


@dataclass
class World:
    """What outlives the examples: the property, its three mapped units, the manager."""

    prop: Property
    integration_id: int
    alice: Any
    storage: Key
    monkeypatch: pytest.MonkeyPatch


class AutomatedAccess(RuleBasedStateMachine):
    world: ClassVar[World]

    def __init__(self) -> None:
        super().__init__()
        self._example = transaction.atomic()
        self._example.__enter__()
        w = self.world
        self.integration = PMSIntegration.objects.get(id=w.integration_id)
        self.pms = AccessPMS(self.integration, w.monkeypatch)
        self.mode = self.integration.access_mode
        # Records changed in the PMS since the last sync.
        self.unsynced: set[str] = set()
        # Residents whose move-out may rightly leave them keys: a revoke discarded, or a
        # lease change synced while Automated Access was Off.
        self.excused: set[str] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------------------

    def resident(self, ext: str) -> Resident | None:
        record = PMSRecord.objects.filter(external_id=ext).select_related("resident").first()
        return record.resident if record else None

    def ext_of(self, resident_id: int) -> str:
        return PMSRecord.objects.get(resident_id=resident_id).external_id

    def pending_ids(self) -> list[int]:
        return list(
            AccessSuggestion.objects.filter(state=AccessSuggestion.State.PENDING)
            .order_by("id")
            .values_list("id", flat=True)
        )

    def key_state(self) -> list[tuple[int, datetime | None]]:
        return list(KeyGrant.objects.order_by("id").values_list("id", "revoked_at"))

    def assert_past_residents_hold_nothing(self, *, skip_pending: bool) -> None:
        holders = (
            KeyGrant.objects.filter(revoked_at__isnull=True, resident__status=ResidentStatus.PAST)
            .values_list("resident_id", flat=True)
            .distinct()
        )
        for resident_id in holders:
            if self.ext_of(resident_id) in self.excused:
                continue
            if (
                skip_pending
                and AccessSuggestion.objects.filter(
                    resident_id=resident_id, state=AccessSuggestion.State.PENDING
                ).exists()
            ):
                continue  # left for review when the mode changed
            held = list(
                KeyGrant.objects.filter(resident_id=resident_id, revoked_at=None).values_list(
                    "key__name", flat=True
                )
            )
            raise AssertionError(f"past resident {self.ext_of(resident_id)} still holds {held}")

    # --- the PMS ---------------------------------------------------------------------------

    def pms_record(self, ext: str, **values: Any) -> None:
        before = self.pms.records.get(ext)
        if before is None:
            first, last = NAMES[ext]
            defaults = {"lifecycle": Lifecycle.FUTURE, "unit_id": P12B, **values}
            defaults["raw_status"] = RAW_STATUS[defaults["lifecycle"]]
            defaults["unit_name"] = PMS_UNITS[defaults["unit_id"]]
            self.pms.put(pms_resident(ext, first_name=first, last_name=last, **defaults))
        else:
            self.pms.put(replace(before, **values))
        if self.pms.records[ext] != before:
            self.unsynced.add(ext)

    @initialize(
        mode=st.sampled_from(AccessMode.values),
        leases=st.fixed_dictionaries({ext: st.sampled_from(LIFECYCLES) for ext in NAMES}),
        units=st.fixed_dictionaries({ext: st.sampled_from(UNITS) for ext in NAMES}),
    )
    def first_sync(self, mode: str, leases: dict[str, Lifecycle], units: dict[str, str]) -> None:
        """Both residents in the PMS from the start, synced in the starting mode."""
        self.switch_mode(mode)
        for ext in NAMES:
            self.pms_record(ext, lifecycle=leases[ext], unit_id=units[ext])
        self.sync()

    # One rule for every PMS change (a lease or a unit), synced at once or left for a
    # later sync: few rules keep the paths to interesting states short.
    @rule(
        ext=residents,
        change=st.one_of(st.sampled_from(LIFECYCLES), st.sampled_from(UNITS)),
        then_sync=st.booleans(),
    )
    def pms_changes(self, ext: str, change: str, then_sync: bool) -> None:
        if isinstance(change, Lifecycle):
            self.pms_record(ext, lifecycle=change, raw_status=RAW_STATUS[change])
        else:
            self.pms_record(ext, unit_id=change, unit_name=PMS_UNITS[change])
        if then_sync:
            self.sync()

    @rule()
    def sync(self) -> None:
        suggestions_before = AccessSuggestion.objects.count()
        keys_before = self.key_state()

        self.pms.sync()

        if not self.unsynced:
            assert AccessSuggestion.objects.count() == suggestions_before, "re-sync suggested"
            assert self.key_state() == keys_before, "re-sync changed keys"
        if self.mode == AccessMode.OFF:
            self.excused |= self.unsynced
        self.unsynced.clear()

    # --- the manager -----------------------------------------------------------------------

    @rule(ext=residents, status=st.sampled_from(ResidentStatus.values))
    def manual_override(self, ext: str, status: str) -> None:
        resident = self.resident(ext)
        if resident is not None:
            resident_status_change(resident=resident, new_status=status, actor=self.world.alice)

    @rule(ext=residents)
    def key_given_by_hand(self, ext: str) -> None:
        resident = self.resident(ext)
        if resident is None:
            return
        # A past resident, or the key already held: refused with a message.
        with contextlib.suppress(ValidationError):
            key_grant(key=self.world.storage, resident=resident, actor=self.world.alice)

    @rule(data=st.data(), action=st.sampled_from(["approve all", "approve some", "discard"]))
    def review(self, data: st.DataObject, action: str) -> None:
        """The alert window: Update Access on everything or a selection, or one X."""
        ids = self.pending_ids()
        if action == "approve all" or not ids:
            suggestions_approve(
                property=self.world.prop, suggestion_ids=ids, actor=self.world.alice
            )
            assert self.pending_ids() == []
            self.assert_past_residents_hold_nothing(skip_pending=False)
        elif action == "approve some":
            chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4))
            suggestions_approve(
                property=self.world.prop, suggestion_ids=chosen, actor=self.world.alice
            )
        else:
            s = AccessSuggestion.objects.get(id=data.draw(st.sampled_from(ids)))
            suggestion_discard(suggestion=s, actor=self.world.alice)
            if s.kind == AccessSuggestion.Kind.REVOKE:
                self.excused.add(self.ext_of(s.resident_id))

    @rule(mode=st.sampled_from(AccessMode.values))
    def switch_mode(self, mode: str) -> None:
        integration_set_access_mode(integration=self.integration, mode=mode, actor=self.world.alice)
        self.mode = mode

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def never_two_active_grants_of_one_key_to_one_resident(self) -> None:
        twice = (
            KeyGrant.objects.filter(revoked_at__isnull=True)
            .values("key_id", "resident_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not twice.exists(), list(twice)

    @invariant()
    def every_grant_and_revoke_is_an_access_event(self) -> None:
        def events(action: str) -> Counter[tuple[int, int]]:
            return Counter(
                AccessEvent.objects.filter(action=action).values_list("resident_id", "key_id")
            )

        grants = Counter(KeyGrant.objects.values_list("resident_id", "key_id"))
        revokes = Counter(
            KeyGrant.objects.filter(revoked_at__isnull=False).values_list("resident_id", "key_id")
        )
        assert events(AccessEvent.Action.KEY_GRANTED) == grants
        assert events(AccessEvent.Action.KEY_REVOKED) == revokes

    @invariant()
    def in_automatic_mode_past_residents_hold_nothing(self) -> None:
        if self.mode == AccessMode.AUTOMATIC:
            self.assert_past_residents_hold_nothing(skip_pending=True)


@pytest.mark.django_db
def test_automated_access_state_machine(prop_a, alice, unit_a, monkeypatch):
    # Three units with their unit keys, each mapped to its PMS unit.
    unit_create(property=prop_a, name="14C", building="A", floor="14", actor=None)
    unit_create(property=prop_a, name="15D", building="A", floor="15", actor=None)
    integration = integration_create(prop_a)
    units_map(integration, alice, **{P12B: "A 12B", P14C: "A 14C", P15D: "A 15D"})
    AutomatedAccess.world = World(
        prop=prop_a,
        integration_id=integration.id,
        alice=alice,
        storage=KeyFactory(property=prop_a, name="Storage"),
        monkeypatch=monkeypatch,
    )

    # Modest on purpose (about 30 s on PostgreSQL): each step is a real sync or service
    # call. Long exact scenarios (a move-out undone and made again, say) are beyond
    # this budget; they are pinned one by one in test_automation.py.
    run_state_machine_as_test(
        AutomatedAccess,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
