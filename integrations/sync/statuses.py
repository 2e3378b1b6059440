"""Lease statuses the vendor sends but doorsync does not know (issue 12 d).

The vendor mappings never drop such a record (integrations/pms/lifecycle.py): its other
signals decide the lifecycle where they are unambiguous, else it is UNDECIDED. Per run,
after the fetch and before anything is applied, `snapshot_statuses_settle`:

1. applies support's mapping for this integration (`PMSIntegration.status_lifecycles`,
   set in admin through `integration_set_status_lifecycles`);
2. keeps, for a record still undecided, what the sync last knew of that person — an
   unknown status neither grants nor revokes anything by itself;
3. opens (or refreshes) one sync alert per unknown status, naming it and how many records
   carry it, and resolves the alerts of statuses now mapped or no longer sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from integrations.models import PMSIntegration, PMSRecord, SyncAlert, SyncRun
from integrations.pms.lifecycle import Signals, settled
from integrations.pms.registry import status_lifecycles
from integrations.pms.types import Lifecycle, PMSResident, StatusReading
from integrations.sync.user_sync import Snapshot

ALERT_PREFIX = "status:"
# What support may map an unknown status to; shown in the admin help and the errors.
LIFECYCLES = frozenset(lifecycle.value for lifecycle in Lifecycle)
CHOICES = ", ".join(lifecycle.value for lifecycle in Lifecycle)


def status_key(raw: str) -> str:
    """Statuses compare as the vendor vocabularies do: case- and space-insensitively."""
    return " ".join(raw.split()).casefold()


# --- support's mapping: checked and saved ------------------------------------------------


def status_lifecycles_check(value: object, *, vendor: str) -> dict[str, str]:
    """{status: lifecycle} as support typed it in admin, checked; ValidationError naming
    what is wrong. Only statuses the vendor's vocabulary does not know may be mapped: a
    known one already means what its vendor says."""
    if not isinstance(value, dict):
        raise ValidationError(
            'Enter the status lifecycles as an object, e.g. {"Old": "past"} '
            f"(got {type(value).__name__})."
        )
    known = {status_key(name): name for name in status_lifecycles(vendor)}
    checked: dict[str, str] = {}
    seen: dict[str, str] = {}
    for raw, lifecycle in value.items():
        name = " ".join(str(raw).split())
        if not name or len(name) > 100:
            raise ValidationError(f"{raw!r} is not a lease status (1 to 100 characters).")
        if status_key(name) in known:
            raise ValidationError(
                f"“{name}” is a status doorsync already knows for this PMS "
                f"(as “{known[status_key(name)]}”): map only statuses it does not know."
            )
        if status_key(name) in seen:
            raise ValidationError(f"“{name}” and “{seen[status_key(name)]}” are the same status.")
        if not isinstance(lifecycle, str) or lifecycle.strip().lower() not in LIFECYCLES:
            raise ValidationError(f"Map “{name}” to one of: {CHOICES} (got {lifecycle!r}).")
        seen[status_key(name)] = name
        checked[name] = lifecycle.strip().lower()
    return checked


@transaction.atomic
def integration_set_status_lifecycles(
    *, integration: PMSIntegration, mapping: Mapping[str, str], actor: Actor
) -> PMSIntegration:
    """Save support's mapping, audited; the next sync applies it to every record."""
    assert integration.credential is not None
    checked = status_lifecycles_check(dict(mapping), vendor=integration.credential.vendor)
    if checked == integration.status_lifecycles:
        return integration
    integration.status_lifecycles = checked
    integration.save(update_fields=["status_lifecycles", "updated_at"])
    # Unchanged PMS data would otherwise be skipped by its fingerprint.
    PMSRecord.objects.filter(integration=integration).update(data_hash="")
    mapped = {status_key(name) for name in checked}
    for alert in SyncAlert.objects.filter(
        integration=integration, kind=SyncAlert.Kind.UNKNOWN_STATUS, state=SyncAlert.State.OPEN
    ):
        if status_key(alert.external_id.removeprefix(ALERT_PREFIX)) in mapped:
            alert.state = SyncAlert.State.RESOLVED
            alert.resolution = "mapped"
            alert.resolved_at = timezone.now()
            alert.resolved_by = actor if isinstance(actor, User) else None
            alert.save(
                update_fields=["state", "resolution", "resolved_at", "resolved_by", "updated_at"]
            )
    access_event_record(
        property=integration.property,
        actor=actor,
        action=AccessEvent.Action.SETTING_CHANGED,
        subject="Unknown lease statuses mapped: "
        + (", ".join(f"{k} → {v}" for k, v in checked.items()) or "none"),
        data={"status_lifecycles": checked},
    )
    return integration


# --- per run ------------------------------------------------------------------------


@dataclass
class _Unknown:
    name: str
    external_ids: list[str] = field(default_factory=list)
    inferred: int = 0
    undecided: int = 0


