"""Resolving sync alerts. Each resolution is audited and respected by later runs."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.models import AccessEvent
from access.services import Actor, access_event_record
from integrations.models import Outcome, PMSRecord, SyncAlert
from integrations.sync.normalize import door_status_for
from residents.models import Resident, StatusSource

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


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _resident_from_pms(alert: SyncAlert) -> Resident:
    d = alert.pms_data
    lifecycle = d.get("lifecycle", "future")
    resident = Resident(
        property_id=alert.integration.property_id,
        first_name=(d.get("first_name") or "(no first name)")[:100],
        last_name=(d.get("last_name") or "(no last name)")[:100],
        email=d.get("email", "")[:254],
        phone=d.get("phone", "")[:20],
        pms_status=d.get("raw_status", "")[:100],
        status=door_status_for(lifecycle),
        status_source=StatusSource.PMS,
        status_changed_at=timezone.now(),
    )
    start, end = _date(d.get("lease_start", "")), _date(d.get("lease_end", ""))
    if not (start and end and end < start):
        resident.lease_start, resident.lease_end = start, end
    move_in, move_out = _date(d.get("move_in", "")), _date(d.get("move_out", ""))
    if not (move_in and move_out and move_out < move_in):
        resident.move_in, resident.move_out = move_in, move_out
    resident.save()
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
    locked = (
        SyncAlert.objects.select_for_update(of=("self",))
        .select_related("integration", "resident")
        .get(id=alert.id)
    )
    if locked.state != SyncAlert.State.OPEN:
        raise ValidationError("This alert was already resolved.")
    allowed = RESOLUTIONS[locked.kind]
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
