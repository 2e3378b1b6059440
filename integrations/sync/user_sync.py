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

A changes run (sync/changes.py) takes the same steps over the records the PMS reports
changed since the run's cursors, except step 4: a record it did not read is unchanged,
not gone.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from common.bulk import rows_insert, rows_update
from integrations.credentials.services import pms_credential_connector
from integrations.models import (
    Outcome,
    PMSIntegration,
    PMSRecord,
    SyncAlert,
    SyncCursor,
    SyncOutcome,
    SyncRun,
)
from integrations.pms.base import Connector
from integrations.pms.errors import (
    CredentialRejected,
    PMSError,
    PMSPropertyNotFound,
    RequestRejected,
)
from integrations.pms.types import Lifecycle, PMSResident, RecordError, ResidentPage
from integrations.pms.types import PMSUnit as PMSUnitRecord
from integrations.sync import runs
from integrations.sync.changes import FULL, KindDecision, held_for_full
from integrations.sync.cursors import run_kind_record as record_kind
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
# The run's count of records a changes run left to the next full one (changes.held_for_full).
HELD_FOR_FULL = Outcome.HELD_FOR_FULL.value
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
    # A full snapshot holds every record of the attached PMS properties; a changes one
    # only those the PMS reported changed, and proves nothing about the others
    # (sync/changes.py): nobody is marked gone from it.
    complete: bool = True
    # Not complete, yet each person in it read with all their leases (a webhook's targeted
    # read): a move-out it shows is the person's own, applied now, not left for a full run.
    people_whole: bool = False
    # When the fetch began (our clock); None from a fetch that does not say (a test's
    # hand-written PMS): the run then moves no cursor.
    started_at: datetime | None = None
    # Each PMS property read whole: the newest modification time its rows carried (the
    # vendor's clock, None if they carry none) and whether any row came.
    read: dict[str, tuple[datetime | None, bool]] = field(default_factory=dict)
    # A changes snapshot: where each PMS property was read from.
    since: dict[str, datetime] = field(default_factory=dict)


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
    """Everything the run reads from the PMS: the whole of the attached PMS properties, or
    for a changes run (run.kind, decided by sync/cursors.run_kind_choose) the records
    changed since each property's cursor. A vendor refusing the changes call itself turns
    the run into a full one rather than failing it."""
    integration = run.integration
    assert integration.credential is not None
    vendor = integration.credential.get_vendor_display()
    with pms_credential_connector(credential=integration.credential) as connector:
        if run.kind == SyncRun.Kind.CHANGES and connector.offers_changes:
            try:
                return _changes_fetch(run, connector, vendor)
            except RequestRejected as exc:
                logger.warning("Sync run %s: %s refused the changes call: %s", run.id, vendor, exc)
                record_kind(
                    run=run,
                    decision=KindDecision(
                        FULL, f"{vendor} refused the call for changes ({exc.call}): all read"
                    ),
                )
        elif run.kind == SyncRun.Kind.CHANGES:
            record_kind(run=run, decision=KindDecision(FULL, "the PMS offers no changes call"))
        started_at = timezone.now()
        snapshot = Snapshot(records=[], errors=[], started_at=started_at)
        snapshot.read = {pid: (None, False) for pid in integration.pms_property_ids}
        _pages_read(run, connector.fetch_residents(integration.pms_property_ids), vendor, snapshot)
        # Units only for Unit Sync: with it off nothing reads them, and a units call the
        # credential may not make must not fail the residents' sync.
        if integration.unit_sync_enabled:
            snapshot.units = _units_fetch(run, connector, vendor)
    return snapshot


def _changes_fetch(run: SyncRun, connector: Connector, vendor: str) -> Snapshot:
    """The records changed since each attached PMS property's cursor: one call per
    distinct cursor (properties read together share one). Units are left to full runs."""
    integration = run.integration
    started_at = timezone.now()
    since = {
        pid: position
        for pid, position in SyncCursor.objects.filter(
            integration=integration, pms_property_id__in=integration.pms_property_ids
        ).values_list("pms_property_id", "position")
    }
    snapshot = Snapshot(records=[], errors=[], complete=False, started_at=started_at)
    groups: dict[datetime, list[str]] = defaultdict(list)
    for pid in integration.pms_property_ids:
        if pid not in since:  # attached since the kind was decided: only a full run reads it
            continue
        groups[since[pid]].append(pid)
        snapshot.read[pid] = (None, False)
        snapshot.since[pid] = since[pid]
    for position, pids in sorted(groups.items()):
        _pages_read(run, connector.fetch_residents_changed_since(pids, position), vendor, snapshot)
    return snapshot


def pages_collect(pages: Iterable[ResidentPage], *, attached: Iterable[str]) -> Snapshot:
    """A fetch's pages as a snapshot of the attached PMS properties' records (a person
    listed twice is one record: last wins), for reads without a run's progress — the
    first-sync preview, a webhook's targeted read. A page failing raises out of here."""
    wanted = set(attached)
    records: dict[str, PMSResident] = {}
    errors: list[RecordError] = []
    for page in pages:
        for record in page.records:
            if record.pms_property_id in wanted:
                records[record.external_id] = record
        errors.extend(page.errors)
    return Snapshot(records=list(records.values()), errors=errors)


