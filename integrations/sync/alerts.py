"""Sync alerts: when the sync opens and closes them, and a manager's resolutions.

The open/close rules (``alert_changes``) are pure: the sync's planner calls them per
record. Each resolution is audited and respected by later runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from integrations.models import Outcome, PMSRecord, SyncAlert
from integrations.pms.types import Lifecycle, PMSResident
from integrations.sync.rules import Action, Decision
from integrations.sync.values import resident_from_pms
from residents.models import Resident
from webhooks.emit import webhook_event_emit

RESOLUTIONS: dict[str, dict[str, str]] = {
    SyncAlert.Kind.EMAIL_MISMATCH: {
        "take_pms": "Take the PMS email",
        "keep_ours": "Keep ours",
    },
    SyncAlert.Kind.POSSIBLE_MATCH: {
        "link": "Link to this resident",
        "create": "Create a new resident",
        "ignore": "Ignore",
    },
    # Ignore first (the primary button): the second record is more often another person
    # (a household sharing an email) than the resident's newer lease.
    SyncAlert.Kind.DUPLICATE: {
        "ignore": "Ignore",
        "use_this": "Use this PMS record",
    },
    # Raised by the nightly access check; resolved by integrations/access_check.py.
    SyncAlert.Kind.UNJUSTIFIED_KEY: {
        "revoke": "Revoke these keys",
        "keep": "Keep them",
    },
}


# --- When the sync opens and closes alerts (pure) -------------------------------------

ALERT_KIND_FOR = {
    Action.ALERT_EMAIL_MISMATCH: SyncAlert.Kind.EMAIL_MISMATCH,
    Action.ALERT_POSSIBLE_MATCH: SyncAlert.Kind.POSSIBLE_MATCH,
    Action.ALERT_DUPLICATE: SyncAlert.Kind.DUPLICATE,
}


@dataclass(frozen=True, slots=True)
class AlertOpen:
    """An alert to open for a record, or the open one of its kind to refresh."""

    kind: str
    pms_email: str
    pms_name: str
    pms_data: dict[str, str]
    resident_id: int | None
    refresh_id: int | None = None
    # A Duplicate of a record whose resident is created in the same batch names that
    # resident once it has an id, so "Use this PMS record" takes it over.
    owner_external_id: str | None = None


@dataclass(frozen=True, slots=True)
class AlertChanges:
    open: AlertOpen | None = None
    close_ids: tuple[int, ...] = field(default=())


def pms_data_of(record: PMSResident, *, lifecycle: str, detail: str) -> dict[str, str]:
    """The record as an alert keeps it, to act on without another PMS call."""
    return {
        "external_id": record.external_id,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "email": record.email,
        "phone": record.phone,
        "raw_status": record.raw_status,
        # The person's own lifecycle: "Create a new resident" makes them what the sync would.
        "lifecycle": lifecycle,
        "lease_start": str(record.lease_start or ""),
        "lease_end": str(record.lease_end or ""),
        "move_in": str(record.move_in or ""),
        "move_out": str(record.move_out or ""),
        "unit_name": record.unit_name,
        "detail": detail,
    }


def alert_changes(
    *,
    record: PMSResident,
    lifecycle: str,
    decision: Decision,
    detail: str,
    open_alerts: Mapping[str, int],
    owner_external_id: str | None,
) -> AlertChanges:
    """A decision that holds the record opens its kind of alert (or refreshes the open
    one with the latest PMS values); an open alert whose reason went away (the PMS
    fixed the email, say) closes itself."""
    kind = ALERT_KIND_FOR.get(decision.action)
    close = tuple(alert_id for k, alert_id in open_alerts.items() if k != kind)
    if kind is None:
        return AlertChanges(close_ids=close)
    opened = AlertOpen(
        kind=kind,
        pms_email=record.email,
        pms_name=f"{record.first_name} {record.last_name}".strip()[:210],
        pms_data=pms_data_of(record, lifecycle=lifecycle, detail=detail),
        resident_id=decision.resident_id,
        refresh_id=open_alerts.get(kind),
        owner_external_id=owner_external_id if kind == SyncAlert.Kind.DUPLICATE else None,
    )
    return AlertChanges(open=opened, close_ids=close)


# --- Resolutions --------------------------------------------------------------------


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _resident_from_pms(alert: SyncAlert) -> Resident:
    """The resident the sync would create from the record the alert keeps."""
    d = alert.pms_data
    record = PMSResident(
        external_id=alert.external_id,
        pms_property_id="",
        first_name=d.get("first_name", ""),
        last_name=d.get("last_name", ""),
        email=d.get("email", ""),
        phone=d.get("phone", ""),
        lease_start=_date(d.get("lease_start", "")),
        lease_end=_date(d.get("lease_end", "")),
        move_in=_date(d.get("move_in", "")),
        move_out=_date(d.get("move_out", "")),
        unit_id="",
        unit_name=d.get("unit_name", ""),
        raw_status=d.get("raw_status", ""),
        lifecycle=Lifecycle(d.get("lifecycle") or Lifecycle.FUTURE),
    )
    built = resident_from_pms(record, lifecycle=record.lifecycle.value, now=timezone.now())
    resident = Resident(property_id=alert.integration.property_id, **built.values.as_fields())
    resident.save()
    webhook_event_emit(
        organization_id=alert.integration.property.organization_id,
        property_id=resident.property_id,
        type="resident.created",
        data={
            "resident_id": resident.id,
            "property_id": resident.property_id,
            "source": "pms_sync",
        },
    )
    return resident


def _link(record: PMSRecord, resident: Resident, outcome: str) -> None:
    taken = (
        PMSRecord.objects.filter(integration_id=record.integration_id, resident=resident)
        .exclude(id=record.id)
        .first()
    )
    if taken is not None:
        # The resident held another record's link: that record steps aside, ignored.
        taken.resident = None
        taken.outcome = Outcome.IGNORED
        taken.outcome_detail = f"replaced by PMS record {record.external_id} (manager's choice)"
        taken.save(update_fields=["resident", "outcome", "outcome_detail"])
        SyncAlert.objects.get_or_create(
            integration_id=record.integration_id,
            kind=SyncAlert.Kind.DUPLICATE,
            external_id=taken.external_id,
            state=SyncAlert.State.IGNORED,
            defaults={
                "resolution": "ignore",
                "pms_email": taken.email,
                "resolved_at": timezone.now(),
            },
        )
    record.resident = resident
    record.outcome = outcome
    record.data_hash = ""  # the next sync applies the PMS values to the resident
    # ...the lease status and the unit included, as for a link the sync makes itself:
    # a PMS unit it has not placed them in yet is new to them (Unit Sync moves them, and
    # the keys of a unit they leave go).
    record.lifecycle = ""
    record.pms_unit_id = ""
    record.save(update_fields=["resident", "outcome", "data_hash", "lifecycle", "pms_unit_id"])


@transaction.atomic
def sync_alert_resolve(*, alert: SyncAlert, resolution: str, actor: Actor) -> str:
    """Apply a manager's decision; returns a sentence saying what happened."""
    if alert.kind == SyncAlert.Kind.UNJUSTIFIED_KEY:
        from integrations.access_check import unjustified_key_alert_resolve

        return unjustified_key_alert_resolve(alert=alert, resolution=resolution, actor=actor)
    if alert.kind == SyncAlert.Kind.MASS_REVOKE:
        from access.brake import brake_resolve

        return brake_resolve(alert=alert, decision=resolution, actor=actor)
    locked = (
        SyncAlert.objects.select_for_update(of=("self",))
        .select_related("integration", "resident")
        .get(id=alert.id)
    )
    if locked.state != SyncAlert.State.OPEN:
        raise ValidationError("This alert was already resolved.")
    allowed = RESOLUTIONS.get(locked.kind, {})
    if not allowed:
        # An unknown lease status: support maps it in admin and the next sync closes it.
        raise ValidationError("Support settles this alert in admin; the next sync closes it.")
    if resolution not in allowed:
        raise ValidationError(f"Choose one of: {', '.join(allowed.values())}.")
    record = PMSRecord.objects.filter(
        integration=locked.integration, external_id=locked.external_id
    ).first()
    if record is None:
        raise ValidationError("The PMS record behind this alert is gone; run Sync Now.")
    resident = locked.resident
    message: str

    if resolution == "take_pms":
        assert resident is not None
        resident.email = locked.pms_email
        resident.save(update_fields=["email", "updated_at"])
        record.data_hash = ""
        record.save(update_fields=["data_hash"])
        message = f"{resident.full_name}'s email is now {locked.pms_email}."
    elif resolution == "keep_ours":
        assert resident is not None
        record.data_hash = ""
        record.save(update_fields=["data_hash"])
        message = (
            f"Kept {resident.email} for {resident.full_name}; later syncs update the other "
            "fields and leave the email alone."
        )
    elif resolution in ("link", "use_this") and resident is not None:
        _link(record, resident, Outcome.LINKED)
        message = f"PMS record {locked.external_id} is now linked to {resident.full_name}."
    elif resolution in ("create", "use_this"):
        resident = _resident_from_pms(locked)
        _link(record, resident, Outcome.CREATED)
        message = f"{resident.full_name} was added from the PMS."
    else:  # ignore
        record.outcome = Outcome.IGNORED
        record.outcome_detail = "a manager chose to ignore this PMS record"
        record.save(update_fields=["outcome", "outcome_detail"])
        message = f"PMS record {locked.external_id} ({locked.pms_name}) will be ignored."

    locked.state = SyncAlert.State.IGNORED if resolution == "ignore" else SyncAlert.State.RESOLVED
    locked.resolution = resolution
    locked.resolved_by = actor if actor is not None and actor.is_authenticated else None  # type: ignore[assignment]
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["state", "resolution", "resolved_by", "resolved_at", "updated_at"])
    data: dict[str, Any] = {"alert": locked.id, "kind": locked.kind, "resolution": resolution}
    access_event_record(
        property=locked.integration.property,
        actor=actor,
        action=AccessEvent.Action.SYNC_ALERT_RESOLVED,
        subject=f"{locked.get_kind_display()} for {locked.pms_name}: {allowed[resolution]}",
        resident=resident,
        reason=message,
        data=data,
    )
    return message
