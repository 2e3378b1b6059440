"""How the sync compares names and emails, and fingerprints a PMS record."""

from __future__ import annotations

import hashlib

from integrations.pms.types import Lifecycle, PMSResident

IN_SCOPE = frozenset({Lifecycle.FUTURE, Lifecycle.CURRENT, Lifecycle.NOTICE})


def name_key(value: str) -> str:
    """Case- and whitespace-insensitive form of a name: "  Mary  ann " == "mary ann"."""
    return " ".join(value.split()).casefold()


def email_key(value: str) -> str:
    return value.strip().casefold()


def door_status_for(lifecycle: str) -> str:
    """The resident's DOOR status for a PMS lifecycle (Future / Current / Past)."""
    if lifecycle in (Lifecycle.CURRENT, Lifecycle.NOTICE):
        return "current"
    if lifecycle in (Lifecycle.PAST, Lifecycle.CANCELLED):
        return "past"
    return "future"


def record_hash(record: PMSResident, *, lifecycle: Lifecycle | None = None) -> str:
    """Fingerprint of everything the sync reads from a record: equal hash, nothing to do.

    ``lifecycle`` is the person's own when their dates narrow the lease's (the same
    fingerprint as before whenever they agree): the day a roommate's own move-out date
    passes, the record is applied again though the PMS sent the same data.
    """
    parts = (
        record.pms_property_id,
        record.first_name,
        record.last_name,
        record.email,
        record.raw_email,
        record.phone,
        str(record.lease_start or ""),
        str(record.lease_end or ""),
        str(record.move_in or ""),
        str(record.move_out or ""),
        record.unit_id,
        record.unit_name,
        record.raw_status,
        (lifecycle or record.lifecycle).value,
        record.role.value,
    )
    return hashlib.sha1("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()