def _pages_read(
    run: SyncRun, pages: Iterable[ResidentPage], vendor: str, snapshot: Snapshot
) -> None:
    """Collect a fetch's pages into the snapshot; a page failing raises out of here."""
    attached = set(run.integration.pms_property_ids)
    records: dict[str, PMSResident] = {r.external_id: r for r in snapshot.records}
    reported_at: datetime | None = None
    read = snapshot.read
    for page in pages:
        for record in page.records:
            pid = record.pms_property_id
            if pid in attached:
                # A person listed twice (e.g. on two leases) is one record: last wins.
                records[record.external_id] = record
                newest, _ = read.get(pid, (None, False))
                if record.modified_at is not None and (
                    newest is None or record.modified_at > newest
                ):
                    newest = record.modified_at
                read[pid] = (newest, True)
        for error in page.errors:
            pid = error.pms_property_id or page.pms_property_id
            if pid in read:
                read[pid] = (read[pid][0], True)
        snapshot.errors.extend(page.errors)
        # The count fetched so far, at most once a FETCH_PROGRESS_EVERY: a page takes
        # milliseconds, and an UPDATE per page was most of an unchanged re-sync's
        # queries. The first page says the phase has begun; "Applying changes"
        # writes the final total.
        now = timezone.now()
        if reported_at is None or now - reported_at >= FETCH_PROGRESS_EVERY:
            runs.sync_run_progress(
                run=run,
                phase=f"Fetching {'changes' if not snapshot.complete else 'residents'} "
                f"from {vendor}",
                total=len(records),
            )
            reported_at = now
    snapshot.records = list(records.values())


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
) -> tuple[list[Pending], Counter[str], list[tuple[PMSResident, Stored | None]]]:
    """The records to apply, the counts of those left as they are, and those a changes run
    leaves to the next full one.

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
    held_back: list[tuple[PMSResident, Stored | None]] = []
    for record in snapshot.records:
        lifecycle = person_lifecycle(record, today)
        digest = record_hash(record, lifecycle=lifecycle)
        stored = state.get(record.external_id)
        if (
            not snapshot.complete
            and not snapshot.people_whole
            and held_for_full(
                record,
                lifecycle=lifecycle,
                stored_lifecycle=stored.lifecycle
                if stored is not None and not stored.gone
                else None,
                today=today,
            )
        ):
            # Left as it is for the next full run, which sees all of the person's leases.
            counts[HELD_FOR_FULL] += 1
            held_back.append((record, stored))
            continue
        if record.external_id not in held and _is_unchanged(stored, digest):
            # Counted as what it still is: a record skipped (no email, excluded status, …)
            # or held for an alert stays so, rather than joining "Unchanged" after the
            # run that first saw it.
            assert stored is not None
            counts[_carried_outcome(stored.outcome)] += 1
        else:
            pending.append(Pending(record, digest, lifecycle))
    return pending, counts, held_back


def snapshot_apply(*, run: SyncRun, snapshot: Snapshot) -> Counter[str]:
    """Apply a snapshot. One that is not `complete` (a changes run, a webhook's targeted
    sync) holds only some of the PMS's records: nobody absent from it is taken for gone,
    and an empty one is simply nothing to do."""
    integration = run.integration
    if snapshot.complete:
        state = stored_state_load(integration=integration)
    else:
        # A changes run looks up only the records it read: it scales with the changes,
        # not with the property.
        state = stored_state_load(
            integration=integration, external_ids=[r.external_id for r in snapshot.records]
        )
    active_known = sum(1 for s in state.values() if not s.gone)
    if snapshot.complete and not snapshot.records and not snapshot.errors and active_known > 10:
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
    pending, counts, held_back = _pending(snapshot, state, integration, today)
    _held_back_record(run, held_back)
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
    if not snapshot.complete:
        # Records a changes run did not read are unchanged, not gone: only a full run
        # may mark anyone "no longer in the PMS".
        return counts
    seen = {r.external_id for r in snapshot.records} | {e.external_id for e in snapshot.errors}
    runs.sync_run_progress(run=run, phase="Checking for residents no longer in the PMS")
    counts += _mark_gone(run=run, integration=integration, seen=seen, state=state)
    return counts


def _held_back_record(run: SyncRun, held_back: Sequence[tuple[PMSResident, Stored | None]]) -> None:
    """An outcome row per record a changes run left to the next full one, so "why is this
    resident not synced?" has its answer in the run — once: a record re-read by the next
    changes runs (the overlap) is not listed again, as a record still skipped is not.
    Two queries, only when there are any."""
    if not held_back:
        return
    last_full = run.integration.last_full_sync_at
    already = set(
        SyncOutcome.objects.filter(
            run__integration_id=run.integration_id,
            outcome=Outcome.HELD_FOR_FULL,
            external_id__in=[record.external_id for record, _ in held_back],
        )
        .filter(**({"run__created_at__gte": last_full} if last_full else {}))
        .values_list("external_id", flat=True)
    )
    held_back = [(r, s) for r, s in held_back if r.external_id not in already]
    rows_insert(
        SyncOutcome,
        OUTCOME_COLUMNS,
        [
            [
                run.id,
                record.external_id[:100],
                stored.resident_id if stored is not None else None,
                str(Outcome.HELD_FOR_FULL),
                f"{record.first_name} {record.last_name}".strip()[:210],
                record.email[:254],
                record.raw_status[:100],
                f"the PMS says “{record.raw_status}” without a move-out date reached; the "
                "next full sync, which reads all of their leases, decides (keys unchanged)",
            ]
            for record, stored in held_back
        ],
    )


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
