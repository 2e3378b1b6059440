"""What the first sync would do, before User Sync is turned on — the sync's own loader and
planner over a fresh read of the PMS, with nothing written (no resident, record, alert,
suggestion, key or run).

The set-up wizard's last step shows it, so a manager turns User Sync on knowing how many
residents will be created or linked, which records are skipped and why, which alerts
will open, and how many keys will be suggested (Approval Required) or granted
(Automatic). Unit Sync is not previewed: on a first sync no PMS unit is mapped yet, so
residents get the common-area keys and their unit keys follow once units are mapped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from access.models import Key, KeyGrant
from access.policy import ChangeKind, HeldGrant, access_for_pms_transition
from integrations.credentials.services import pms_credential_connector
from integrations.models import AccessMode, Outcome, PMSIntegration, SyncAlert
from integrations.sync.loader import batch_load, stored_state_load
from integrations.sync.planner import PlanContext, RecordPlan, record_plan
from integrations.sync.unit_sync import unit_context
from integrations.sync.user_sync import (
    BATCH_SIZE,
    Snapshot,
    _chunks,
    _duplicate_owners,
    _pending,
    pages_collect,
)


@dataclass
class SyncPreview:
    records: int = 0
    # Outcome code → how many records would end so (created, linked, skipped_…).
    outcomes: Counter[str] = field(default_factory=Counter)
    # Sync alert kind → how many would open.
    alerts: Counter[str] = field(default_factory=Counter)
    grants: int = 0
    revokes: int = 0
    residents_with_changes: int = 0
    unreadable: int = 0
    access_mode: str = AccessMode.APPROVAL_REQUIRED

    @property
    def outcome_rows(self) -> list[tuple[str, int]]:
        return [(str(Outcome(code).label), n) for code, n in self.outcomes.most_common()]

    @property
    def alert_rows(self) -> list[tuple[str, int]]:
        return [(str(SyncAlert.Kind(kind).label), n) for kind, n in self.alerts.most_common()]


def user_sync_preview(*, integration: PMSIntegration) -> SyncPreview:
    """Read the PMS as a sync would and plan every record; write nothing. Raises the
    connector's PMSError (named, with what to do) when the PMS cannot be read."""
    assert integration.credential is not None
    snapshot = _read(integration)
    preview = SyncPreview(
        records=len(snapshot.records),
        unreadable=len(snapshot.errors),
        access_mode=integration.access_mode,
    )
    state = stored_state_load(integration=integration)
    now = timezone.now()
    prop = integration.property
    today = timezone.localdate(now, prop.zone)
    # A full read holds nothing back for a later full run (that is for changes runs).
    pending, carried, _ = _pending(snapshot, state, integration, today)
    preview.outcomes.update(carried)
    excluded = frozenset(integration.excluded_statuses)
    ctx = PlanContext(
        run_id=0,
        now=now,
        today=today,
        excluded=excluded,
        units=unit_context(integration=integration),
        owners=_duplicate_owners(snapshot.records, state, set(excluded), today),
    )
    common = list(
        Key.objects.filter(property=prop, share_with_current_residents=True).values_list(
            "id", flat=True
        )
    )
    pending.sort(key=lambda p: p.record.external_id in ctx.owners)
    for batch in _chunks(pending, BATCH_SIZE):
        loaded = batch_load(integration=integration, records=[p.record for p in batch], state=state)
        plans = [
            record_plan(
                p.record,
                digest=p.digest,
                lifecycle=p.lifecycle,
                stored=state.get(p.record.external_id),
                lookups=loaded.lookups,
                ctx=ctx,
            )
            for p in batch
        ]
        _count(preview, plans, common)
    return preview


def _read(integration: PMSIntegration) -> Snapshot:
    assert integration.credential is not None
    with pms_credential_connector(credential=integration.credential) as connector:
        return pages_collect(
            connector.fetch_residents(integration.pms_property_ids),
            attached=integration.pms_property_ids,
        )


def _count(preview: SyncPreview, plans: list[RecordPlan], common: list[int]) -> None:
    linked = [
        p.resident.resident_id
        for p in plans
        if p.transition is not None and p.resident is not None and p.resident.resident_id
    ]
    held: dict[int, list[HeldGrant]] = {}
    for gid, rid, kid, kind in KeyGrant.objects.filter(
        resident_id__in=linked, revoked_at__isnull=True
    ).values_list("id", "resident_id", "key_id", "key__kind"):
        held.setdefault(rid, []).append(
            HeldGrant(grant_id=gid, key_id=kid, unit_key=kind == Key.Kind.UNIT)
        )
    for plan in plans:
        preview.outcomes[plan.outcome] += 1
        if plan.alerts.open is not None and plan.alerts.open.refresh_id is None:
            preview.alerts[plan.alerts.open.kind] += 1
        if plan.transition is None:
            continue
        resident_id = plan.resident.resident_id if plan.resident is not None else None
        items = access_for_pms_transition(
            transition=plan.transition.transition,
            held=held.get(resident_id, []) if resident_id else [],
            unit_key_ids={},  # no PMS unit is mapped before the first sync
            common_key_ids=common,
        )
        grants = sum(1 for i in items if i.kind == ChangeKind.GRANT)
        revokes = sum(1 for i in items if i.kind == ChangeKind.REVOKE)
        preview.grants += grants
        preview.revokes += revokes
        preview.residents_with_changes += int(bool(grants or revokes))
