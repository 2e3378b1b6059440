from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from access import selectors as access_selectors
from access.automation import suggestions_supersede_for_resident
from access.models import KeyGrant
from access.policy import AccessChange, DoorStatus, HeldGrant, access_for_status_change
from access.services import key_grants_apply
from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from common.services import model_update
from properties.models import Property
from residents.contact import email_normalize, phone_normalize
from residents.models import Resident, ResidentStatus, StatusSource
from units.models import Unit
from webhooks.emit import webhook_event_emit

EDITABLE_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "lease_start",
    "lease_end",
    "move_in",
    "move_out",
    "unit",
]


@dataclass(frozen=True)
class ResidentData:
    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""
    lease_start: date | None = None
    lease_end: date | None = None
    move_in: date | None = None
    move_out: date | None = None
    unit_id: int | None = None


def _email_taken_by(*, property: Property, email: str, exclude_id: int | None) -> Resident | None:
    """Another resident of the property with this email (as User Sync compares them).

    One email is one resident: it is how User Sync links a PMS record (two residents of
    one email make every sync raise a Possible Match or Duplicate) and how a resident is
    told about their keys."""
    if not email:
        return None
    others = Resident.objects.alias(key=Lower(Trim("email"))).filter(
        property=property, key=email.strip().lower()
    )
    if exclude_id is not None:
        others = others.exclude(id=exclude_id)
    return others.select_related("unit").order_by("id").first()


EMAIL_TAKEN = "email_taken"


