"""Changes runs: the rules, pure (no database, no clock) like ``rules.py``.

Between two full snapshots a run may read only the records the PMS reports changed since
the last run — where the vendor offers such a call (its Capabilities say
``changed_since``). Such a *changes run* goes through the same loader → planner → writer
path as a full one (``user_sync.py``), but it proves nothing about the records it did not
read, so it never marks anyone "no longer in the PMS", never resolves an alert because a
status was not sent, and leaves a move-out it cannot confirm to the next full run.

The cursor, one per integration and PMS property (``SyncCursor``), says where the next
changes run reads from. Three facts make it safe:

1. It moves only after a run read the property whole (no page failed) and applied it;
   a failed or partial run leaves it where it was, so the next run reads the same span
   again. Re-read records are unchanged to the sync (their fingerprint), so a re-read
   writes nothing, opens no alert and suggests nothing.
2. It moves to the newest modification the vendor reported — never later than when our
   read began — less an overlap window (``cursor_next``). Taking the vendor's own
   timestamps makes the rule immune to clock skew between us and the vendor; the overlap
   covers records sharing the boundary timestamp, a vendor committing a change with a
   timestamp a little in the past, and the time the read itself took.
3. It never moves backwards, and without evidence of the vendor's clock (nothing
   changed) it stays: the next run asks the same question again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from integrations.pms.types import Lifecycle, PMSResident

# Records modified this long before the newest one seen are read again next time. Covers
# a vendor's late commits (a long transaction stamps the time it began), timestamps
# rounded to the second or minute, and the duration of one read. Re-reading costs a few
# records that change nothing.
OVERLAP = timedelta(minutes=10)
# A property not read whole for this long is read by a full run: a day of changes costs
# about what the whole property does, and only a full read marks departures.
CHANGES_WINDOW_MAX = timedelta(hours=24)

LIVING = frozenset({Lifecycle.CURRENT, Lifecycle.NOTICE})

FULL = "full"
CHANGES = "changes"


@dataclass(frozen=True, slots=True)
class CursorState:
    position: datetime
    read_at: datetime


@dataclass(frozen=True, slots=True)
class KindDecision:
    kind: str
    reason: str
    # A changes run: where each attached PMS property is read from.
    since: Mapping[str, datetime] = field(default_factory=dict)

    @property
    def changes_since(self) -> datetime | None:
        return min(self.since.values()) if self.since else None


def _minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 120:
        return f"{minutes // 60} hours"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def run_kind_decide(
    *,
    offers_changes: bool,
    scheduled: bool,
    attached: Sequence[str],
    cursors: Mapping[str, CursorState],
    last_full_at: datetime | None,
    full_interval: timedelta,
    sync_interval: timedelta,
    last_run_failed: bool,
    now: datetime,
    reapply_pending: bool = False,
) -> KindDecision:
    """Whether a run reads the whole PMS or only its changes, and why (in plain words).

    Full whenever anything could make a changes run miss something: the vendor has no such
    call, a person asked for it (Sync Now, set-up, support), no full run within the
    integration's full-sync interval, a PMS property without a cursor (newly attached),
    a property not read whole for a day, the last run failed (the proven path first), or
    records wait to be applied again whatever the PMS says (``reapply_pending``: a Unit
    Mapping saved, a status mapped, an alert resolved — they clear the record's
    fingerprint, and only a full read has the PMS data of records that did not change).
    """
    if not offers_changes:
        return KindDecision(FULL, "the PMS offers no call for changes only")
    if not scheduled:
        return KindDecision(FULL, "started by a person: everything is read")
    if sync_interval >= full_interval:
        return KindDecision(FULL, "every sync of this property is a full sync")
    if last_full_at is None:
        return KindDecision(FULL, "no full sync yet")
    if now - last_full_at >= full_interval:
        return KindDecision(FULL, f"the last full sync was {_minutes(now - last_full_at)} ago")
    if last_run_failed:
        return KindDecision(FULL, "the last sync failed")
    if reapply_pending:
        return KindDecision(FULL, "records wait to be applied again after a change of settings")
    missing = [pid for pid in attached if pid not in cursors]
    if missing:
        return KindDecision(FULL, f"PMS property {missing[0]} has not been read whole yet")
    stale = [pid for pid in attached if now - cursors[pid].read_at >= CHANGES_WINDOW_MAX]
    if stale:
        return KindDecision(FULL, f"PMS property {stale[0]} was last read over a day ago")
    since = {pid: cursors[pid].position for pid in attached}
    return KindDecision(CHANGES, "changes since the last sync", since)


def cursor_next(
    *,
    since: datetime | None,
    started_at: datetime,
    newest_modified: datetime | None,
    rows_seen: bool,
    overlap: timedelta = OVERLAP,
) -> datetime:
    """Where the next changes run reads a property from, after a run read it whole.

    ``since``: the cursor before (None: none yet). ``started_at``: when our read began
    (our clock). ``newest_modified``: the newest modification time among the rows read
    (the vendor's clock), None when the rows carry none. ``rows_seen``: whether the read
    returned any row of the property.
    """
    if newest_modified is not None:
        # The vendor's clock, never beyond the start of our read: a vendor clock running
        # ahead cannot push the cursor past changes still to come.
        basis = min(started_at, newest_modified)
    elif rows_seen or since is None:
        # Rows without timestamps: only our clock is known; the overlap covers the skew.
        basis = started_at
    else:
        # Nothing changed: no evidence of where the vendor's clock is. Ask again.
        return since
    candidate = basis - overlap
    return candidate if since is None else max(since, candidate)


def held_for_full(
    record: PMSResident, *, lifecycle: str, stored_lifecycle: str | None, today: date
) -> bool:
    """Whether a changes run leaves this record to the next full run.

    A changes run may show one of a person's leases without the others: an old lease
    edited after a renewal says "past" of someone who lives there. A full read sees every
    lease and keeps the one they live under (pms/lifecycle.py). So a changes run takes
    someone's keys only on a move-out it can see — a past status with a move-out date
    reached — and leaves anything else that ends living there to the full run.
    """
    if stored_lifecycle not in LIVING or lifecycle in LIVING:
        return False
    return not (
        lifecycle == Lifecycle.PAST and record.move_out is not None and record.move_out <= today
    )