def snapshot_statuses_settle(*, run: SyncRun, snapshot: Snapshot) -> Snapshot:
    """The snapshot with unknown statuses settled, and their alerts opened or resolved.

    A part of the PMS (a snapshot not `complete`: a changes run, a webhook's targeted
    sync) settles its records but resolves no alert: deciding a status is no longer sent
    needs the whole snapshot."""
    integration = run.integration
    mapped = {
        status_key(name): Lifecycle(value)
        for name, value in (integration.status_lifecycles or {}).items()
    }
    today = timezone.localdate()
    unknown: dict[str, _Unknown] = {}
    records: list[PMSResident] = []
    undecided: list[int] = []
    for record in snapshot.records:
        if record.status_reading is StatusReading.KNOWN:
            records.append(record)
            continue
        key = status_key(record.raw_status)
        if key in mapped:
            records.append(_mapped(record, mapped[key], today))
            continue
        found = unknown.setdefault(key, _Unknown(record.raw_status.strip() or "(empty)"))
        found.external_ids.append(record.external_id)
        if record.status_reading is StatusReading.UNDECIDED:
            found.undecided += 1
            undecided.append(len(records))
        else:
            found.inferred += 1
        records.append(record)
    if not unknown:
        # The common case costs no query: alerts of statuses since mapped were closed when
        # support mapped them, and those of statuses no longer sent close with the next run
        # that sees any unknown status.
        return replace(snapshot, records=records)
    if undecided:
        records = _keep_what_was_known(integration, records, undecided)
    _alerts_update(run, unknown, complete=snapshot.complete)
    return replace(snapshot, records=records)


def _mapped(record: PMSResident, lifecycle: Lifecycle, today: date) -> PMSResident:
    signals = Signals(move_in=record.move_in, move_out=record.move_out)
    return replace(
        record,
        lifecycle=settled(lifecycle, signals, today),
        status_reading=StatusReading.KNOWN,
    )


def _keep_what_was_known(
    integration: PMSIntegration, records: list[PMSResident], positions: Collection[int]
) -> list[PMSResident]:
    ids = [records[i].external_id for i in positions]
    stored = dict(
        PMSRecord.objects.filter(integration=integration, external_id__in=ids)
        .exclude(lifecycle="")
        .values_list("external_id", "lifecycle")
    )
    settled_records = list(records)
    for i in positions:
        before = stored.get(records[i].external_id)
        if before in LIFECYCLES:
            settled_records[i] = replace(records[i], lifecycle=Lifecycle(before))
    return settled_records


def _detail(vendor: str, found: _Unknown) -> str:
    count = len(found.external_ids)
    records = f"{count} record{'s' if count != 1 else ''}"
    parts = [
        f"{vendor} sends the lease status “{found.name}”, which doorsync does not know, on "
        f"{records} in the last sync."
    ]
    if found.inferred:
        parts.append(f"{found.inferred} were placed by their move-in and move-out dates.")
    if found.undecided:
        parts.append(
            f"{found.undecided} keep what doorsync last knew of them (nothing granted or "
            "revoked) until the status is mapped."
        )
    parts.append(
        f"Support maps “{found.name}” to a lifecycle for this property in admin (PMS "
        "integration → Status lifecycles); the next sync applies it."
    )
    return " ".join(parts)


def _alerts_update(run: SyncRun, unknown: Mapping[str, _Unknown], *, complete: bool) -> None:
    """Open or refresh an alert per unknown status. A changes run (not `complete`) only
    opens alerts for statuses new to it: it saw a few records, so it neither resolves
    alerts of statuses it did not see nor rewrites the counts a full run wrote."""
    integration = run.integration
    vendor = integration.credential.get_vendor_display() if integration.credential else "The PMS"
    now = timezone.now()
    existing: dict[str, list[SyncAlert]] = defaultdict(list)
    for alert in SyncAlert.objects.filter(
        integration=integration, kind=SyncAlert.Kind.UNKNOWN_STATUS
    ).exclude(state=SyncAlert.State.RESOLVED):
        existing[status_key(alert.external_id.removeprefix(ALERT_PREFIX))].append(alert)
    mapped = {status_key(name) for name in integration.status_lifecycles or {}}
    for key, alerts in existing.items():
        if key in unknown or not complete:
            continue
        for alert in alerts:
            if alert.state == SyncAlert.State.OPEN:
                alert.state = SyncAlert.State.RESOLVED
                alert.resolution = "mapped" if key in mapped else "no_longer_sent"
                alert.resolved_at = now
                alert.save(update_fields=["state", "resolution", "resolved_at", "updated_at"])
    for key, found in unknown.items():
        data = {
            "raw_status": found.name,
            "count": len(found.external_ids),
            "inferred": found.inferred,
            "undecided": found.undecided,
            # A few to look up; the run's outcomes hold them all.
            "external_ids": found.external_ids[:20],
            "run_id": run.id,
            "detail": _detail(vendor, found),
        }
        alerts = existing.get(key, [])
        if any(a.state == SyncAlert.State.IGNORED for a in alerts):
            continue  # support chose to ignore it: not raised again
        open_alert = next((a for a in alerts if a.state == SyncAlert.State.OPEN), None)
        if open_alert is not None and not complete:
            continue
        name = f"Unknown lease status “{found.name}” on {data['count']} record" + (
            "s" if data["count"] != 1 else ""
        )
        if open_alert is None:
            SyncAlert.objects.create(
                integration=integration,
                kind=SyncAlert.Kind.UNKNOWN_STATUS,
                external_id=(ALERT_PREFIX + found.name)[:100],
                pms_name=name[:210],
                pms_data=data,
            )
        else:
            open_alert.pms_name = name[:210]
            open_alert.pms_data = data
            open_alert.save(update_fields=["pms_name", "pms_data", "updated_at"])