def _clean(
    *,
    property: Property,
    data: ResidentData,
    exclude_id: int | None = None,
    current_email: str = "",
    allow_shared_email: bool = False,
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    first, last = data.first_name.strip(), data.last_name.strip()
    if not first:
        errors["first_name"] = "Enter the resident's first name."
    if not last:
        errors["last_name"] = "Enter the resident's last name."
    cleaned: dict[str, Any] = {"first_name": first, "last_name": last}
    try:
        cleaned["email"] = email_normalize(data.email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    else:
        # Only a new or changed email is looked at: residents who already share one (a
        # Possible Match resolved as "create new", older data) stay editable.
        other = (
            None
            if allow_shared_email or cleaned["email"] == current_email
            else _email_taken_by(property=property, email=cleaned["email"], exclude_id=exclude_id)
        )
        if other is not None:
            where = f"{other.unit}, " if other.unit else ""
            errors["email"] = ValidationError(
                f"{other.full_name} ({where}{other.get_status_display()}) already has this "
                f"email. To change {other.first_name}'s details or status, open their page "
                "instead. Two residents of one email are held for review by every PMS sync; "
                "if they really share it, tick “They share this email” and save again.",
                code=EMAIL_TAKEN,
            )
    try:
        cleaned["phone"] = phone_normalize(data.phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if data.lease_start and data.lease_end and data.lease_end < data.lease_start:
        errors["lease_end"] = "The lease end is before the lease start."
    if data.move_in and data.move_out and data.move_out < data.move_in:
        errors["move_out"] = "The move-out date is before the move-in date."
    unit = None
    if data.unit_id is not None:
        unit = Unit.objects.filter(property=property, id=data.unit_id).first()
        if unit is None:
            errors["unit"] = "That unit is not at this property."
    if errors:
        raise ValidationError(errors)
    cleaned.update(
        lease_start=data.lease_start,
        lease_end=data.lease_end,
        move_in=data.move_in,
        move_out=data.move_out,
        unit=unit,
    )
    return cleaned


@transaction.atomic
def resident_create(
    *,
    property: Property,
    data: ResidentData,
    actor: Actor,
    status: str = ResidentStatus.FUTURE,
    allow_shared_email: bool = False,
) -> Resident:
    cleaned = _clean(property=property, data=data, allow_shared_email=allow_shared_email)
    resident = Resident(
        property=property,
        status=ResidentStatus.FUTURE,
        status_source=StatusSource.MANUAL,
        status_changed_at=timezone.now(),
        **cleaned,
    )
    resident.full_clean()
    resident.save()
    access_event_record(
        property=property,
        actor=actor,
        action=AccessEvent.Action.RESIDENT_CREATED,
        subject=f"{resident.full_name} added",
        resident=resident,
    )
    webhook_event_emit(
        organization_id=property.organization_id,
        property_id=property.id,
        type="resident.created",
        data={"resident_id": resident.id, "property_id": property.id, "source": "console"},
    )
    if status != ResidentStatus.FUTURE:
        # Added as Current (or Past): the keys come through the same policy as any status
        # change, and the timeline says why it reads "Future → Current".
        resident_status_change(
            resident=resident,
            new_status=status,
            actor=actor,
            reason=f"Added as {ResidentStatus(status).label}",
            added=True,
        )
    return resident


@transaction.atomic
def resident_update(
    *, resident: Resident, data: ResidentData, actor: Actor, allow_shared_email: bool = False
) -> bool:
    """Edit a resident's details. A unit change while Current moves their unit key."""
    cleaned = _clean(
        property=resident.property,
        data=data,
        exclude_id=resident.id,
        current_email=resident.email.strip().lower(),
        allow_shared_email=allow_shared_email,
    )
    old_unit_id = resident.unit_id
    before = {f: getattr(resident, f) for f in EDITABLE_FIELDS}
    resident, changed = model_update(instance=resident, fields=EDITABLE_FIELDS, data=cleaned)
    if not changed:
        return False
    changed_fields = [f for f in EDITABLE_FIELDS if before[f] != getattr(resident, f)]
    access_event_record(
        property=resident.property,
        actor=actor,
        action=AccessEvent.Action.RESIDENT_UPDATED,
        subject=f"{resident.full_name} updated ({', '.join(f.replace('_', ' ') for f in changed_fields)})",
        resident=resident,
    )
    if resident.unit_id != old_unit_id:
        webhook_event_emit(
            organization_id=resident.property.organization_id,
            property_id=resident.property_id,
            type="resident.unit_changed",
            data={
                "resident_id": resident.id,
                "property_id": resident.property_id,
                "from_unit_id": old_unit_id,
                "to_unit_id": resident.unit_id,
                "source": "console",
            },
        )
    if resident.unit_id != old_unit_id and resident.status == ResidentStatus.CURRENT:
        _move_unit_keys(resident=resident, old_unit_id=old_unit_id, actor=actor)
    return True


def _move_unit_keys(*, resident: Resident, old_unit_id: int | None, actor: Actor) -> None:
    old_keys = set(access_selectors.unit_key_ids(unit_id=old_unit_id))
    new_keys = access_selectors.unit_key_ids(unit_id=resident.unit_id)
    held = list(
        KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True).values_list(
            "id", "key_id"
        )
    )
    held_keys = {k for _, k in held}
    key_grants_apply(
        resident=resident,
        grant_key_ids=[k for k in new_keys if k not in held_keys],
        revoke_grant_ids=[gid for gid, k in held if k in old_keys],
        actor=actor,
        reason="Unit changed",
    )


@transaction.atomic
def resident_status_change(
    *, resident: Resident, new_status: str, actor: Actor, reason: str = "", added: bool = False
) -> AccessChange:
    """A manager's manual status change, with its key effects (DESIGN: Automated Access).

    The row is locked so two managers pressing at once apply the effects once. `added`:
    the status the manager chose when adding the resident — the timeline says "added as
    Current", not a "Future → Current" change nobody made.
    """
    if new_status not in ResidentStatus.values:
        raise ValidationError(f"“{new_status}” is not a status. Choose Future, Current or Past.")
    locked = (
        # The lock order of every key write (access/grants.py): the resident first, then
        # their grants, then their suggestions. of=self: the unit join is nullable and
        # PostgreSQL cannot lock that side; NO KEY: rows that only point at the resident
        # (grants, audit rows) need not wait.
        Resident.objects.select_for_update(no_key=True, of=("self",))
        .select_related("property", "unit")
        .get(id=resident.id)
    )
    previous = locked.status
    held = [
        HeldGrant(grant_id=gid, key_id=kid)
        for gid, kid in KeyGrant.objects.filter(
            resident=locked, revoked_at__isnull=True
        ).values_list("id", "key_id")
    ]
    change = access_for_status_change(
        previous=DoorStatus(previous),
        new=DoorStatus(new_status),
        held=held,
        unit_key_ids=access_selectors.unit_key_ids(unit_id=locked.unit_id),
        common_key_ids=access_selectors.common_area_key_ids(property=locked.property),
        unit_label=str(locked.unit) if locked.unit else None,
    )
    if previous == new_status:
        return change
    locked.status = new_status
    locked.status_source = StatusSource.MANUAL
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_source", "status_changed_at", "updated_at"])
    note = reason.strip() or change.reason
    if added:
        subject = f"{locked.full_name}: added as {ResidentStatus(new_status).label}"
    else:
        subject = f"{locked.full_name}: {previous.title()} → {new_status.title()}"
    access_event_record(
        property=locked.property,
        actor=actor,
        action=AccessEvent.Action.STATUS_CHANGED,
        subject=subject,
        resident=locked,
        reason=change.reason if added else note,
        data={"from": previous, "to": new_status, "notes": list(change.no_change_reasons)},
    )
    webhook_event_emit(
        organization_id=locked.property.organization_id,
        property_id=locked.property_id,
        type="resident.status_changed",
        data={
            "resident_id": locked.id,
            "property_id": locked.property_id,
            "from": previous,
            "to": new_status,
            "source": "console",
        },
    )
    key_grants_apply(
        resident=locked,
        grant_key_ids=change.grant_key_ids,
        revoke_grant_ids=change.revoke_grant_ids,
        actor=actor,
        reason=note,
    )
    # The manager's change settles what was waiting for this resident: grants for a lease
    # they no longer live under, revokes of keys just taken, or a PMS move-out a manual
    # override now stands against — superseded, not left in the alert window to be
    # refused on approval.
    suggestions_supersede_for_resident(resident=locked, at=locked.status_changed_at)
    resident.status = locked.status
    resident.status_source = locked.status_source
    resident.status_changed_at = locked.status_changed_at
    return change
