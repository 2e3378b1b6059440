"""User Sync's planner: one PMS record and what we store about it → a typed plan.

Pure, like ``rules.py``: no database and no clock. The loader (``loader.py``) looks up
a batch's stored state; ``record_plan`` decides, record by record, what changes — the
resident's values, the alert to open or refresh and the ones to close, the PMS record
row, the run's outcome row, the access transition — and the writer (``writer.py``)
writes the plans of a whole batch at once. Tests of the rules live with the planner
(tests/integrations/sync/test_planner.py) and need no database.

Two rules worth knowing before reading:
- A record held for a manager's decision (Email Mismatch) keeps, in its stored row,
  the lifecycle and PMS unit last *applied*: once the hold is released everything it
  kept back (a move-out, a move to another unit) is seen as the change it is.
- The lifecycle that counts is the person's own (``rules.person_lifecycle``): a
  roommate whose own move-out date has passed is Past while the lease goes on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from access.policy import LIVING, PMSTransition
from integrations.models import Outcome
from integrations.pms.types import PMSResident
from integrations.sync.alerts import AlertChanges, alert_changes
from integrations.sync.normalize import email_key
from integrations.sync.rules import Action, Candidate, Decision, decide
from integrations.sync.unit_sync import UnitContext
from integrations.sync.values import ResidentValues, resident_from_pms

# Outcomes that mean "this record is linked to a resident".
LINKED_OUTCOMES = frozenset({Outcome.CREATED, Outcome.LINKED, Outcome.UPDATED, Outcome.UNCHANGED})
# Outcomes that hold a record for a manager's decision on an open alert.
HELD_OUTCOMES = frozenset({Outcome.EMAIL_MISMATCH, Outcome.POSSIBLE_MATCH, Outcome.DUPLICATE})
# How a changed resident's fields are listed in the run's detail, in reading order.
DETAIL_NAMES = {
    "first_name": "first name",
    "last_name": "last name",
    "phone": "phone",
    "lease_start": "lease start",
    "lease_end": "lease end",
    "move_in": "move in",
    "move_out": "move out",
    "pms_status": "pms status",
    "email": "email",
    "status": "status",
    "unit_id": "unit",
}


@dataclass(frozen=True, slots=True)
class Stored:
    """A PMS record as the last sync left it."""

    record_id: int
    data_hash: str
    outcome: str
    resident_id: int | None
    gone: bool
    # The lifecycle and PMS unit last applied to the resident (kept while held).
    lifecycle: str
    pms_unit_id: str = ""


@dataclass(frozen=True, slots=True)
class ResidentState:
    id: int
    values: ResidentValues


@dataclass
class BatchLookups:
    """What the loader found for one batch (all keyed for the planner's lookups)."""

    residents: dict[int, ResidentState] = field(default_factory=dict)
    # email_key → residents of the property with that email (unlinked records' matches)
    by_email: dict[str, list[int]] = field(default_factory=dict)
    # resident id → the external id of the record of this integration linked to them
    linked_to: dict[int, str] = field(default_factory=dict)
    # external id → {alert kind: open alert id}
    open_alerts: dict[str, dict[str, int]] = field(default_factory=dict)
    ignored: set[str] = field(default_factory=set)  # records whose alert a manager ignored
    # external id → PMS emails a manager chose to keep ours over
    kept: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanContext:
    """The same for every record of a run."""

    run_id: int
    now: datetime
    today: date
    excluded: frozenset[str]
    units: UnitContext
    # For every record that is the second claimant of an email: the owner's external id.
    owners: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ResidentChange:
    """A resident to create (``resident_id`` None) or to update."""

    resident_id: int | None
    values: ResidentValues
    changed: tuple[str, ...]
    previous_status: str = ""
    previous_unit_id: int | None = None

    @property
    def status_changed(self) -> bool:
        return self.resident_id is not None and "status" in self.changed


@dataclass(frozen=True, slots=True)
class AccessTransition:
    """A PMS lifecycle change, or a unit change while living there, for Automated Access."""

    transition: PMSTransition
    key: str  # one per occurrence: see _transition
    resident_is_new: bool


@dataclass(frozen=True, slots=True)
class RecordRow:
    """The PMSRecord columns a sync writes (the writer adds ids and run stamps)."""

    pms_property_id: str
    resident_id: int | None  # None for a resident created by this plan: the writer fills it
    first_name: str
    last_name: str
    email: str
    raw_status: str
    lifecycle: str
    pms_unit_id: str
    pms_unit_name: str
    data_hash: str
    outcome: str
    outcome_detail: str


@dataclass(frozen=True, slots=True)
class RecordPlan:
    external_id: str
    outcome: str
    detail: str
    row: RecordRow
    resident: ResidentChange | None = None
    alerts: AlertChanges = field(default_factory=AlertChanges)
    transition: AccessTransition | None = None
    # An outcome row for the run: not for an unchanged record, nor for one still held or
    # skipped for the same reason as last time.
    report: bool = True
    status_reason: str = ""  # why the status changed, for the resident's timeline
    occupancy_units: frozenset[int] = frozenset()

    @property
    def creates(self) -> bool:
        return self.resident is not None and self.resident.resident_id is None


def record_plan(
    record: PMSResident,
    *,
    digest: str,
    lifecycle: str,
    stored: Stored | None,
    lookups: BatchLookups,
    ctx: PlanContext,
) -> RecordPlan:
    """Decide what one record changes. ``lifecycle`` is the person's own."""
    linked_id = stored.resident_id if stored else None
    linked = lookups.residents.get(linked_id) if linked_id else None
    if linked is None:  # never linked, or its resident was deleted: unlinked
        linked_id = None
    decision = decide(
        record=record,
        lifecycle=lifecycle,
        linked_resident_id=linked_id,
        linked_resident_email=linked.values.email if linked else None,
        excluded_statuses=ctx.excluded,
        candidates=_candidates(record, lookups),
        duplicate_of=ctx.owners.get(record.external_id),
        ignored=record.external_id in lookups.ignored,
        kept_emails=lookups.kept.get(record.external_id, set()),
    )
    # A decision that holds the record adds no notes to its detail: the alert keeps it.
    alerts = alert_changes(
        record=record,
        lifecycle=lifecycle,
        decision=decision,
        detail=decision.detail,
        open_alerts=lookups.open_alerts.get(record.external_id, {}),
        owner_external_id=ctx.owners.get(record.external_id),
    )
    if decision.action in (Action.UPDATE, Action.LINK):
        return _plan_linked(record, digest, lifecycle, stored, decision, alerts, lookups, ctx)
    if decision.action == Action.CREATE:
        return _plan_create(record, digest, lifecycle, decision, alerts, ctx)
    return _plan_held_or_skipped(record, digest, lifecycle, stored, decision, alerts, linked_id)


def _report(stored: Stored | None, outcome: str) -> bool:
    """Whether the run lists the record: not when unchanged, nor when still held or
    skipped for the same reason as last time (an update always is)."""
    if outcome == Outcome.UNCHANGED:
        return False
    return stored is None or stored.outcome != outcome or outcome == Outcome.UPDATED


def _candidates(record: PMSResident, lookups: BatchLookups) -> list[Candidate]:
    out = []
    for rid in lookups.by_email.get(email_key(record.email), ()):
        values = lookups.residents[rid].values
        out.append(
            Candidate(
                rid, values.first_name, values.last_name, values.email, lookups.linked_to.get(rid)
            )
        )
    return out


def _row(
    record: PMSResident,
    *,
    digest: str,
    lifecycle: str,
    resident_id: int | None,
    outcome: str,
    detail: str,
    pms_unit_id: str | None = None,
) -> RecordRow:
    return RecordRow(
        pms_property_id=record.pms_property_id,
        resident_id=resident_id,
        first_name=record.first_name[:100],
        last_name=record.last_name[:100],
        email=record.email[:254],
        raw_status=record.raw_status[:100],
        lifecycle=lifecycle,
        pms_unit_id=(record.unit_id if pms_unit_id is None else pms_unit_id)[:100],
        pms_unit_name=record.unit_name[:100],
        # Resolving an alert clears this, so the record is looked at again.
        data_hash=digest,
        outcome=outcome,
        outcome_detail=detail[:500],
    )


def _joined(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _plan_held_or_skipped(
    record: PMSResident,
    digest: str,
    lifecycle: str,
    stored: Stored | None,
    decision: Decision,
    alerts: AlertChanges,
    linked_id: int | None,
) -> RecordPlan:
    if decision.action == Action.ALERT_EMAIL_MISMATCH and stored is not None:
        # Held: nothing of the record is applied, so its row keeps the lifecycle and the
        # PMS unit last applied. Released (resolved either way, or the PMS reverting the
        # email), the next sync sees the status, unit and dates it held back as changes.
        row = _row(record, digest=digest, lifecycle=stored.lifecycle, resident_id=linked_id,
                   outcome=decision.outcome, detail=decision.detail,
                   pms_unit_id=stored.pms_unit_id)  # fmt: skip
    else:
        # Nothing is linked: a resolution that links this record (Possible Match,
        # Duplicate) starts it afresh, as a link the sync makes itself.
        row = _row(record, digest=digest, lifecycle=lifecycle, resident_id=None,
                   outcome=decision.outcome, detail=decision.detail)  # fmt: skip
    return RecordPlan(record.external_id, decision.outcome, decision.detail, row, alerts=alerts,
                      report=_report(stored, decision.outcome))  # fmt: skip


def _plan_create(
    record: PMSResident,
    digest: str,
    lifecycle: str,
    decision: Decision,
    alerts: AlertChanges,
    ctx: PlanContext,
) -> RecordPlan:
    notes: list[str] = []
    unit_id = _unit_for(record, None, None, ctx.units, notes, force=True)
    built = resident_from_pms(record, lifecycle=lifecycle, now=ctx.now, unit_id=unit_id)
    values = built.values
    detail = _joined(decision.detail, *built.notes, *notes)
    change = ResidentChange(None, values, built.changed)
    # A resident first seen as Current counts as a move-in.
    transition = _transition(record, lifecycle, None, values.unit_id, None, ctx, digest, new=True)
    return RecordPlan(
        record.external_id,
        decision.outcome,
        detail,
        _row(
            record,
            digest=digest,
            lifecycle=lifecycle,
            resident_id=None,
            outcome=decision.outcome,
            detail=detail,
        ),
        resident=change,
        alerts=alerts,
        transition=transition,
        report=True,
        occupancy_units=frozenset({unit_id}) if unit_id else frozenset(),
    )


def _plan_linked(
    record: PMSResident,
    digest: str,
    lifecycle: str,
    stored: Stored | None,
    decision: Decision,
    alerts: AlertChanges,
    lookups: BatchLookups,
    ctx: PlanContext,
) -> RecordPlan:
    """UPDATE a linked resident, or LINK one of ours to this record, then update."""
    assert decision.resident_id is not None
    state = lookups.residents[decision.resident_id]
    linking = decision.action == Action.LINK
    # What was applied before, for a resident already linked to this record; a link is
    # seen as new (stored None): its status, unit and keys follow the PMS from here.
    before = stored if not linking and stored is not None else None
    unit_notes: list[str] = []
    built = resident_from_pms(
        record,
        lifecycle=lifecycle,
        now=ctx.now,
        current=state.values,
        keep_our_email=decision.keep_our_email,
        # Only a PMS lifecycle change moves the status: a manager's override stands.
        apply_status=before is None or before.lifecycle != lifecycle,
        unit_id=_unit_for(
            record, stored, state.values.unit_id, ctx.units, unit_notes, force=linking
        ),
    )
    values, changed = built.values, built.changed
    transition = _transition(
        record, lifecycle, before, values.unit_id, state.values.unit_id, ctx, digest, new=False
    )
    occupancy: frozenset[int] = frozenset()
    if "unit_id" in changed or "status" in changed:
        occupancy = frozenset(u for u in (state.values.unit_id, values.unit_id) if u)
    notes = (*built.notes, *unit_notes)
    outcome, detail = decision.outcome, _joined(decision.detail, *notes)
    if not linking:
        outcome = _update_outcome(record, stored, ctx.units, changed=bool(changed))
        shown = ", ".join(DETAIL_NAMES[n] for n in DETAIL_NAMES if n in changed)
        detail = _joined(shown, decision.detail, *notes)
    return RecordPlan(
        record.external_id,
        outcome,
        detail,
        _row(
            record,
            digest=digest,
            lifecycle=lifecycle,
            resident_id=state.id,
            outcome=outcome,
            detail=detail,
        ),
        resident=ResidentChange(
            state.id, values, changed, state.values.status, state.values.unit_id
        ),
        alerts=alerts,
        transition=transition,
        report=_report(stored, outcome),
        status_reason=_status_reason(record, lifecycle) if "status" in changed else "",
        occupancy_units=occupancy,
    )


def _update_outcome(
    record: PMSResident, stored: Stored | None, units: UnitContext, *, changed: bool
) -> str:
    if changed:
        return Outcome.UPDATED
    moved_in_pms = stored is not None and stored.pms_unit_id != record.unit_id
    if moved_in_pms and units.enabled and record.unit_id and record.unit_id not in units.mapped:
        # The PMS moved them into a PMS unit we cannot place: say so.
        return Outcome.UNIT_NOT_MAPPED
    return Outcome.UNCHANGED


def _status_reason(record: PMSResident, lifecycle: str) -> str:
    if lifecycle != record.lifecycle.value and record.move_out and lifecycle == "past":
        return (
            f"their own PMS move-out date {record.move_out.isoformat()} has passed "
            f"(the lease is “{record.raw_status}”)"
        )
    if lifecycle != record.lifecycle.value and record.move_in and lifecycle == "future":
        return (
            f"their own PMS move-in date is {record.move_in.isoformat()} "
            f"(the lease is “{record.raw_status}”)"
        )
    return f"PMS lease status is now “{record.raw_status}”"


def _unit_for(
    record: PMSResident,
    stored: Stored | None,
    current_unit_id: int | None,
    units: UnitContext,
    notes: list[str],
    *,
    force: bool,
) -> int | None:
    """Unit Sync: the unit their PMS unit is mapped to, when it is new to us.

    Only when the PMS unit is new to us (first sight, a move, a new mapping — which
    clears the stored PMS unit, a released hold): a manager's manual unit change stands
    until then. An unmapped PMS unit leaves the resident's unit alone and says so.
    Returns the unit to put them in, or None to leave it.
    """
    if not units.enabled or not record.unit_id:
        return None
    target = units.mapped.get(record.unit_id)
    if target is None:
        notes.append(units.unmapped_note(record.unit_id, record.unit_name))
        return None
    moved_in_pms = force or stored is None or stored.pms_unit_id != record.unit_id
    return target if moved_in_pms and current_unit_id != target else None


def _transition(
    record: PMSResident,
    lifecycle: str,
    before: Stored | None,
    unit_now: int | None,
    unit_before: int | None,
    ctx: PlanContext,
    digest: str,
    *,
    new: bool,
) -> AccessTransition | None:
    """A PMS lifecycle change, or a unit change while living there, of a resident.

    Only changes in the PMS count: a manager's manual override stands until the PMS
    changes again. ``before`` is None the first time a resident is synced (or linked);
    ``unit_before`` is the resident's unit before this sync assigned one.
    """
    units = ctx.units
    previous = before.lifecycle if before is not None else None
    if units.enabled:
        unit = units.mapped.get(record.unit_id)
        if before is not None and before.pms_unit_id:
            previous_unit = units.mapped.get(before.pms_unit_id)
            if previous_unit is None and unit is not None and before.pms_unit_id != record.unit_id:
                # The PMS unit they leave is no longer mapped (its mapping was removed
                # since): the unit they leave is the one they are in, or its key stays.
                previous_unit = unit_before
        elif before is not None and unit is not None:
            # Saving a mapping forgets the record's PMS unit so this sync assigns the
            # mapped unit: the unit left is the one the resident had until now (a
            # remapped PMS unit must not leave them the old unit's key).
            previous_unit = unit_before if unit_before != unit else None
        else:
            previous_unit = None
    else:
        previous_unit = unit = unit_now
    moved = lifecycle in LIVING and previous in LIVING and previous_unit != unit
    if previous == lifecycle and not moved:
        return None
    # Keys follow the unit the resident is in after Unit Sync: the PMS unit's mapped unit,
    # unless a manager's manual unit change stands (the PMS unit did not change). Changes
    # are detected on PMS units above, so an override never reads as a move.
    key_unit = unit_now if units.enabled and unit is not None else unit
    transition = PMSTransition(
        previous_lifecycle=previous,
        lifecycle=lifecycle,
        previous_unit_id=previous_unit,
        unit_id=key_unit,
        pms_unit_label=units.labels.get(record.unit_id) or record.unit_name,
    )
    # The run makes each occurrence its own transition: a move-out undone and made again
    # carries the same PMS data, and must not be taken for the one already handled.
    key = (
        f"{record.external_id}|{previous}>{lifecycle}|{previous_unit}>{unit}"
        f"|run {ctx.run_id}|{digest[:12]}"
    )
    return AccessTransition(transition, key, resident_is_new=new)
