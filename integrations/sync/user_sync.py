"""Applying one complete PMS snapshot to a property's residents, in batches.

Steps (each run):
1. Fetch every resident of the attached PMS properties (and, with Unit Sync on, their
   units). A failed fetch raises before anything is written: nothing is ever
   inferred from part of the data.
2. Load the stored state of every known PMS record (one query) and skip the
   records whose fingerprint is unchanged — an unchanged re-sync writes nothing.
3. Apply the rest in batches of BATCH_SIZE, each batch one transaction with a
   fixed number of queries: the loader looks the batch up (loader.py), the planner
   decides record by record (planner.py, pure), the writer writes (writer.py). A run
   killed between batches leaves consistent data and the next run finishes the work.
4. Mark records no longer in the PMS (never deleting a resident).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from common.bulk import rows_insert, rows_update
from integrations.credentials.services import pms_credential_connector
from integrations.models import Outcome, PMSIntegration, PMSRecord, SyncAlert, SyncOutcome, SyncRun
from integrations.pms.base import Connector
from integrations.pms.errors import CredentialRejected, PMSError, PMSPropertyNotFound
from integrations.pms.types import Lifecycle, PMSResident, RecordError
from integrations.pms.types import PMSUnit as PMSUnitRecord
from integrations.sync import runs
from integrations.sync.loader import batch_load, stored_state_load
from integrations.sync.normalize import IN_SCOPE, email_key, record_hash
from integrations.sync.planner import (
    HELD_OUTCOMES,
    LINKED_OUTCOMES,
    PlanContext,
    Stored,
    record_plan,
)
from integrations.sync.rules import person_lifecycle
from integrations.sync.unit_sync import pms_units_apply, unit_context
from integrations.sync.writer import OUTCOME_COLUMNS, WriteContext, plans_write

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
FETCH_PROGRESS_EVERY = timedelta(seconds=1)


class EmptySnapshot(Exception):
    """The PMS returned nobody where we know many: refuse to mark them all as gone."""


class UnitsCallFailed(PMSError):
    """The units call failed for a PMS property whose residents the vendor had just
    listed: its Property ID is right, so the message must not send anyone to check it."""

    def __init__(
        self, *, vendor: str, call: str, pms_property_id: str, detail: str, refused: bool = False
    ) -> None:
        self.pms_property_id = pms_property_id
        # The vendor refused this call for the credential (its permissions), rather than
        # answering it with an error.
        self.refused = refused
        super().__init__(vendor=vendor, call=call, detail=detail)

    def _compose(self) -> str:
        advice = (
            f"the credential may not be allowed this call: ask {self.vendor} to enable it"
            if self.refused
            else "contact doorsync support"
        )
        return (
            f"{self.vendor} failed the units call ({self.call}) for PMS property "
            f"{self.pms_property_id}{self._detail_suffix()}, though it had just listed that "
            f"property's residents, so its Property ID is right. Nothing was changed; "
            f"{advice} (support can turn Unit Sync off for this property meanwhile)."
        )


@dataclass
class Snapshot:
    records: list[PMSResident]
    errors: list[RecordError]
    units: list[PMSUnitRecord] = field(default_factory=list)


class Pending(NamedTuple):
    """A record to apply: its fingerprint and the person's own lifecycle."""

    record: PMSResident
    digest: str
    lifecycle: Lifecycle


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
    with pms_credential_connector(credential=integration.credential) as connector:
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
        # Units only for Unit Sync: with it off nothing reads them, and a units call the
        # credential may not make must not fail the residents' sync.
        units = _units_fetch(run, connector, vendor) if integration.unit_sync_enabled else []
    return Snapshot(records=list(records.values()), errors=errors, units=units)


def _units_fetch(run: SyncRun, connector: Connector, vendor: str) -> list[PMSUnitRecord]:
    """Every attached PMS property's units, after its residents were read.

    A units call refused as "no such property" or "not allowed" right after the
    residents call read that property is about the units call, not the Property IDs
    nor the credential: said so, with the vendor's own reason.
    """
    runs.sync_run_progress(run=run, phase=f"Fetching units from {vendor}")
    units: list[PMSUnitRecord] = []
    for pms_property_id in run.integration.pms_property_ids:
        try:
            units.extend(connector.fetch_units(pms_property_id))
        except (PMSPropertyNotFound, CredentialRejected) as exc:
            raise UnitsCallFailed(
                vendor=exc.vendor,
                call=exc.call,
                pms_property_id=pms_property_id,
                detail=exc.detail,
                refused=isinstance(exc, CredentialRejected),
            ) from exc
    return units


# --- 2. stored state -------------------------------------------------------------


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
    records: Sequence[PMSResident], state: dict[str, Stored], excluded: set[str], today: date
) -> dict[str, str]:
    """For every record that is the *second* claimant of an email: the owner's external id.

    The owner is the record already linked, else the primary leaseholder, else the
    lowest external id — a stable choice, so the same record is flagged every run.
    """
    groups: dict[str, list[PMSResident]] = defaultdict(list)
    for r in records:
        s = state.get(r.external_id)
        # Only records that hold or may take a resident claim an email: a linked one, or
        # one in scope. A past lease (or a person moved out) never synced does not block
        # the current one.
        linked = s is not None and s.resident_id is not None
        claims = linked or person_lifecycle(r, today) in IN_SCOPE
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


