"""Applying one complete PMS snapshot to a property's residents, in batches.

Steps (each run):
1. Fetch every resident of the attached PMS properties. A failed fetch raises
   before anything is written: nothing is ever inferred from part of the data.
2. Load the stored state of every known PMS record (one query) and skip the
   records whose fingerprint is unchanged — an unchanged re-sync writes nothing.
3. Apply the rest in batches of BATCH_SIZE, each batch one transaction with a
   fixed number of queries, so a run killed between batches leaves consistent
   data and the next run simply finishes the work.
4. Mark records no longer in the PMS (never deleting a resident).
"""

from __future__ import annotations

import logging
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from access.automation import (
    DetectedTransition,
    transitions_apply_automatically,
    transitions_suggest,
)
from access.models import AccessEvent
from access.policy import LIVING, PMSTransition
from access.services import access_event_build
from common.bulk import objects_insert, rows_insert, rows_update
from integrations.credentials.services import pms_credential_connector
from integrations.models import (
    AccessMode,
    Outcome,
    PMSIntegration,
    PMSRecord,
    SyncAlert,
    SyncOutcome,
    SyncRun,
)
from integrations.pms.types import PMSResident, RecordError
from integrations.pms.types import PMSUnit as PMSUnitRecord
from integrations.sync import runs
from integrations.sync.normalize import IN_SCOPE, door_status_for, email_key, record_hash
from integrations.sync.rules import Action, Candidate, Decision, decide
from integrations.sync.unit_sync import UnitContext, pms_units_apply, unit_context
from residents.models import Resident, ResidentStatus, StatusSource
from units.models import Unit

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
FETCH_PROGRESS_EVERY = timedelta(seconds=1)
PMS_SYNC = "PMS sync"
# Outcomes that mean "this record is linked to a resident".
LINKED_OUTCOMES = {Outcome.CREATED, Outcome.LINKED, Outcome.UPDATED, Outcome.UNCHANGED}
# Outcomes that hold a record for a manager's decision on an open alert.
HELD_OUTCOMES = {Outcome.EMAIL_MISMATCH, Outcome.POSSIBLE_MATCH, Outcome.DUPLICATE}
ALERT_KIND_FOR = {
    Action.ALERT_EMAIL_MISMATCH: SyncAlert.Kind.EMAIL_MISMATCH,
    Action.ALERT_POSSIBLE_MATCH: SyncAlert.Kind.POSSIBLE_MATCH,
    Action.ALERT_DUPLICATE: SyncAlert.Kind.DUPLICATE,
}
# The resident columns a sync writes (attnames: written as plain rows, see common.bulk).
SYNCED_COLUMNS = [
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
    "updated_at",
]
OUTCOME_COLUMNS = [
    "run_id",
    "external_id",
    "resident_id",
    "outcome",
    "name",
    "email",
    "raw_status",
    "detail",
]


class EmptySnapshot(Exception):
    """The PMS returned nobody where we know many: refuse to mark them all as gone."""


