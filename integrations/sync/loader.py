"""User Sync's loader: what the planner needs to know, looked up per run and per batch.

Query counts grow with batches, never with records: a batch's residents, the
residents sharing an email with its unlinked records, whom those are linked to, and
the batch's alerts are four queries whatever the batch holds.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Trim

from integrations.models import PMSIntegration, PMSRecord, SyncAlert
from integrations.pms.types import PMSResident
from integrations.sync.normalize import email_key
from integrations.sync.planner import BatchLookups, ResidentState, Stored
from integrations.sync.values import ResidentValues
from residents.models import Resident


def stored_state_load(
    *, integration: PMSIntegration, external_ids: Collection[str] | None = None
) -> dict[str, Stored]:
    """Every PMS record of the integration as the last sync left it (one query); with
    ``external_ids``, only those records (a changes run's)."""
    found = PMSRecord.objects.filter(integration=integration)
    if external_ids is not None:
        if not external_ids:
            return {}
        wanted: Any = list(external_ids)
        if connection.vendor == "postgresql":
            # One array parameter, not thousands of literals (see _residents_by_email).
            wanted = RawSQL("SELECT unnest(%s::text[])", (wanted,))
        found = found.filter(external_id__in=wanted)
    rows = found.values_list(
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


@dataclass
class Loaded:
    """The planner's lookups, and the model instances only the writer needs."""

    lookups: BatchLookups
    residents: dict[int, Resident] = field(default_factory=dict)
    alerts: dict[int, SyncAlert] = field(default_factory=dict)


def _state(resident: Resident) -> ResidentState:
    return ResidentState(
        resident.id,
        ResidentValues(
            first_name=resident.first_name,
            last_name=resident.last_name,
            email=resident.email,
            phone=resident.phone,
            lease_start=resident.lease_start,
            lease_end=resident.lease_end,
            move_in=resident.move_in,
            move_out=resident.move_out,
            pms_status=resident.pms_status,
            unit_id=resident.unit_id,
            status=resident.status,
            status_source=resident.status_source,
            status_changed_at=resident.status_changed_at,
        ),
    )


def batch_load(
    *, integration: PMSIntegration, records: Sequence[PMSResident], state: dict[str, Stored]
) -> Loaded:
    loaded = Loaded(BatchLookups())
    lookups = loaded.lookups
    # Q1: residents these records are linked to.
    linked_ids = {
        s.resident_id for r in records if (s := state.get(r.external_id)) and s.resident_id
    }
    if linked_ids:
        loaded.residents = {r.id: r for r in Resident.objects.filter(id__in=linked_ids)}
    # Q2 + Q3: residents of the property sharing an email with an unlinked record, and
    # whether each is already linked to another record of this integration.
    emails = {
        email_key(r.email)
        for r in records
        if r.email and not ((s := state.get(r.external_id)) and s.resident_id)
    }
    if emails:
        for resident in _residents_by_email(integration, emails):
            lookups.by_email.setdefault(email_key(resident.email), []).append(resident.id)
            loaded.residents.setdefault(resident.id, resident)
    candidate_ids = [rid for group in lookups.by_email.values() for rid in group]
    if candidate_ids:
        lookups.linked_to = dict(
            PMSRecord.objects.filter(
                integration=integration, resident_id__in=candidate_ids
            ).values_list("resident_id", "external_id")
        )
    lookups.residents = {rid: _state(r) for rid, r in loaded.residents.items()}
    # Q4: alerts of these records — open ones to refresh, resolved ones to respect.
    for alert in SyncAlert.objects.filter(
        integration=integration, external_id__in=[r.external_id for r in records]
    ):
        if alert.state == SyncAlert.State.OPEN:
            lookups.open_alerts.setdefault(alert.external_id, {})[alert.kind] = alert.id
            loaded.alerts[alert.id] = alert
        elif alert.state == SyncAlert.State.IGNORED:
            lookups.ignored.add(alert.external_id)
        if alert.kind == SyncAlert.Kind.EMAIL_MISMATCH and alert.resolution == "keep_ours":
            lookups.kept.setdefault(alert.external_id, set()).add(email_key(alert.pms_email))
    return loaded


def _residents_by_email(integration: PMSIntegration, emails: set[str]) -> Any:
    # Compared the way email_key does: an address stored in another case (typed in
    # admin, imported) still matches the PMS's lower-cased one.
    wanted: Any = list(emails)
    if connection.vendor == "postgresql":
        # A subquery over one array, not IN (1,000 literals): without statistics on
        # the expression (a first sync outgrows the last ANALYZE), the planner took
        # a literal list for "most rows" and filtered every resident of the property
        # instead of using resident_property_email_key — 82 ms a batch at 100,000.
        wanted = RawSQL("SELECT unnest(%s::text[])", (wanted,))
    return Resident.objects.annotate(email_lower=Lower(Trim("email"))).filter(
        property_id=integration.property_id, email_lower__in=wanted
    )
