"""A PMS whose snapshot the test writes by hand, for deterministic User Sync tests.

`FakePMS` stands in for `snapshot_fetch` (the only place the engine talks to a vendor),
so each test says exactly which records the PMS holds and runs the real
`user_sync_execute` over them.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from integrations.models import PMSIntegration, SyncRun
from integrations.pms.types import Lifecycle, PMSResident, RecordError, ResidentRole
from integrations.sync import service
from integrations.sync.service import SyncResult, user_sync_execute
from integrations.sync.user_sync import Snapshot

RAW_STATUS = {
    Lifecycle.APPLICANT: "Applicant",
    Lifecycle.FUTURE: "Future",
    Lifecycle.CURRENT: "Current",
    Lifecycle.NOTICE: "Notice",
    Lifecycle.PAST: "Past",
    Lifecycle.CANCELLED: "Canceled",
}


def pms_resident(
    external_id: str = "R1",
    *,
    first_name: str = "Ana",
    last_name: str = "Abara",
    email: str | None = None,
    phone: str = "+14155550101",
    lifecycle: Lifecycle = Lifecycle.CURRENT,
    raw_status: str | None = None,
    role: ResidentRole = ResidentRole.PRIMARY,
    pms_property_id: str = "1001",
    lease_start: date | None = date(2025, 1, 1),
    lease_end: date | None = date(2025, 12, 31),
    move_in: date | None = date(2025, 1, 1),
    move_out: date | None = None,
    unit_id: str = "10001",
    unit_name: str = "A-101",
    raw_email: str | None = None,
) -> PMSResident:
    """A normalized PMS record; the email defaults to first.last@example.com."""
    if email is None:
        email = f"{first_name}.{last_name}@example.com".lower().replace(" ", "")
    return PMSResident(
        external_id=external_id,
        pms_property_id=pms_property_id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        lease_start=lease_start,
        lease_end=lease_end,
        move_in=move_in,
        move_out=move_out,
        unit_id=unit_id,
        unit_name=unit_name,
        raw_status=RAW_STATUS[lifecycle] if raw_status is None else raw_status,
        lifecycle=lifecycle,
        role=role,
        raw_email=email if raw_email is None else raw_email,
    )


def many_residents(count: int, *, start: int = 0, prefix: str = "R") -> list[PMSResident]:
    """`count` distinct in-scope records, each with its own email."""
    return [
        pms_resident(
            f"{prefix}{n:05d}",
            first_name=f"First{n}",
            last_name=f"Last{n}",
            phone=f"+1415555{n % 10000:04d}",
        )
        for n in range(start, start + count)
    ]


class FakePMS:
    """The PMS's current data for one integration; `sync()` runs one real User Sync over it."""

    def __init__(self, integration: PMSIntegration, monkeypatch: pytest.MonkeyPatch) -> None:
        self.integration = integration
        self.records: dict[str, PMSResident] = {}
        self.errors: list[RecordError] = []
        self.fetches = 0
        monkeypatch.setattr(service, "snapshot_fetch", self._fetch)

    def put(self, *records: PMSResident) -> None:
        for record in records:
            self.records[record.external_id] = record

    def change(self, external_id: str, **changes: Any) -> PMSResident:
        record = dataclasses.replace(self.records[external_id], **changes)
        self.records[external_id] = record
        return record

    def remove(self, *external_ids: str) -> None:
        for external_id in external_ids:
            del self.records[external_id]

    def _fetch(self, *, run: SyncRun) -> Snapshot:
        self.fetches += 1
        if run.integration_id != self.integration.id:
            raise AssertionError("FakePMS serves one integration only")
        return Snapshot(records=list(self.records.values()), errors=list(self.errors))

    def start_run(self) -> SyncRun:
        return SyncRun.objects.create(
            integration=self.integration, trigger=SyncRun.Trigger.SCHEDULE
        )

    def sync(self) -> SyncRun:
        """One scheduled run through the real entry point; the run, reloaded."""
        run = self.start_run()
        self.last_result: SyncResult = user_sync_execute(run_id=run.id)
        run.refresh_from_db()
        return run