@dataclass
class Snapshot:
    records: list[PMSResident]
    errors: list[RecordError]
    units: list[PMSUnitRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Stored:
    record_id: int
    data_hash: str
    outcome: str
    resident_id: int | None
    gone: bool
    lifecycle: str
    pms_unit_id: str = ""


@dataclass
class BatchResult:
    counts: Counter[str] = field(default_factory=Counter)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- 1. fetch --------------------------------------------------------------------


def snapshot_fetch(*, run: SyncRun) -> Snapshot:
    integration = run.integration
    assert integration.credential is not None
    vendor = integration.credential.get_vendor_display()
    attached = set(integration.pms_property_ids)
    records: dict[str, PMSResident] = {}
    errors: list[RecordError] = []
    units: list[PMSUnitRecord] = []
    runs.sync_run_progress(run=run, phase=f"Fetching units from {vendor}", done=0, total=0)
    with pms_credential_connector(credential=integration.credential) as connector:
        # Units first: PMS units are fetched with every sync (Unit Sync).
        for pms_property_id in integration.pms_property_ids:
            units.extend(connector.fetch_units(pms_property_id))
        reported_at: datetime | None = None
        for page in connector.fetch_residents(integration.pms_property_ids):
            for record in page.records:
                if record.pms_property_id in attached:
                    # A person listed twice (e.g. on two leases) is one record: last wins.
                    records[record.external_id] = record
            errors.extend(page.errors)
            # The count fetched so far, at most once a FETCH_PROGRESS_EVERY: a page takes
            # milliseconds, and an UPDATE per page was most of an unchanged re-sync's
            # queries. The first page says the phase has begun; "Applying changes"
            # writes the final total.
            now = timezone.now()
            if reported_at is None or now - reported_at >= FETCH_PROGRESS_EVERY:
                runs.sync_run_progress(
                    run=run, phase=f"Fetching residents from {vendor}", total=len(records)
                )
                reported_at = now
    return Snapshot(records=list(records.values()), errors=errors, units=units)


# --- 2. stored state -------------------------------------------------------------


def _stored_state(integration: PMSIntegration) -> dict[str, Stored]:
    rows = PMSRecord.objects.filter(integration=integration).values_list(
        "id",
        "external_id",
        "data_hash",
        "outcome",
        "resident_id",
        "gone_from_pms_at",
        "lifecycle",
        "pms_unit_id",
    )
    # Interned: outcomes and lifecycles are a handful of values, and external and unit ids
    # are the very strings the snapshot's records hold (see integrations.pms.fields.text),
    # so 100,000 stored records add no copies of them.
    intern = sys.intern
    return {
        intern(ext): Stored(
            rid, h, intern(outcome), resident_id, gone is not None, intern(lifecycle), intern(unit)
        )
        for rid, ext, h, outcome, resident_id, gone, lifecycle, unit in rows.iterator(
            chunk_size=5000
        )
    }


def _is_unchanged(stored: Stored | None, digest: str) -> bool:
    if stored is None or stored.gone or stored.data_hash != digest:
        return False
    # A linked record whose resident was deleted in the console must be looked at again
    # ("synced, but its PMS unit is not mapped" is linked too).
    linked = stored.outcome in LINKED_OUTCOMES or stored.outcome == Outcome.UNIT_NOT_MAPPED
    return not (linked and stored.resident_id is None)


def _carried_outcome(outcome: str) -> str:
    """The outcome an unchanged record counts under in this run."""
    return Outcome.UNCHANGED if not outcome or outcome in LINKED_OUTCOMES else outcome


def _duplicate_owners(
    records: Sequence[PMSResident], state: dict[str, Stored], excluded: set[str]
) -> dict[str, str]:
    """For every record that is the *second* claimant of an email: the owner's external id.

    The owner is the record already linked, else the primary leaseholder, else the
    lowest external id — a stable choice, so the same record is flagged every run.
    """
    groups: dict[str, list[PMSResident]] = defaultdict(list)
    for r in records:
        s = state.get(r.external_id)
        # Only records that hold or may take a resident claim an email: a linked one, or
        # one in scope. A past lease never synced does not block the current one.
        claims = (s is not None and s.resident_id is not None) or r.lifecycle in IN_SCOPE
        if r.email and claims and not r.is_guarantor and r.raw_status not in excluded:
            groups[email_key(r.email)].append(r)
    owners: dict[str, str] = {}
    for group in groups.values():
        if len(group) < 2:
            continue

        def rank(r: PMSResident) -> tuple[int, int, str]:
            s = state.get(r.external_id)
            linked = s is not None and s.resident_id is not None
            return (0 if linked else 1, 0 if r.is_primary else 1, r.external_id)

        ordered = sorted(group, key=rank)
        for r in ordered[1:]:
            owners[r.external_id] = ordered[0].external_id
    return owners


# --- 3. apply --------------------------------------------------------------------


def _clean_dates(
    start: date | None, end: date | None, what: str, notes: list[str]
) -> tuple[date | None, date | None]:
    if start and end and end < start:
        notes.append(f"the PMS {what} end is before its start; dates left as they were")
        return None, None
    return start, end


def _apply_values(
    resident: Resident,
    record: PMSResident,
    *,
    keep_our_email: bool,
    transition: bool,
    now: Any,
    notes: list[str],
) -> list[str]:
    """Copy PMS values onto the resident; return the names of the fields that changed.

    Missing PMS values never erase ours: a PMS that drops a phone number does not
    wipe the one the manager typed in.
    """
    lease_start, lease_end = _clean_dates(record.lease_start, record.lease_end, "lease", notes)
    move_in, move_out = _clean_dates(record.move_in, record.move_out, "move-in/out", notes)
    values: dict[str, Any] = {
        "first_name": record.first_name.strip()[:100],
        "last_name": record.last_name.strip()[:100],
        "phone": record.phone[:20],
        "lease_start": lease_start,
        "lease_end": lease_end,
        "move_in": move_in,
        "move_out": move_out,
        "pms_status": record.raw_status[:100],
    }
    if not keep_our_email:
        values["email"] = record.email[:254]
    changed = []
    for name, value in values.items():
        if value in ("", None) and name != "pms_status":
            continue
        if getattr(resident, name) != value:
            setattr(resident, name, value)
            changed.append(name)
    # Dates move as pairs so the database's end-after-start checks always hold.
    for a, b in (("lease_start", "lease_end"), ("move_in", "move_out")):
        start, end = getattr(resident, a), getattr(resident, b)
        if start and end and end < start:
            setattr(resident, b, None)
            changed.append(b)
    if transition:
        status = door_status_for(record.lifecycle)
        if resident.status != status:
            resident.status = status
            resident.status_source = StatusSource.PMS
            resident.status_changed_at = now
            changed.append("status")
    return changed


def _new_resident(record: PMSResident, integration: PMSIntegration, now: Any) -> Resident:
    resident = Resident(
        property_id=integration.property_id,
        first_name=record.first_name.strip()[:100] or "(no first name)",
        last_name=record.last_name.strip()[:100] or "(no last name)",
        email=record.email[:254],
        status_source=StatusSource.PMS,
        status_changed_at=now,
        status=door_status_for(record.lifecycle),
    )
    _apply_values(resident, record, keep_our_email=False, transition=False, now=now, notes=[])
    return resident


def _apply_batch(
    *,
    run: SyncRun,
    integration: PMSIntegration,
    batch: Sequence[tuple[PMSResident, str]],
    state: dict[str, Stored],
    owners: dict[str, str],
    excluded: set[str],
    units: UnitContext | None = None,
) -> Counter[str]:
    """One transaction, a fixed number of queries, whatever the batch holds."""
    units = units or UnitContext(enabled=False)
    detected: list[DetectedTransition] = []
    # Units whose Vacant / Occupied may change with this batch (old and new units).
    occupancy_units: set[int] = set()
    now = timezone.now()
    counts: Counter[str] = Counter()
    ext_ids = [r.external_id for r, _ in batch]

    # Q1: residents these records are linked to.
    linked_ids = {
        s.resident_id for r, _ in batch if (s := state.get(r.external_id)) and s.resident_id
    }
    residents: dict[int, Resident] = {r.id: r for r in Resident.objects.filter(id__in=linked_ids)}
    # Q2 + Q3: residents of the property sharing an email with an unlinked record, and
    # whether each is already linked to another record of this integration.
    emails = {
        email_key(r.email)
        for r, _ in batch
        if r.email and not (state.get(r.external_id) and state[r.external_id].resident_id)
    }
    by_email: dict[str, list[Resident]] = defaultdict(list)
    if emails:
        # Compared the way email_key does: an address stored in another case (typed in
        # admin, imported) still matches the PMS's lower-cased one.
        wanted: Any = list(emails)
        if connection.vendor == "postgresql":
            # A subquery over one array, not IN (1,000 literals): without statistics on
            # the expression (a first sync outgrows the last ANALYZE), the planner took
            # a literal list for "most rows" and filtered every resident of the property
            # instead of using resident_property_email_key — 82 ms a batch at 100,000.
            wanted = RawSQL("SELECT unnest(%s::text[])", (wanted,))
        for res in Resident.objects.annotate(email_lower=Lower(Trim("email"))).filter(
            property_id=integration.property_id, email_lower__in=wanted
        ):
            by_email[email_key(res.email)].append(res)
            residents.setdefault(res.id, res)
    candidate_ids = [res.id for group in by_email.values() for res in group]
    linked_to: dict[int, str] = (
        dict(
            PMSRecord.objects.filter(
                integration=integration, resident_id__in=candidate_ids
            ).values_list("resident_id", "external_id")
        )
        if candidate_ids
        else {}
    )
    # Q4: alerts of these records — open ones to refresh, resolved ones to respect.
    alerts = list(SyncAlert.objects.filter(integration=integration, external_id__in=ext_ids))
    open_alerts = {(a.external_id, a.kind): a for a in alerts if a.state == SyncAlert.State.OPEN}
    ignored = {a.external_id for a in alerts if a.state == SyncAlert.State.IGNORED}
    kept: dict[str, set[str]] = defaultdict(set)
    for a in alerts:
        if a.kind == SyncAlert.Kind.EMAIL_MISMATCH and a.resolution == "keep_ours":
            kept[a.external_id].add(email_key(a.pms_email))

    to_create: list[tuple[PMSResident, Resident]] = []
    changed_residents: dict[int, Resident] = {}
    events: list[AccessEvent] = []
    # SyncOutcome rows (OUTCOME_COLUMNS) as lists: a created resident's id is filled in
    # once it has one.
    outcomes: list[list[Any]] = []
    record_rows: dict[str, dict[str, Any]] = {}
    alert_new: list[SyncAlert] = []
    alert_refresh: list[SyncAlert] = []
    alert_close: list[SyncAlert] = []
    prop = integration.property

    for record, digest in batch:
        stored = state.get(record.external_id)
        linked_id = stored.resident_id if stored else None
        linked = residents.get(linked_id) if linked_id else None
        if linked_id and linked is None:  # deleted resident: treat as unlinked
            linked_id = None
        candidates = [
            Candidate(c.id, c.first_name, c.last_name, c.email, linked_to.get(c.id))
            for c in by_email.get(email_key(record.email), [])
        ]
        decision: Decision = decide(
            record=record,
            linked_resident_id=linked_id,
            linked_resident_email=linked.email if linked else None,
            excluded_statuses=excluded,
            candidates=candidates,
            duplicate_of=owners.get(record.external_id),
            ignored=record.external_id in ignored,
            kept_emails=kept.get(record.external_id, set()),
        )
        outcome = decision.outcome
        detail = decision.detail
        resident_id = (
            decision.resident_id if decision.action in (Action.UPDATE, Action.LINK) else None
        )
        notes: list[str] = []

        if decision.action in (Action.UPDATE, Action.LINK):
            resident = residents[decision.resident_id]  # type: ignore[index]
            transition = (
                decision.action == Action.LINK
                or stored is None
                or stored.lifecycle != record.lifecycle.value
            )
            previous_status = resident.status
            old_unit_id = resident.unit_id
            changed = _apply_values(
                resident,
                record,
                keep_our_email=decision.keep_our_email,
                transition=transition,
                now=now,
                notes=notes,
            )
            if _assign_unit(
                resident, record, stored, units, notes, force=decision.action == Action.LINK
            ):
                changed.append("unit")
            if "unit" in changed or "status" in changed:
                occupancy_units.update(u for u in (old_unit_id, resident.unit_id) if u)
            was_linked = decision.action == Action.UPDATE and stored is not None
            _detect_transition(
                detected,
                resident,
                record,
                stored if was_linked else None,
                units,
                digest,
                run_id=run.id,
                unit_before=old_unit_id,
            )
            if changed:
                # bulk_update skips auto_now: stamp it, or an edited resident looks untouched.
                resident.updated_at = now
                changed_residents[resident.id] = resident
            if "status" in changed:
                events.append(
                    access_event_build(
                        property=prop,
                        actor=None,
                        label=PMS_SYNC,
                        action=AccessEvent.Action.STATUS_CHANGED,
                        subject=f"{resident.full_name}: {previous_status.title()} → "
                        f"{resident.status.title()}",
                        resident=resident,
                        reason=f"PMS lease status is now “{record.raw_status}”",
                        data={
                            "from": previous_status,
                            "to": resident.status,
                            "pms": record.raw_status,
                        },
                        at=now,
                    )
                )
            if decision.action == Action.LINK:
                detail = "; ".join(filter(None, [detail, *notes]))
            if decision.action == Action.UPDATE:
                outcome = Outcome.UPDATED if changed else Outcome.UNCHANGED
                moved_in_pms = stored is not None and stored.pms_unit_id != record.unit_id
                if (
                    not changed
                    and moved_in_pms
                    and record.unit_id
                    and units.enabled
                    and record.unit_id not in units.mapped
                ):
                    # The PMS moved them into a PMS unit we cannot place: say so.
                    outcome = Outcome.UNIT_NOT_MAPPED
                visible = [f.replace("_", " ") for f in changed if f not in ("status_source",)]
                detail = "; ".join(
                    filter(None, [", ".join(visible) if changed else "", detail, *notes])
                )
        elif decision.action == Action.CREATE:
            resident = _new_resident(record, integration, now)
            _assign_unit(resident, record, None, units, notes, force=True)
            if resident.unit_id:
                occupancy_units.add(resident.unit_id)
            detail = "; ".join(filter(None, [detail, *notes]))
            to_create.append((record, resident))
            # A resident first seen as CURRENT counts as a move-in.
            _detect_transition(
                detected, resident, record, None, units, digest, run_id=run.id, new=True
            )
        if decision.action in ALERT_KIND_FOR:
            kind = ALERT_KIND_FOR[decision.action]
            pms_data = {
                "external_id": record.external_id,
                "first_name": record.first_name,
                "last_name": record.last_name,
                "email": record.email,
                "phone": record.phone,
                "raw_status": record.raw_status,
                "lifecycle": record.lifecycle.value,
                "lease_start": str(record.lease_start or ""),
                "lease_end": str(record.lease_end or ""),
                "move_in": str(record.move_in or ""),
                "move_out": str(record.move_out or ""),
                "unit_name": record.unit_name,
                "detail": detail,
            }
            values = {
                "pms_email": record.email,
                "pms_name": f"{record.first_name} {record.last_name}".strip()[:210],
                "pms_data": pms_data,
                "resident_id": decision.resident_id,
            }
            existing = open_alerts.get((record.external_id, kind))
            if existing is not None:
                for k, v in values.items():
                    setattr(existing, k, v)
                existing.updated_at = now
                alert_refresh.append(existing)
            else:
                alert_new.append(
                    SyncAlert(
                        integration=integration, kind=kind, external_id=record.external_id, **values
                    )
                )
        # An alert whose reason went away (the PMS fixed the email, say) closes itself.
        for (ext, open_kind), alert in open_alerts.items():
            if ext == record.external_id and ALERT_KIND_FOR.get(decision.action) != open_kind:
                alert.state = SyncAlert.State.RESOLVED
                alert.resolution = "no_longer_applies"
                alert.resolved_at = now
                alert_close.append(alert)

        counts[outcome] += 1
        record_rows[record.external_id] = {
            "pms_property_id": record.pms_property_id,
            "resident_id": resident_id
            if decision.action in (Action.UPDATE, Action.LINK)
            else (linked_id if decision.action == Action.ALERT_EMAIL_MISMATCH else None),
            "first_name": record.first_name[:100],
            "last_name": record.last_name[:100],
            "email": record.email[:254],
            "raw_status": record.raw_status[:100],
            # A held-back record keeps the lifecycle last applied, so the transition it
            # carries (a move-out, say) is still seen once the alert is resolved.
            "lifecycle": stored.lifecycle
            if stored and decision.action == Action.ALERT_EMAIL_MISMATCH
            else record.lifecycle.value,
            "pms_unit_id": record.unit_id[:100],
            "pms_unit_name": record.unit_name[:100],
            # Resolving an alert clears this, so the record is looked at again.
            "data_hash": digest,
            "outcome": outcome,
            "outcome_detail": detail[:500],
            "last_seen_at": now,
            "last_seen_run_id": run.id,
            "gone_from_pms_at": None,
        }
        if outcome != Outcome.UNCHANGED and not (
            stored and stored.outcome == outcome and outcome not in (Outcome.UPDATED,)
        ):
            outcomes.append(
                [
                    run.id,
                    record.external_id,
                    resident_id,
                    str(outcome),
                    f"{record.first_name} {record.last_name}".strip()[:210],
                    record.email[:254],
                    record.raw_status[:100],
                    detail[:500],
                ]
            )

    occupied_before = _occupied(occupancy_units)
    # Writes: each a single statement for the whole batch.
    if to_create:
        objects_insert([res for _, res in to_create], now=now)
        for record, new_resident in to_create:
            record_rows[record.external_id]["resident_id"] = new_resident.id
    # A Duplicate whose owner got its resident in this batch (created or linked) names it,
    # so "Use this PMS record" takes that resident over rather than making a second one.
    for alert in (*alert_new, *alert_refresh):
        owner_row = record_rows.get(owners.get(alert.external_id, ""))
        if alert.kind == SyncAlert.Kind.DUPLICATE and alert.resident_id is None and owner_row:
            alert.resident_id = owner_row["resident_id"]
    for o in outcomes:
        if o[2] is None and record_rows[o[1]]["outcome"] == Outcome.CREATED:
            o[2] = record_rows[o[1]]["resident_id"]
    if changed_residents:
        rows_update(
            Resident,
            SYNCED_COLUMNS,
            [
                [res.id, *(getattr(res, c) for c in SYNCED_COLUMNS)]
                for res in changed_residents.values()
            ],
        )
    existing_rows = []
    new_rows = []
    for ext, values in record_rows.items():
        stored = state.get(ext)
        if stored is not None:
            existing_rows.append([stored.record_id, *values.values()])
        else:
            new_rows.append([integration.id, ext, now, *values.values()])
    if record_rows:
        columns = list(next(iter(record_rows.values())))
        rows_update(PMSRecord, columns, existing_rows)
        rows_insert(
            PMSRecord, ["integration_id", "external_id", "first_seen_at", *columns], new_rows
        )
    if alert_close:
        SyncAlert.objects.bulk_update(alert_close, ["state", "resolution", "resolved_at"])
    if alert_refresh:
        SyncAlert.objects.bulk_update(
            alert_refresh, ["pms_email", "pms_name", "pms_data", "resident_id", "updated_at"]
        )
    if alert_new:
        SyncAlert.objects.bulk_create(alert_new)
    if events:
        AccessEvent.objects.bulk_create(events)
    rows_insert(SyncOutcome, OUTCOME_COLUMNS, outcomes)
    if occupancy_units:
        _record_occupancy_changes(prop, occupancy_units, occupied_before, now)
    # Automated Access, on the transitions just applied (created residents have ids now).
    if detected and integration.access_mode == AccessMode.APPROVAL_REQUIRED:
        transitions_suggest(property=prop, detected=detected, now=now)
    elif detected and integration.access_mode == AccessMode.AUTOMATIC:
        transitions_apply_automatically(property=prop, detected=detected, now=now)
    return counts


def _detect_transition(
    detected: list[DetectedTransition],
    resident: Resident,
    record: PMSResident,
    stored: Stored | None,
    units: UnitContext,
    digest: str,
    *,
    run_id: int,
    unit_before: int | None = None,
    new: bool = False,
) -> None:
    """A PMS lifecycle change, or a unit change while living there, of a linked resident.

    Only changes in the PMS count: a manager's manual override stands until the PMS
    changes again. ``stored`` is None the first time a resident is synced.
    ``unit_before`` is the resident's unit before this sync assigned one.
    """
    previous = stored.lifecycle if stored is not None else None
    lifecycle = record.lifecycle.value
    if units.enabled:
        unit = units.mapped.get(record.unit_id)
        if stored is not None and stored.pms_unit_id:
            previous_unit = units.mapped.get(stored.pms_unit_id)
        elif stored is not None and unit is not None:
            # Saving a mapping forgets the record's PMS unit so this sync assigns the
            # mapped unit: the unit left is the one the resident had until now (a
            # remapped PMS unit must not leave them the old unit's key).
            previous_unit = unit_before if unit_before != unit else None
        else:
            previous_unit = None
    else:
        previous_unit = unit = resident.unit_id
    moved = lifecycle in LIVING and previous in LIVING and previous_unit != unit
    if previous == lifecycle and not moved:
        return
    # Keys follow the unit the resident is in after Unit Sync: the PMS unit's mapped unit,
    # unless a manager's manual unit change stands (the PMS unit did not change). Changes
    # are detected on PMS units above, so an override never reads as a move.
    key_unit = resident.unit_id if units.enabled and unit is not None else unit
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
        f"|run {run_id}|{digest[:12]}"
    )
    detected.append(
        DetectedTransition(
            resident=resident, transition=transition, transition_key=key, resident_is_new=new
        )
    )


