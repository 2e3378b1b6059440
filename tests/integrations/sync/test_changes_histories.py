"""Random PMS histories through the real User Sync (fetch → loader → planner → writer →
cursor): modifications whose timestamps collide at the cursor's boundary, arrive late,
and come in random page splits; runs at random moments, the first full and the rest
changes runs. After every run each record holds its latest version the PMS showed at
that read (nothing missed), each version is applied once (no duplicate effects: one
outcome row per change, none for a re-read), and a changes run marks nobody gone.

A fake connector stands in for the vendor (the only thing faked): it answers
`fetch_residents_changed_since` with every record whose latest visible version was
modified at or after the cursor, as a vendor does, in the pages the example chose. The
clock is frozen per run (time-machine), never slept on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.models import PMSRecord, SyncCursor, SyncOutcome, SyncRun
from integrations.pms.types import PMSResident, ResidentPage
from integrations.sync import user_sync
from integrations.sync.service import user_sync_execute
from residents.models import Resident
from tests.integrations.sync.fake_pms import pms_resident

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
RECORDS = 6


def phone(record: int, version: int) -> str:
    return f"+1415555{record:02d}{version:02d}"


@dataclass
class FakeVendor:
    # record → [(stamp, visible_at, version)]: stamped on the vendor's clock, visible late
    history: dict[int, list[tuple[datetime, datetime, int]]] = field(default_factory=dict)
    splits: Sequence[int] = (3,)
    stamps: bool = True
    calls: list[str] = field(default_factory=list)

    def latest(self, record: int, at: datetime) -> tuple[datetime, int] | None:
        seen = [(s, v) for s, visible, v in self.history.get(record, []) if visible <= at]
        return max(seen, key=lambda sv: sv[1]) if seen else None

    def resident(self, record: int, stamp: datetime, version: int) -> PMSResident:
        return replace(
            pms_resident(f"R{record}", first_name=f"P{record}", last_name="History",
                         phone=phone(record, version)),
            modified_at=stamp if self.stamps else None,
        )  # fmt: skip

    def pages(self, since: datetime | None, at: datetime) -> Iterator[ResidentPage]:
        rows = []
        for record in sorted(self.history):
            found = self.latest(record, at)
            if found is not None and (since is None or found[0] >= since):
                rows.append(self.resident(record, *found))
        start, n = 0, 0
        while start < len(rows):
            size = self.splits[n % len(self.splits)]
            yield ResidentPage(tuple(rows[start : start + size]), (), "1001")
            start, n = start + size, n + 1


class FakeConnector:
    offers_changes = True

    def __init__(self, vendor: FakeVendor, at: datetime) -> None:
        self.vendor, self.at = vendor, at

    def fetch_residents(self, ids: Sequence[str]) -> Iterator[ResidentPage]:
        self.vendor.calls.append("full")
        return self.vendor.pages(None, self.at)

    def fetch_residents_changed_since(
        self, ids: Sequence[str], since: datetime
    ) -> Iterator[ResidentPage]:
        self.vendor.calls.append("changes")
        return self.vendor.pages(since, self.at)

    def fetch_units(self, pms_property_id: str) -> list:
        return []


history = st.lists(
    st.tuples(
        st.integers(0, RECORDS - 1),
        st.integers(0, 50).map(lambda m: timedelta(minutes=m)),  # when (our clock)
        st.integers(0, 240).map(lambda s: timedelta(seconds=s)),  # committed this late
    ),
    min_size=1,
    max_size=20,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    events=history,
    run_minutes=st.lists(st.integers(1, 55), min_size=1, max_size=6, unique=True),
    skew=st.integers(-300, 300).map(lambda s: timedelta(seconds=s)),
    stamps=st.booleans(),
    splits=st.lists(st.integers(1, 4), min_size=1, max_size=4),
)
def test_random_histories_miss_nothing_and_apply_nothing_twice(
    integration, monkeypatch, events, run_minutes, skew, stamps, splits
):
    # A clean slate per example (hypothesis runs many inside one test's transaction).
    SyncRun.objects.filter(integration=integration).delete()
    SyncCursor.objects.filter(integration=integration).delete()
    PMSRecord.objects.filter(integration=integration).delete()
    Resident.objects.filter(property=integration.property).delete()
    integration.sync_interval_minutes = 5
    integration.full_sync_interval_minutes = 60
    integration.last_full_sync_at = None
    integration.save()

    vendor = FakeVendor(splits=splits, stamps=stamps)
    # Timestamps on a one-minute grid: they collide with each other and with the cursor.
    for version, (record, when, late) in enumerate(sorted(events, key=lambda e: e[1]), 1):
        stamp = T0 + when + skew
        vendor.history.setdefault(record, []).append((stamp, stamp + late, version))
    connector_at: dict[str, datetime] = {}

    @contextlib.contextmanager
    def connector(*, credential):
        yield FakeConnector(vendor, connector_at["now"])

    monkeypatch.setattr(user_sync, "pms_credential_connector", connector)

    applied: dict[int, int] = {}
    for number, minute in enumerate([0, *sorted(run_minutes)]):
        now = T0 + timedelta(minutes=minute)
        connector_at["now"] = now + skew  # the vendor reads at its own clock's now
        with time_machine.travel(now, tick=False):
            run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SCHEDULE)
            user_sync_execute(run_id=run.id)
        run.refresh_from_db()
        assert run.state == SyncRun.State.SUCCEEDED, run.error
        assert run.kind == (SyncRun.Kind.FULL if number == 0 else SyncRun.Kind.CHANGES)
        # Nothing missed: every record as the PMS showed it at this read
        stored = dict(
            PMSRecord.objects.filter(integration=integration).values_list(
                "external_id", "resident__phone"
            )
        )
        expected_changes = 0
        for record in vendor.history:
            found = vendor.latest(record, now + skew)
            if found is None:
                continue
            assert stored.get(f"R{record}") == phone(record, found[1]), (number, record)
            expected_changes += applied.get(record) != found[1]
            applied[record] = found[1]
        # Nothing applied twice: one outcome row per record that changed, none for a re-read
        assert SyncOutcome.objects.filter(run=run).count() == expected_changes
        # And a changes run marks nobody gone
        assert not PMSRecord.objects.filter(gone_from_pms_at__isnull=False).exists()
    assert vendor.calls[0] == "full" and set(vendor.calls[1:]) <= {"changes"}
