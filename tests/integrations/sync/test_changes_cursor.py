"""The changes-run cursor (integrations/sync/changes.py): over random histories of
modifications whose timestamps collide at the cursor, arriving late, on a vendor clock
that runs ahead or behind ours, read in random page splits, every change is applied and
a re-read applies nothing twice.

A small model of a vendor stands in for the PMS: each modification has the vendor's
timestamp and becomes visible a little later (a long transaction commits a timestamp
from its start). A changes read at some moment returns every record whose latest visible
version was modified at or after what was asked (a vendor filtering by day returns the
whole day). The sync's side is the real `cursor_next`, applying each record's version
once (the fingerprint rule: an unchanged record is not written).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.pms.types import Lifecycle
from integrations.sync.changes import (
    CHANGES,
    FULL,
    OVERLAP,
    CursorState,
    cursor_next,
    held_for_full,
    run_kind_decide,
)
from tests.integrations.sync.fake_pms import pms_resident

T0 = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
# Bounds the overlap must cover (OVERLAP = 10 minutes): a commit this late, a clock this far
# apart (only matters when rows carry no timestamp).
MAX_LATE = 240
MAX_SKEW = 300


@dataclass
class Vendor:
    # record → [(stamp, visible_at, version)], in the order made
    history: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    stamps: bool = True
    # Seconds the filter rounds down to (86400: a vendor that filters by day).
    granularity: int = 1

    def latest(self, record: int, at: int) -> tuple[int, int] | None:
        """(stamp, version) of the record's latest version visible at vendor time `at`."""
        visible = [(s, v) for s, seen, v in self.history.get(record, []) if seen <= at]
        return max(visible, key=lambda sv: sv[1]) if visible else None

    def read(self, since: int | None, at: int) -> list[tuple[int, int, int]]:
        """(record, stamp, version) of every record the call returns at vendor time `at`."""
        floor = None if since is None else since - since % self.granularity
        rows = []
        for record in self.history:
            found = self.latest(record, at)
            if found is not None and (floor is None or found[0] >= floor):
                rows.append((record, *found))
        return rows


def seconds(moment: datetime) -> int:
    return int((moment - T0).total_seconds())


def moment(value: int) -> datetime:
    return T0 + timedelta(seconds=value)


# A history: events (record, our time it happens, how late it becomes visible), and the
# moments of our runs. Times are on a coarse grid so stamps collide with each other and
# with the cursor's boundary.
events = st.lists(
    st.tuples(
        st.integers(0, 7),
        st.integers(0, 40).map(lambda n: n * 30),
        st.integers(0, MAX_LATE),
    ),
    max_size=40,
)
run_times = st.lists(st.integers(1, 45).map(lambda n: n * 30), min_size=1, max_size=12)


@settings(max_examples=400, deadline=None)
@given(
    events=events,
    run_times=run_times,
    skew=st.integers(-MAX_SKEW, MAX_SKEW),
    stamps=st.booleans(),
    granularity=st.sampled_from([1, 60, 86400]),
    splits=st.lists(st.integers(1, 5), min_size=1, max_size=20),
)
def test_no_change_is_ever_missed_and_none_applied_twice(
    events, run_times, skew, stamps, granularity, splits
):
    vendor = Vendor(stamps=stamps, granularity=granularity)
    for version, (record, at, late) in enumerate(sorted(events, key=lambda e: e[1])):
        # The vendor stamps with its own clock; the change shows `late` seconds later.
        stamp = at + skew
        vendor.history.setdefault(record, []).append((stamp, stamp + late, version))
    applied: dict[int, int] = {}
    effects = 0
    # A full read first (its start is the first cursor's basis), then changes runs.
    since: datetime | None = None
    for number, ours in enumerate([0, *sorted(set(run_times))]):
        at = ours + skew
        rows = vendor.read(None if since is None else seconds(since), at)
        # Pages of random sizes: the cursor reads the newest stamp over all of them.
        newest: int | None = None
        pages, start = [], 0
        while start < len(rows):
            size = splits[len(pages) % len(splits)]
            pages.append(rows[start : start + size])
            start += size
        for page in pages:
            for record, stamp, version in page:
                if applied.get(record) != version:  # the fingerprint: unchanged → nothing
                    applied[record] = version
                    effects += 1
                newest = stamp if newest is None else max(newest, stamp)
        since = cursor_next(
            since=since,
            started_at=moment(ours),
            newest_modified=moment(newest) if (stamps and newest is not None) else None,
            rows_seen=bool(rows),
        )
        # No change is missed: every record is applied at its latest version visible at
        # this read.
        for record in vendor.history:
            found = vendor.latest(record, at)
            assert applied.get(record) == (found[1] if found else None), (number, record)
    # Nothing is applied twice: each effect is a version never applied before.
    assert effects <= sum(len(h) for h in vendor.history.values())