def _assign_unit(
    resident: Resident,
    record: PMSResident,
    stored: Stored | None,
    units: UnitContext,
    notes: list[str],
    *,
    force: bool,
) -> bool:
    """Unit Sync: put the resident in the unit their PMS unit is mapped to.

    Only when the PMS unit is new to us (first sight, a move, a new mapping — which
    clears the stored PMS unit): a manager's manual unit change stands until then.
    An unmapped PMS unit leaves the resident's unit alone and says so.
    """
    if not units.enabled or not record.unit_id:
        return False
    target = units.mapped.get(record.unit_id)
    if target is None:
        notes.append(units.unmapped_note(record.unit_id, record.unit_name))
        return False
    moved_in_pms = force or stored is None or stored.pms_unit_id != record.unit_id
    if moved_in_pms and resident.unit_id != target:
        resident.unit_id = target
        return True
    return False


def _occupied(unit_ids: set[int]) -> set[int]:
    if not unit_ids:
        return set()
    return set(
        Resident.objects.filter(unit_id__in=unit_ids, status=ResidentStatus.CURRENT)
        .values_list("unit_id", flat=True)
        .distinct()
    )


def _record_occupancy_changes(prop: Any, unit_ids: set[int], before: set[int], now: Any) -> None:
    """A unit is Occupied while it has a current resident: record each flip."""
    after = _occupied(unit_ids)
    flipped = (before ^ after) & unit_ids
    if not flipped:
        return
    AccessEvent.objects.bulk_create(
        [
            access_event_build(
                property=prop,
                actor=None,
                label=PMS_SYNC,
                action=AccessEvent.Action.OCCUPANCY_CHANGED,
                subject=f"Unit {unit} is now {'Occupied' if unit.id in after else 'Vacant'}",
                data={"unit": unit.id, "occupied": unit.id in after},
                at=now,
            )
            for unit in Unit.objects.filter(id__in=flipped)
        ]
    )