def _batch_sync(
    *,
    batch: Sequence[Pending],
    state: dict[str, Stored],
    integration: PMSIntegration,
    plan_ctx: PlanContext,
    write_ctx: WriteContext,
) -> Counter[str]:
    """One batch: load, plan each record, write — a fixed number of queries."""
    loaded = batch_load(integration=integration, records=[p.record for p in batch], state=state)
    plans = [
        record_plan(
            p.record,
            digest=p.digest,
            lifecycle=p.lifecycle,
            stored=state.get(p.record.external_id),
            lookups=loaded.lookups,
            ctx=plan_ctx,
        )
        for p in batch
    ]
    return plans_write(plans=plans, loaded=loaded, state=state, ctx=write_ctx)


# --- 4. gone from the PMS ----------------------------------------------------------


def _mark_gone(
    *, run: SyncRun, integration: PMSIntegration, seen: set[str], state: dict[str, Stored]
) -> Counter[str]:
    """Records we knew that the complete snapshot no longer has: marked, never deleted."""
    now = timezone.now()
    attached = set(integration.pms_property_ids)
    gone = [ext for ext, s in state.items() if not s.gone and ext not in seen]
    counts: Counter[str] = Counter()
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


# --- the run -------------------------------------------------------------------------


def _pending(
    snapshot: Snapshot, state: dict[str, Stored], integration: PMSIntegration, today: date
) -> tuple[list[Pending], Counter[str]]:
    """The records to apply, and the counts of those left as they are.

    The fingerprint covers the person's own lifecycle: a roommate's own move-out date
    passing changes nothing in the PMS, yet must be applied.
    """
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
    pending: list[Pending] = []
    for record in snapshot.records:
        lifecycle = person_lifecycle(record, today)
        digest = record_hash(record, lifecycle=lifecycle)
        stored = state.get(record.external_id)
        if record.external_id not in held and _is_unchanged(stored, digest):
            # Counted as what it still is: a record skipped (no email, excluded status, …)
            # or held for an alert stays so, rather than joining "Unchanged" after the
            # run that first saw it.
            assert stored is not None
            counts[_carried_outcome(stored.outcome)] += 1
        else:
            pending.append(Pending(record, digest, lifecycle))
    return pending, counts


def snapshot_apply(*, run: SyncRun, snapshot: Snapshot, complete: bool = True) -> Counter[str]:
    """Apply a snapshot. `complete` False: it holds only some of the PMS's records (a
    webhook's targeted sync) — nobody absent from it is taken for gone, and an empty one
    is simply nothing to do."""
    integration = run.integration
    state = stored_state_load(integration=integration)
    active_known = sum(1 for s in state.values() if not s.gone)
    if complete and not snapshot.records and not snapshot.errors and active_known > 10:
        raise EmptySnapshot(
            f"The PMS returned no residents for the attached properties, where the last sync "
            f"saw {active_known}. Nothing was changed or marked as gone. Check the Property IDs "
            "in Manage Settings; if the PMS really is empty, contact support."
        )
    if snapshot.units:
        runs.sync_run_progress(run=run, phase="Updating PMS units")
        pms_units_apply(run=run, integration=integration, units=snapshot.units)
    now = timezone.now()
    prop = integration.property
    today = timezone.localdate(now, prop.zone)
    pending, counts = _pending(snapshot, state, integration, today)
    excluded = set(integration.excluded_statuses)
    plan_ctx = PlanContext(
        run_id=run.id,
        now=now,
        today=today,
        excluded=frozenset(excluded),
        units=unit_context(integration=integration),
        owners=_duplicate_owners(snapshot.records, state, excluded, today),
    )
    # Owners of an email before its second claimants, so a Duplicate alert always finds
    # the owner's resident in its own batch or an earlier one.
    pending.sort(key=lambda p: p.record.external_id in plan_ctx.owners)
    total = len(snapshot.records)
    done = total - len(pending)
    runs.sync_run_progress(run=run, phase="Applying changes", done=done, total=total)
    for batch in _chunks(pending, BATCH_SIZE):
        write_ctx = WriteContext(integration, prop, run.id, timezone.now())
        with transaction.atomic():
            counts += _batch_sync(batch=batch, state=state, integration=integration,
                                  plan_ctx=replace(plan_ctx, now=write_ctx.now),
                                  write_ctx=write_ctx)  # fmt: skip
        done += len(batch)
        runs.sync_run_progress(run=run, done=done)
    counts += _errors_record(run, snapshot.errors)
    if not complete:
        return counts
    seen = {r.external_id for r in snapshot.records} | {e.external_id for e in snapshot.errors}
    runs.sync_run_progress(run=run, phase="Checking for residents no longer in the PMS")
    counts += _mark_gone(run=run, integration=integration, seen=seen, state=state)
    return counts


def _errors_record(run: SyncRun, errors: Sequence[RecordError]) -> Counter[str]:
    rows_insert(
        SyncOutcome,
        ["run_id", "external_id", "outcome", "name", "email", "raw_status", "detail"],
        [
            [run.id, e.external_id[:100], str(Outcome.ERROR), "", "", "", str(e.message)[:500]]
            for e in errors
        ],
    )
    return Counter({Outcome.ERROR: len(errors)}) if errors else Counter()
