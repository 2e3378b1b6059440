"""The lease → access rules, as a pure function.

Given what happened to a resident (a manual status change now; PMS lifecycle
transitions later) and what they hold, say which grants to add and which to
revoke. No database, no clock: the caller loads the inputs and applies the
result, so the rules can be tested row by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class DoorStatus(StrEnum):
    FUTURE = "future"
    CURRENT = "current"
    PAST = "past"


@dataclass(frozen=True)
class HeldGrant:
    grant_id: int
    key_id: int
    # A unit's own key (Key.Kind.UNIT), of whichever unit: a lease arriving in another
    # unit takes it back.
    unit_key: bool = False


@dataclass(frozen=True)
class AccessChange:
    grant_key_ids: tuple[int, ...] = ()
    revoke_grant_ids: tuple[int, ...] = ()
    reason: str = ""
    no_change_reasons: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.grant_key_ids and not self.revoke_grant_ids


def access_for_status_change(
    *,
    previous: DoorStatus,
    new: DoorStatus,
    held: Sequence[HeldGrant],
    unit_key_ids: Sequence[int],
    common_key_ids: Sequence[int],
    unit_label: str | None,
) -> AccessChange:
    """A manual status change in the console.

    Future → Current (or Past → Current) assigns the unit's key(s) and the
    common-area keys; Current → Past or Current → Future revokes every key,
    manual and automatic alike. Keys already held are not granted twice.
    """
    if previous == new:
        return AccessChange(no_change_reasons=("The status did not change.",))
    if new == DoorStatus.CURRENT:
        held_keys = {g.key_id for g in held}
        wanted = [k for k in (*unit_key_ids, *common_key_ids) if k not in held_keys]
        # Keep order stable and drop duplicates (a key can be both unit and common).
        grant_ids = tuple(dict.fromkeys(wanted))
        notes: list[str] = []
        if unit_label is None:
            notes.append("No unit is assigned, so no unit key was granted.")
        elif not unit_key_ids:
            notes.append(f"Unit {unit_label} has no unit key.")
        return AccessChange(
            grant_key_ids=grant_ids,
            reason=f"Status changed to Current from {previous.value.title()}",
            no_change_reasons=tuple(notes),
        )
    # → Past, or → Future from Current: nobody who does not live here keeps a key.
    return AccessChange(
        revoke_grant_ids=tuple(g.grant_id for g in held),
        reason=f"Status changed to {new.value.title()} from {previous.value.title()}",
    )


# --- PMS lifecycle transitions (Automated Access) --------------------------------------

# Access starts this long after the transition is detected (DESIGN: detection + 15 min).
GRANT_DELAY_MINUTES = 15

LIVING = frozenset({"current", "notice"})
GONE = frozenset({"past", "cancelled"})


class ChangeKind(StrEnum):
    GRANT = "grant"
    REVOKE = "revoke"
    NONE = "none"


@dataclass(frozen=True)
class PMSTransition:
    """What the sync saw change for one linked resident.

    ``previous_lifecycle`` is None the first time a resident is seen: a resident first
    seen as CURRENT counts as a move-in. Units are doorsync unit ids (after Unit Sync),
    None when the PMS unit is not mapped.
    """

    previous_lifecycle: str | None
    lifecycle: str
    previous_unit_id: int | None
    unit_id: int | None
    pms_unit_label: str = ""


@dataclass(frozen=True)
class ChangeItem:
    kind: ChangeKind
    key_id: int | None = None
    grant_id: int | None = None
    delayed: bool = False  # grants start GRANT_DELAY_MINUTES after detection
    reason: str = ""


def access_for_pms_transition(
    *,
    transition: PMSTransition,
    held: Sequence[HeldGrant],
    unit_key_ids: Mapping[int, Sequence[int]],
    common_key_ids: Sequence[int],
) -> list[ChangeItem]:
    """DESIGN.md's table, row by row. An empty list means nothing to do or review.

    | → FUTURE                  | none (keys held from a lease lived under are revoked)  |
    | → CURRENT (or NOTICE)     | unit key(s) of the mapped unit + common-area keys, +15 min |
    | unit change while current | revoke old unit key(s), grant new ones, both at once    |
    | → PAST                    | revoke every key, manual and automatic, at once        |

    ``unit_key_ids`` maps a unit id to its unit keys (for the old and the new unit).
    """
    t = transition
    was_living = t.previous_lifecycle in LIVING
    held_keys = {g.key_id: g.grant_id for g in held}

    if t.lifecycle in GONE:
        if not held:
            return []
        reason = f"Lease is {t.lifecycle} in the PMS"
        return [
            ChangeItem(ChangeKind.REVOKE, key_id=g.key_id, grant_id=g.grant_id, reason=reason)
            for g in held
        ]

    if t.lifecycle not in LIVING:
        if not was_living or not held:
            return []  # → FUTURE (or applicant): no access yet, nothing to review
        # Back to Future from a lease they lived under (a move-in the PMS undid; a renewal
        # is read as Current by the vendor mappings, so this is not one): a Future resident
        # holds no key, as when a manager changes Current → Future by hand.
        reason = f"Lease is {t.lifecycle} again in the PMS"
        return [
            ChangeItem(ChangeKind.REVOKE, key_id=g.key_id, grant_id=g.grant_id, reason=reason)
            for g in held
        ]

    items: list[ChangeItem] = []
    new_unit_keys = list(unit_key_ids.get(t.unit_id, ())) if t.unit_id is not None else []
    if not was_living:
        reason = (
            "Lease is current in the PMS" if t.lifecycle == "current" else "On notice in the PMS"
        )
        wanted = list(dict.fromkeys([*new_unit_keys, *common_key_ids]))
        if t.unit_id is not None:
            # A lease arriving in a known unit: another unit's key still held goes, as in
            # a move while current — a resident of ours linked to a PMS lease elsewhere,
            # a unit changed before the lease began (in this sync or an earlier one).
            # With the PMS unit unmapped we do not know where they live: keys stay.
            items += [
                ChangeItem(
                    ChangeKind.REVOKE,
                    key_id=g.key_id,
                    grant_id=g.grant_id,
                    reason="The PMS lease is for another unit",
                )
                for g in sorted(held, key=lambda g: g.key_id)
                if g.unit_key and g.key_id not in wanted
            ]
        items += [
            ChangeItem(ChangeKind.GRANT, key_id=k, delayed=True, reason=reason)
            for k in wanted
            if k not in held_keys
        ]
    elif t.previous_unit_id != t.unit_id:
        old_unit_keys = (
            set(unit_key_ids.get(t.previous_unit_id, ())) if t.previous_unit_id else set()
        )
        # Said the same whether the PMS moved them or a manager mapped their PMS unit.
        if t.previous_unit_id is None:
            reason = "Now assigned to a unit"
        elif t.unit_id is None:
            reason = "No longer in a mapped unit"
        else:
            reason = "Moved to another unit"
        items += [
            ChangeItem(ChangeKind.REVOKE, key_id=k, grant_id=held_keys[k], reason=reason)
            for k in sorted(old_unit_keys)
            if k in held_keys and k not in new_unit_keys
        ]
        # No delay: the delay is for a status becoming Current (seed 004). The old key
        # goes at once, so the new one starts at once, or the move leaves them locked out.
        items += [
            ChangeItem(ChangeKind.GRANT, key_id=k, delayed=False, reason=reason)
            for k in new_unit_keys
            if k not in held_keys
        ]
    if t.unit_id is None and (not was_living or t.previous_unit_id is not None):
        label = t.pms_unit_label or "the resident's PMS unit"
        items.append(
            ChangeItem(ChangeKind.NONE, reason=f"PMS unit {label} is not mapped: no unit key")
        )
    elif (
        t.unit_id is not None
        and not new_unit_keys
        and (not was_living or t.previous_unit_id != t.unit_id)
    ):
        items.append(ChangeItem(ChangeKind.NONE, reason="The unit has no unit key"))
    # Nothing left (e.g. current → notice, or every key already held): nothing to review.
    return items