def test_a_re_read_inside_the_overlap_changes_nothing():
    # Given a record read at 10:00:00 whose timestamp equals the next cursor's boundary
    since = cursor_next(
        since=None, started_at=T0, newest_modified=T0 - OVERLAP + timedelta(0), rows_seen=True
    )
    assert since == T0 - 2 * OVERLAP
    # When nothing changed since, the cursor stays where it is (no evidence of the clock)
    assert (
        cursor_next(
            since=since, started_at=T0 + timedelta(hours=1), newest_modified=None, rows_seen=False
        )
        == since
    )
    # And it never moves backwards
    assert (
        cursor_next(
            since=since, started_at=T0, newest_modified=T0 - timedelta(days=3), rows_seen=True
        )
        == since
    )


def test_a_vendor_clock_ahead_cannot_push_the_cursor_past_our_read():
    assert (
        cursor_next(
            since=None,
            started_at=T0,
            newest_modified=T0 + timedelta(hours=5),
            rows_seen=True,
        )
        == T0 - OVERLAP
    )


@st.composite
def kind_inputs(draw):
    now = T0 + timedelta(days=1)
    attached = draw(st.lists(st.sampled_from(["1001", "1002", "1003"]), unique=True))
    cursors = {
        pid: CursorState(
            now - timedelta(minutes=draw(st.integers(0, 3000))),
            now - timedelta(minutes=draw(st.integers(0, 3000))),
        )
        for pid in attached
        if draw(st.booleans())
    }
    last_full = draw(st.none() | st.integers(0, 3000).map(lambda m: now - timedelta(minutes=m)))
    return {
        "offers_changes": draw(st.booleans()),
        "scheduled": draw(st.booleans()),
        "attached": attached,
        "cursors": cursors,
        "last_full_at": last_full,
        "full_interval": timedelta(minutes=draw(st.sampled_from([5, 60, 1440]))),
        "sync_interval": timedelta(minutes=draw(st.sampled_from([5, 15, 60]))),
        "last_run_failed": draw(st.booleans()),
        "now": now,
    }


@settings(max_examples=300, deadline=None)
@given(kind_inputs())
def test_a_changes_run_only_when_nothing_could_be_missed(inputs):
    decision = run_kind_decide(**inputs)
    assert decision.reason
    if decision.kind == FULL:
        assert decision.since == {}
        return
    assert decision.kind == CHANGES
    now = inputs["now"]
    assert inputs["offers_changes"] and inputs["scheduled"]
    assert not inputs["last_run_failed"]
    assert inputs["sync_interval"] < inputs["full_interval"]
    assert now - inputs["last_full_at"] < inputs["full_interval"]
    # Every attached property is read, from its own cursor, read whole within a day.
    assert set(decision.since) == set(inputs["attached"])
    for pid, position in decision.since.items():
        assert position == inputs["cursors"][pid].position
        assert now - inputs["cursors"][pid].read_at < timedelta(days=1)


TODAY = date(2026, 12, 6)


def test_a_changes_run_takes_keys_only_on_a_move_out_it_can_see():
    moved_out = pms_resident(lifecycle=Lifecycle.PAST, move_out=TODAY)
    assert not held_for_full(moved_out, lifecycle="past", stored_lifecycle="current", today=TODAY)
    # An old lease edited after a renewal says "past" with no move-out: left to a full run
    old_lease = pms_resident(lifecycle=Lifecycle.PAST, move_out=None)
    assert held_for_full(old_lease, lifecycle="past", stored_lifecycle="current", today=TODAY)
    # A move-out date still ahead, or a lease going back to Future: left to a full run
    ahead = pms_resident(lifecycle=Lifecycle.PAST, move_out=date(2026, 12, 20))
    assert held_for_full(ahead, lifecycle="past", stored_lifecycle="notice", today=TODAY)
    future = pms_resident(lifecycle=Lifecycle.FUTURE)
    assert held_for_full(future, lifecycle="future", stored_lifecycle="current", today=TODAY)
    # Anything not ending someone's living there is applied as it comes
    assert not held_for_full(future, lifecycle="future", stored_lifecycle=None, today=TODAY)
    assert not held_for_full(
        pms_resident(), lifecycle="current", stored_lifecycle="future", today=TODAY
    )
    assert not held_for_full(old_lease, lifecycle="past", stored_lifecycle="past", today=TODAY)
