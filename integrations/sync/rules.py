"""The User Sync matching rules for one PMS record, as a pure function.

DESIGN.md, User Sync:
1. Linked records are updated — unless the PMS email differs, which opens an
   Email Mismatch alert and updates nothing of that record. Linked residents
   are followed through every lifecycle, PAST included.
2. Unlinked records in scope (FUTURE, CURRENT, NOTICE; raw status not
   excluded): exact first + last + email match with an unlinked resident →
   link; email match with another name → Possible Match; a second record
   claiming one email → Duplicate; no match → create.
3. Records without a valid email are skipped.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from integrations.pms.types import PMSResident
from integrations.sync.normalize import IN_SCOPE, email_key, name_key


class Action(StrEnum):
    UPDATE = "update"  # linked: apply PMS values
    LINK = "link"  # link to an existing resident, then update
    CREATE = "create"
    ALERT_EMAIL_MISMATCH = "email_mismatch"
    ALERT_POSSIBLE_MATCH = "possible_match"
    ALERT_DUPLICATE = "duplicate"
    SKIP = "skip"


@dataclass(frozen=True)
class Candidate:
    """A resident of the property whose email matches the record's."""

    resident_id: int
    first_name: str
    last_name: str
    email: str
    linked_external_id: str | None  # linked to a record of this integration?


@dataclass(frozen=True)
class Decision:
    action: Action
    outcome: str  # an integrations.models.Outcome value
    detail: str = ""
    resident_id: int | None = None
    # For linked records whose PMS email we were told to ignore ("keep ours").
    keep_our_email: bool = False


def decide(
    *,
    record: PMSResident,
    linked_resident_id: int | None,
    linked_resident_email: str | None,
    excluded_statuses: Collection[str],
    candidates: Collection[Candidate],
    duplicate_of: str | None,
    ignored: bool,
    kept_emails: Collection[str],
) -> Decision:
    """What to do with one record.

    ``duplicate_of`` is the external id of another record of this snapshot that
    owns the same email (this one is the second); ``kept_emails`` are PMS emails
    a manager chose to keep ours over; ``ignored`` means a manager ignored this
    record's alert.
    """
    pms_email = email_key(record.email)
    if linked_resident_id is not None:
        ours = email_key(linked_resident_email or "")
        if pms_email and pms_email != ours:
            if pms_email in kept_emails:
                return Decision(
                    Action.UPDATE,
                    "updated",
                    f"kept our email {ours} over the PMS's {pms_email} (manager's choice)",
                    resident_id=linked_resident_id,
                    keep_our_email=True,
                )
            return Decision(
                Action.ALERT_EMAIL_MISMATCH,
                "email_mismatch",
                f"the PMS email changed to {pms_email} (ours: {ours or 'none'}); "
                "resolve the Email Mismatch alert",
                resident_id=linked_resident_id,
            )
        keep = not pms_email
        detail = "the PMS has no valid email; kept ours" if keep and ours else ""
        return Decision(
            Action.UPDATE, "updated", detail, resident_id=linked_resident_id, keep_our_email=keep
        )

    if ignored:
        return Decision(Action.SKIP, "ignored", "a manager chose to ignore this PMS record")
    if record.is_guarantor:
        return Decision(Action.SKIP, "skipped_guarantor", "guarantors do not live in the unit")
    if record.raw_status in excluded_statuses:
        return Decision(
            Action.SKIP,
            "skipped_excluded",
            f"lease status “{record.raw_status}” is excluded in Manage Settings",
        )
    if record.lifecycle not in IN_SCOPE:
        return Decision(
            Action.SKIP,
            "skipped_lifecycle",
            f"lease status “{record.raw_status}” ({record.lifecycle.value}) is not pending or current",
        )
    if not pms_email:
        shown = f" (“{record.raw_email}”)" if record.raw_email else ""
        return Decision(
            Action.SKIP, "skipped_no_email", f"the PMS record has no valid email{shown}"
        )
    if duplicate_of is not None:
        owner = next((c for c in candidates if c.linked_external_id == duplicate_of), None)
        return Decision(
            Action.ALERT_DUPLICATE,
            "duplicate",
            f"PMS record {duplicate_of} has the same email {pms_email}",
            resident_id=owner.resident_id if owner else None,
        )
    first, last = name_key(record.first_name), name_key(record.last_name)
    unlinked = [c for c in candidates if c.linked_external_id is None]
    for c in unlinked:
        if name_key(c.first_name) == first and name_key(c.last_name) == last:
            return Decision(Action.LINK, "linked", "", resident_id=c.resident_id)
    linked_elsewhere = [c for c in candidates if c.linked_external_id is not None]
    if linked_elsewhere:
        other = linked_elsewhere[0]
        return Decision(
            Action.ALERT_DUPLICATE,
            "duplicate",
            f"{pms_email} already belongs to a resident synced from PMS record "
            f"{other.linked_external_id}",
            resident_id=other.resident_id,
        )
    if unlinked:
        c = unlinked[0]
        return Decision(
            Action.ALERT_POSSIBLE_MATCH,
            "possible_match",
            f"{pms_email} belongs to {c.first_name} {c.last_name}, but the PMS says "
            f"{record.first_name} {record.last_name}",
            resident_id=c.resident_id,
        )
    return Decision(Action.CREATE, "created")
