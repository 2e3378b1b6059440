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
4. A person's own move-in and move-out dates decide their own lifecycle
   (``person_lifecycle``): the lease's status never extends anyone's access past
   their own move-out, nor starts it before their own move-in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from integrations.pms.types import Lifecycle, PMSResident
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


LIVING_LIFECYCLES = frozenset({Lifecycle.CURRENT, Lifecycle.NOTICE})


def person_lifecycle(record: PMSResident, today: date) -> Lifecycle:
    """The lifecycle of this person, which may differ from their lease's.

    A household's lease status is each person's only while their own dates agree: a
    roommate whose own move-out date has passed (the others stay on) is Past, and one
    added to a running lease who moves in later is Future until their own move-in.
    The move-out day itself still counts as living there. Dates that contradict each
    other (a move-out before the move-in: an old move-out left behind on a return) say
    nothing, and the lease's status stands. Only a living lease is narrowed: the
    dates never give anyone access the lease does not.
    """
    lifecycle = record.lifecycle
    if lifecycle not in LIVING_LIFECYCLES:
        return lifecycle
    move_in, move_out = record.move_in, record.move_out
    if move_in is not None and move_out is not None and move_out < move_in:
        return lifecycle
    if move_out is not None and move_out < today:
        return Lifecycle.PAST
    if move_in is not None and move_in > today:
        return Lifecycle.FUTURE
    return lifecycle


def decide(
    *,
    record: PMSResident,
    lifecycle: Lifecycle | str | None = None,
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
    record's alert; ``lifecycle`` is the person's own (``person_lifecycle``), the
    record's when not given.
    """
    if isinstance(lifecycle, Lifecycle):
        own = lifecycle
    else:
        own = Lifecycle(lifecycle) if lifecycle else record.lifecycle
    pms_email = email_key(record.email)
    if linked_resident_id is not None:
        return _decide_linked(pms_email, linked_resident_id, linked_resident_email, kept_emails)
    skip = _skip_reason(record, own, excluded_statuses, ignored=ignored)
    if skip is not None:
        return skip
    if duplicate_of is not None:
        owner = next((c for c in candidates if c.linked_external_id == duplicate_of), None)
        return Decision(
            Action.ALERT_DUPLICATE,
            "duplicate",
            f"PMS record {duplicate_of} has the same email {pms_email}",
            resident_id=owner.resident_id if owner else None,
        )
    return _match(record, pms_email, candidates)


def _decide_linked(
    pms_email: str, resident_id: int, our_email: str | None, kept_emails: Collection[str]
) -> Decision:
    """Linked records are updated, unless the PMS email differs from ours."""
    ours = email_key(our_email or "")
    if pms_email and pms_email != ours:
        if pms_email in kept_emails:
            return Decision(
                Action.UPDATE,
                "updated",
                f"kept our email {ours} over the PMS's {pms_email} (manager's choice)",
                resident_id=resident_id,
                keep_our_email=True,
            )
        return Decision(
            Action.ALERT_EMAIL_MISMATCH,
            "email_mismatch",
            f"the PMS email changed to {pms_email} (ours: {ours or 'none'}); "
            "resolve the Email Mismatch alert",
            resident_id=resident_id,
        )
    keep = not pms_email
    detail = "the PMS has no valid email; kept ours" if keep and ours else ""
    return Decision(Action.UPDATE, "updated", detail, resident_id=resident_id, keep_our_email=keep)


def _skip_reason(
    record: PMSResident, own: Lifecycle, excluded_statuses: Collection[str], *, ignored: bool
) -> Decision | None:
    """Why an unlinked record takes no resident, if it does not."""
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
    if own not in IN_SCOPE:
        if own != record.lifecycle and record.move_out is not None:
            why = (
                f"their own move-out date {record.move_out.isoformat()} has passed "
                f"(the lease is “{record.raw_status}”)"
            )
        else:
            why = f"lease status “{record.raw_status}” ({own.value}) is not pending or current"
        return Decision(Action.SKIP, "skipped_lifecycle", why)
    if not email_key(record.email):
        shown = f" (“{record.raw_email}”)" if record.raw_email else ""
        return Decision(
            Action.SKIP, "skipped_no_email", f"the PMS record has no valid email{shown}"
        )
    return None


def _match(record: PMSResident, pms_email: str, candidates: Collection[Candidate]) -> Decision:
    """An in-scope unlinked record: link, hold, or create."""
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