# --- 4. gone from the PMS ----------------------------------------------------------


def _mark_gone(
    *, run: SyncRun, integration: PMSIntegration, seen: set[str], state: dict[str, Stored]
) -> Counter[str]:
    """Records we knew that the complete snapshot no longer has: marked, never deleted."""
    now = timezone.now()
    attached = set(integration.pms_property_ids)
    gone = [ext for ext, s in state.items() if not s.gone and ext not in seen]
    counts: Counter[str] = Counter()
    if not gone:
        return counts
    for chunk in _chunks(gone, BATCH_SIZE):
        with transaction.atomic():
            rows = list(
                PMSRecord.objects.filter(integration=integration, external_id__in=chunk).only(
                    "id", "external_id", "resident_id", "pms_property_id", "first_name",
                    "last_name", "email", "raw_status",
                )
            )  # fmt: skip
            outcomes: list[list[Any]] = []
            for row in rows:
                outcome = (
                    Outcome.NOT_IN_PMS if row.pms_property_id in attached else Outcome.NOT_ATTACHED
                )
                row.gone_from_pms_at = now
                row.outcome = outcome
                row.outcome_detail = (
                    "no longer in the PMS; the resident is kept"
                    if outcome == Outcome.NOT_IN_PMS
                    else f"PMS property {row.pms_property_id} is no longer attached"
                )
                counts[outcome] += 1
                outcomes.append(
                    [
                        run.id,
                        row.external_id,
                        row.resident_id,
                        str(outcome),
                        f"{row.first_name} {row.last_name}".strip(),
                        row.email,
                        row.raw_status,
                        row.outcome_detail,
                    ]
                )
            rows_update(
                PMSRecord,
                ["gone_from_pms_at", "outcome", "outcome_detail"],
                [[r.id, r.gone_from_pms_at, r.outcome, r.outcome_detail] for r in rows],
            )
            rows_insert(SyncOutcome, OUTCOME_COLUMNS, outcomes)
    return counts


