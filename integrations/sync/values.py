"""A resident's synced values, built from a PMS record in one place.

The sync (new and linked residents) and the alert window ("Create a new resident")
both go through ``resident_from_pms``, so a resident made either way holds the same
values for the same PMS record. Pure: no database, no clock (``now`` is passed in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from integrations.pms.types import PMSResident
from integrations.sync.normalize import door_status_for

PMS_SOURCE = "pms"  # residents.models.StatusSource.PMS, without importing the model

# The resident columns a sync writes, in ResidentValues' order (attnames).
SYNCED_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "lease_start",
    "lease_end",
    "move_in",
    "move_out",
    "pms_status",
    "unit_id",
    "status",
    "status_source",
    "status_changed_at",
)
# Dates move as pairs, so the database's end-after-start checks always hold.
DATE_PAIRS = (("lease_start", "lease_end"), ("move_in", "move_out"))


@dataclass(frozen=True, slots=True)
class ResidentValues:
    """What the sync reads and writes of a resident (SYNCED_FIELDS)."""

    first_name: str
    last_name: str
    email: str
    phone: str = ""
    lease_start: date | None = None
    lease_end: date | None = None
    move_in: date | None = None
    move_out: date | None = None
    pms_status: str = ""
    unit_id: int | None = None
    status: str = "future"
    status_source: str = PMS_SOURCE
    status_changed_at: datetime | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def as_row(self) -> list[Any]:
        return [getattr(self, name) for name in SYNCED_FIELDS]

    def as_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SYNCED_FIELDS}


@dataclass(frozen=True, slots=True)
class Built:
    values: ResidentValues
    changed: tuple[str, ...]  # SYNCED_FIELDS names that differ from the values given
    notes: tuple[str, ...]  # what the manager should know ("lease end before its start")


def _clean_dates(
    start: date | None, end: date | None, what: str, notes: list[str]
) -> tuple[date | None, date | None]:
    if start and end and end < start:
        notes.append(f"the PMS {what} end is before its start; dates left as they were")
        return None, None
    return start, end


def resident_from_pms(
    record: PMSResident,
    *,
    lifecycle: str,
    now: datetime,
    current: ResidentValues | None = None,
    keep_our_email: bool = False,
    apply_status: bool = True,
    unit_id: int | None = None,
) -> Built:
    """The resident's values once this PMS record is applied.

    ``current`` None builds a new resident; otherwise the linked resident's values are
    updated. Missing PMS values never erase ours: a PMS that drops a phone number does
    not wipe the one the manager typed in. ``lifecycle`` is the person's own (see
    rules.person_lifecycle); ``apply_status`` False leaves a manager's status standing
    (the PMS lifecycle did not change); ``unit_id`` puts them in that unit (Unit Sync),
    None leaves their unit as it is.
    """
    notes: list[str] = []
    lease_start, lease_end = _clean_dates(record.lease_start, record.lease_end, "lease", notes)
    move_in, move_out = _clean_dates(record.move_in, record.move_out, "move-in/out", notes)
    if current is None:
        # Built in one go: a first sync builds one per record.
        new = ResidentValues(
            first_name=record.first_name.strip()[:100] or "(no first name)",
            last_name=record.last_name.strip()[:100] or "(no last name)",
            email=record.email[:254],
            phone=record.phone[:20],
            lease_start=lease_start,
            lease_end=lease_end,
            move_in=move_in,
            move_out=move_out,
            pms_status=record.raw_status[:100],
            unit_id=unit_id,
            status=door_status_for(lifecycle),
            status_source=PMS_SOURCE,
            status_changed_at=now,
        )
        return Built(new, SYNCED_FIELDS, tuple(notes))
    pms: dict[str, Any] = {
        "first_name": record.first_name.strip()[:100],
        "last_name": record.last_name.strip()[:100],
        "phone": record.phone[:20],
        "lease_start": lease_start,
        "lease_end": lease_end,
        "move_in": move_in,
        "move_out": move_out,
    }
    if not keep_our_email:
        pms["email"] = record.email[:254]
    changes: dict[str, Any] = {
        name: value
        for name, value in pms.items()
        if value not in ("", None) and getattr(current, name) != value
    }
    # The PMS status is shown as the PMS says it, blank included.
    if current.pms_status != record.raw_status[:100]:
        changes["pms_status"] = record.raw_status[:100]
    for start_name, end_name in DATE_PAIRS:
        start = changes.get(start_name, getattr(current, start_name))
        end = changes.get(end_name, getattr(current, end_name))
        if start and end and end < start:
            changes[end_name] = None
    if unit_id is not None and current.unit_id != unit_id:
        changes["unit_id"] = unit_id
    status = door_status_for(lifecycle)
    if apply_status and current.status != status:
        changes.update(status=status, status_source=PMS_SOURCE, status_changed_at=now)
    if not changes:
        return Built(current, (), tuple(notes))
    # Built whole rather than with dataclasses.replace, which costs several times more
    # (a first sync builds one per record).
    values = ResidentValues(**{**current.as_fields(), **changes})
    return Built(values, tuple(n for n in SYNCED_FIELDS if n in changes), tuple(notes))
