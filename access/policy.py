"""The lease → access rules, as a pure function.

Given what happened to a resident (a manual status change now; PMS lifecycle
transitions later) and what they hold, say which grants to add and which to
revoke. No database, no clock: the caller loads the inputs and applies the
result, so the rules can be tested row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
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