def snapshot_apply(*, run: SyncRun, snapshot: Snapshot) -> Counter[str]:
    integration = run.integration
    excluded = set(integration.excluded_statuses)
    state = _stored_state(integration)
    active_known = sum(1 for s in state.values() if not s.gone)
    if not snapshot.records and not snapshot.errors and active_known > 10:
        raise EmptySnapshot(
            f"The PMS returned no residents for the attached properties, where the last sync "
            f"saw {active_known}. Nothing was changed or marked as gone. Check the Property IDs "
            "in Manage Settings; if the PMS really is empty, contact support."
        )
    if snapshot.units:
        runs.sync_run_progress(run=run, phase="Updating PMS units")
        pms_units_apply(run=run, integration=integration, units=snapshot.units)
    units = unit_context(integration=integration)
    owners = _duplicate_owners(snapshot.records, state, excluded)
    # A record held for an alert that is gone (deleting its resident deletes the alert) is
    # looked at again, or it would wait for a decision nobody can make.
    held = {ext for ext, s in state.items() if s.outcome in HELD_OUTCOMES and not s.gone}
    if held:
        held -= set(
            SyncAlert.objects.filter(
                integration=integration, state=SyncAlert.State.OPEN
            ).values_list("external_id", flat=True)
        )
    counts: Counter[str] = Counter()
    pending: list[tuple[PMSResident, str]] = []
    for record in snapshot.records:
        digest = record_hash(record)
        stored = state.get(record.external_id)
        if record.external_id not in held and _is_unchanged(stored, digest):
            # Counted as what it still is: a record skipped (no email, excluded status, …)
            # or held for an alert stays so, rather than joining "Unchanged" after the
            # run that first saw it.
            assert stored is not None
            counts[_carried_outcome(stored.outcome)] += 1
        else:
            pending.append((record, digest))
    # Owners of an email before its second claimants, so a Duplicate alert always finds
    # the owner's resident in its own batch or an earlier one.
    pending.sort(key=lambda item: item[0].external_id in owners)
    total = len(snapshot.records)
    done = total - len(pending)
    runs.sync_run_progress(run=run, phase="Applying changes", done=done, total=total)
    for batch in _chunks(pending, BATCH_SIZE):
        with transaction.atomic():
            counts += _apply_batch(
                run=run,
                integration=integration,
                batch=batch,
                state=state,
                owners=owners,
                excluded=excluded,
                units=units,
            )
        done += len(batch)
        runs.sync_run_progress(run=run, done=done)
    if snapshot.errors:
        rows_insert(
            SyncOutcome,
            ["run_id", "external_id", "outcome", "name", "email", "raw_status", "detail"],
            [
                [run.id, e.external_id[:100], str(Outcome.ERROR), "", "", "", str(e.message)[:500]]
                for e in snapshot.errors
            ],
        )
        counts[Outcome.ERROR] += len(snapshot.errors)
    seen = {r.external_id for r in snapshot.records} | {e.external_id for e in snapshot.errors}
    runs.sync_run_progress(run=run, phase="Checking for residents no longer in the PMS")
    counts += _mark_gone(run=run, integration=integration, seen=seen, state=state)
    return counts
