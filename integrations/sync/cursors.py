"""Changes-run cursors and run kinds in the database; the rules are in ``changes.py``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from integrations.models import PMSIntegration, PMSRecord, SyncCursor, SyncRun
from integrations.pms.registry import VENDORS
from integrations.sync import changes, runs


def offers_changes(*, integration: PMSIntegration) -> bool:
    """Whether the integration's vendor has a "changed since" resident call."""
    credential = integration.credential
    info = VENDORS.get(credential.vendor) if credential is not None else None
    return bool(info and info.capabilities.changed_since)


def cursors_load(*, integration: PMSIntegration) -> dict[str, changes.CursorState]:
    return {
        pid: changes.CursorState(position, read_at)
        for pid, position, read_at in SyncCursor.objects.filter(
            integration=integration
        ).values_list("pms_property_id", "position", "read_at")
    }


def run_kind_choose(*, run: SyncRun, now: datetime | None = None) -> changes.KindDecision:
    """Decide, when a worker takes the run, whether it is full or changes-only, and record
    it on the run (the panel and the history say which). One UPDATE; three more queries
    (the cursors, the last finished run, records waiting to be applied again) only when a
    changes run is possible."""
    integration = run.integration
    now = now or timezone.now()
    full_interval = timedelta(minutes=integration.full_sync_interval_minutes)
    sync_interval = timedelta(minutes=integration.sync_interval_minutes)
    last_full_at = integration.last_full_sync_at
    capable = offers_changes(integration=integration)
    scheduled = run.trigger == SyncRun.Trigger.SCHEDULE
    cursors: Mapping[str, changes.CursorState] = {}
    last_failed = reapply = False
    # The cursors and the last run are looked up only when nothing cheaper decided "full".
    if (
        capable
        and scheduled
        and sync_interval < full_interval
        and last_full_at is not None
        and now - last_full_at < full_interval
    ):
        cursors = cursors_load(integration=integration)
        last_state = (
            SyncRun.objects.filter(integration=integration, finished_at__isnull=False)
            .exclude(id=run.id)
            .order_by("-id")
            .values_list("state", flat=True)
            .first()
        )
        last_failed = last_state == SyncRun.State.FAILED
        reapply = (
            not last_failed
            and PMSRecord.objects.filter(
                integration=integration, data_hash="", gone_from_pms_at__isnull=True
            ).exists()
        )
    decision = changes.run_kind_decide(
        offers_changes=capable,
        scheduled=scheduled,
        attached=list(integration.pms_property_ids),
        cursors=cursors,
        last_full_at=last_full_at,
        full_interval=full_interval,
        sync_interval=sync_interval,
        last_run_failed=last_failed,
        now=now,
        reapply_pending=reapply,
    )
    run_kind_record(run=run, decision=decision)
    return decision


def run_kind_record(*, run: SyncRun, decision: changes.KindDecision) -> None:
    run.kind = decision.kind
    run.kind_reason = decision.reason[:200]
    run.changes_since = decision.changes_since
    SyncRun.objects.filter(id=run.id).update(
        kind=run.kind, kind_reason=run.kind_reason, changes_since=run.changes_since
    )


def sync_run_succeed(
    *,
    run: SyncRun,
    counts: dict[str, int],
    started_at: datetime | None,
    read: Mapping[str, tuple[datetime | None, bool]],
    since: Mapping[str, datetime],
) -> bool:
    """Finish a run that applied what it read, and move its cursors — in one transaction,
    so a cursor never moves past changes a run did not finish applying.

    ``read``: per PMS property read whole, the newest modification its rows carried and
    whether any row came. ``since``: the cursors the run read from (empty for a full run).
    Returns False when the run was no longer this worker's (nothing moved).
    """
    integration = run.integration
    if started_at is None:
        # A fetch that says nothing about when it read (a test's hand-written PMS).
        return runs.sync_run_finish(run=run, ok=True, counts=counts)
    with transaction.atomic():
        if not runs.sync_run_finish(run=run, ok=True, counts=counts):
            return False
        attached = set(integration.pms_property_ids)
        existing = {
            c.pms_property_id: c
            for c in SyncCursor.objects.select_for_update().filter(integration=integration)
        }
        changed: list[SyncCursor] = []
        created: list[SyncCursor] = []
        for pid, (newest, rows_seen) in read.items():
            if pid not in attached:
                continue
            cursor = existing.get(pid)
            before = cursor.position if cursor is not None else None
            # A full run read the property from the beginning: its own position counts
            # only as the floor the cursor never moves below.
            position = changes.cursor_next(
                since=since.get(pid, before),
                started_at=started_at,
                newest_modified=newest,
                rows_seen=rows_seen,
            )
            if cursor is None:
                created.append(
                    SyncCursor(
                        integration=integration, pms_property_id=pid, position=position,
                        newest_modified=newest, read_at=started_at, run=run,
                    )
                )  # fmt: skip
                continue
            cursor.position = max(position, cursor.position)
            cursor.newest_modified = newest or cursor.newest_modified
            cursor.read_at = started_at
            cursor.run = run
            changed.append(cursor)
        if created:
            SyncCursor.objects.bulk_create(created)
        if changed:
            SyncCursor.objects.bulk_update(
                changed, ["position", "newest_modified", "read_at", "run"]
            )
        # A PMS property detached since: its cursor goes, so attaching it again starts
        # with a full read.
        gone = [pid for pid in existing if pid not in attached]
        if gone:
            SyncCursor.objects.filter(integration=integration, pms_property_id__in=gone).delete()
    return True


# --- the setting ---------------------------------------------------------------------


def integration_set_full_sync_interval(
    *, integration: PMSIntegration, minutes: int, actor: Actor
) -> PMSIntegration:
    """How often the integration's runs read the whole PMS (the runs between read only the
    changes, where the vendor offers it); audited. ValidationError naming the rule for a
    value under 5 minutes. Takes effect from the next run."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 5:
        raise ValidationError(
            f"Enter a full-sync interval of at least 5 minutes (got {minutes!r}); "
            "60 reads the whole PMS hourly, 1440 nightly."
        )
    if integration.full_sync_interval_minutes == minutes:
        return integration
    before = integration.full_sync_interval_minutes
    with transaction.atomic():
        integration.full_sync_interval_minutes = minutes
        integration.save(update_fields=["full_sync_interval_minutes", "updated_at"])
        access_event_record(
            property=integration.property,
            actor=actor,
            action=AccessEvent.Action.SETTING_CHANGED,
            subject=f"Full sync every {minutes} minutes (was {before})",
            data={"full_sync_interval_minutes": minutes, "before": before},
        )
    return integration
