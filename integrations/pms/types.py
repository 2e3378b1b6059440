"""Normalized PMS records: the only shapes the sync engine sees, whatever the vendor."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime


class Lifecycle(enum.StrEnum):
    """Where a resident is in the lease lifecycle, independent of the vendor's vocabulary."""

    APPLICANT = "applicant"
    FUTURE = "future"
    CURRENT = "current"
    NOTICE = "notice"
    PAST = "past"
    CANCELLED = "cancelled"


class StatusReading(enum.StrEnum):
    """How a record's lifecycle was read (pms/lifecycle.py)."""

    # The vendor's vocabulary (or support's mapping for this integration) names the status.
    KNOWN = "known"
    # The status is unknown; the vendor's other signals (a past move-out, a current flag,
    # a future move-in) decided the lifecycle.
    INFERRED = "inferred"
    # The status is unknown and nothing decided: `lifecycle` is a placeholder that grants
    # nothing, and the sync keeps what it last knew of the person (sync/statuses.py).
    UNDECIDED = "undecided"


class ResidentRole(enum.StrEnum):
    """A person's place on a lease.

    Guarantors sign for the lease but do not live in the unit: the sync engine must never
    hand them door access.
    """

    PRIMARY = "primary"
    ROOMMATE = "roommate"
    OCCUPANT = "occupant"
    GUARANTOR = "guarantor"


@dataclass(frozen=True, slots=True)
class PMSProperty:
    id: str
    name: str
    address: str


@dataclass(frozen=True, slots=True)
class PMSUnit:
    id: str
    pms_property_id: str
    name: str
    building: str = ""
    floor: str | None = None


@dataclass(frozen=True, slots=True)
class PMSResident:
    external_id: str
    pms_property_id: str
    first_name: str
    last_name: str
    # Normalized (lower-case, trimmed, syntactically valid) or "" — see raw_email for why.
    email: str
    # E.164 ("+14155550123") or "" when the PMS has no usable number.
    phone: str
    lease_start: date | None
    lease_end: date | None
    move_in: date | None
    move_out: date | None
    unit_id: str
    unit_name: str
    raw_status: str
    lifecycle: Lifecycle
    role: ResidentRole = ResidentRole.PRIMARY
    lease_id: str = ""
    # What the PMS sent, trimmed: lets the sync say "invalid email 'bob@'" rather than
    # "no email" when `email` is empty.
    raw_email: str = ""
    # Whether `raw_status` is one the vendor's vocabulary knows; an unknown one still
    # carries the record, with the lifecycle its other signals decide.
    status_reading: StatusReading = StatusReading.KNOWN
    # When the PMS last modified the record, by the vendor's clock (aware, UTC), where its
    # rows say so: evidence of that clock for the changes-sync cursor
    # (integrations/sync/changes.py). Not part of the record's fingerprint: a record
    # saved again unchanged is unchanged.
    modified_at: datetime | None = None

    @property
    def is_primary(self) -> bool:
        return self.role is ResidentRole.PRIMARY

    @property
    def is_guarantor(self) -> bool:
        return self.role is ResidentRole.GUARANTOR

    @property
    def lives_in_unit(self) -> bool:
        return self.role is not ResidentRole.GUARANTOR


@dataclass(frozen=True, slots=True)
class RecordError:
    """A vendor record that could not be mapped; reported per record, never raised."""

    external_id: str
    message: str
    pms_property_id: str = ""


@dataclass(frozen=True, slots=True)
class ResidentPage:
    records: tuple[PMSResident, ...]
    errors: tuple[RecordError, ...] = ()
    pms_property_id: str = ""

    def __len__(self) -> int:
        return len(self.records) + len(self.errors)
