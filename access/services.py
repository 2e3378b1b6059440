from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.grants import GrantRequest, RevokeRequest, grants_write
from access.models import COMMON_AREA_KEY_NAMES, Door, Key, KeyGrant
from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from properties.models import Property
from residents.models import Resident, ResidentStatus

# --- Doors and keys ------------------------------------------------------------


def _door_validate(*, property: Property, name: str, exclude_id: int | None = None) -> None:
    if not name:
        raise ValidationError({"name": "Give the door a name, e.g. “Lobby entrance”."})
    clash = Door.objects.filter(property=property, name__iexact=name)
    if exclude_id is not None:
        clash = clash.exclude(id=exclude_id)
    if clash.exists():
        raise ValidationError({"name": f"A door named “{name}” already exists at this property."})


def door_create(*, property: Property, name: str, location: str = "", actor: Actor) -> Door:
    name = name.strip()
    _door_validate(property=property, name=name)
    door = Door(property=property, name=name, location=location.strip())
    door.full_clean()
    door.save()
    return door


@transaction.atomic
def door_update(*, door: Door, name: str, location: str = "", actor: Actor) -> bool:
    """Rename or relocate a door (a unit's entry door among them); audited. Returns
    whether anything changed."""
    name, location = name.strip(), location.strip()
    _door_validate(property=door.property, name=name, exclude_id=door.id)
    before = (door.name, door.location)
    if before == (name, location):
        return False
    door.name, door.location = name, location
    door.full_clean()
    door.save(update_fields=["name", "location"])
    access_event_record(
        property=door.property,
        actor=actor,
        action=AccessEvent.Action.DOOR_UPDATED,
        subject=f"Door “{before[0]}” updated" + (f" (now “{name}”)" if name != before[0] else ""),
        data={"name": [before[0], name], "location": [before[1], location]},
    )
    return True


def _key_validate(
    *,
    property: Property,
    name: str,
    kind: str,
    unit_id: int | None,
    door_ids: Sequence[int],
    exclude_key_id: int | None = None,
) -> None:
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the key a name, e.g. “Gym” or “Unit 12B”."
    else:
        clash = Key.objects.filter(property=property, name__iexact=name)
        if exclude_key_id:
            clash = clash.exclude(id=exclude_key_id)
        if clash.exists():
            errors["name"] = f"A key named “{name}” already exists at this property."
    if kind == Key.Kind.UNIT and unit_id is None:
        errors["unit"] = "A unit key needs its unit. Choose the unit, or pick another kind."
    if kind != Key.Kind.UNIT and unit_id is not None:
        errors["unit"] = "Only unit keys belong to a unit. Clear the unit or make it a unit key."
    if unit_id is not None:
        from units.models import Unit

        if not Unit.objects.filter(id=unit_id, property=property).exists():
            errors["unit"] = "That unit is not at this property."
    if door_ids:
        found = Door.objects.filter(property=property, id__in=door_ids).count()
        if found != len(set(door_ids)):
            errors["doors"] = "Some of the chosen doors are not at this property."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def key_create(
    *,
    property: Property,
    name: str,
    kind: str = Key.Kind.OTHER,
    unit_id: int | None = None,
    door_ids: Sequence[int] = (),
    shareable: bool = False,
    share_with_current_residents: bool = False,
    actor: Actor,
) -> Key:
    name = name.strip()
    _key_validate(property=property, name=name, kind=kind, unit_id=unit_id, door_ids=door_ids)
    key = Key.objects.create(
        property=property,
        name=name,
        kind=kind,
        unit_id=unit_id,
        shareable=shareable,
        share_with_current_residents=share_with_current_residents,
    )
    key.doors.set(door_ids)
    if share_with_current_residents:
        key_share_with_current_residents(key=key, actor=actor)
    access_event_record(
        property=property,
        actor=actor,
        action=AccessEvent.Action.KEY_CREATED,
        subject=f"Key “{key.name}” created",
        key=key,
        data={"doors": sorted(door_ids), "shareable": shareable},
    )
    return key


@transaction.atomic
def key_update(
    *,
    key: Key,
    name: str,
    kind: str,
    unit_id: int | None,
    door_ids: Sequence[int],
    shareable: bool,
    share_with_current_residents: bool,
    actor: Actor,
) -> Key:
    name = name.strip()
    _key_validate(
        property=key.property,
        name=name,
        kind=kind,
        unit_id=unit_id,
        door_ids=door_ids,
        exclude_key_id=key.id,
    )
    newly_shared = share_with_current_residents and not key.share_with_current_residents
    key.name = name
    key.kind = kind
    key.unit_id = unit_id
    key.shareable = shareable
    key.share_with_current_residents = share_with_current_residents
    key.save(
        update_fields=[
            "name",
            "kind",
            "unit",
            "shareable",
            "share_with_current_residents",
            "updated_at",
        ]
    )
    key.doors.set(door_ids)
    if newly_shared:
        key_share_with_current_residents(key=key, actor=actor)
    access_event_record(
        property=key.property,
        actor=actor,
        action=AccessEvent.Action.KEY_UPDATED,
        subject=f"Key “{key.name}” updated",
        key=key,
        data={"doors": sorted(door_ids), "shareable": shareable},
    )
    return key


def common_area_keys_ensure(*, property: Property) -> list[Key]:
    """Every property has the common-area keys shared with all current residents."""
    keys = []
    for name in COMMON_AREA_KEY_NAMES:
        key, _ = Key.objects.get_or_create(
            property=property,
            name=name,
            defaults={"kind": Key.Kind.COMMON, "share_with_current_residents": True},
        )
        keys.append(key)
    return keys


# --- Grants: thin callers of access.grants, which writes them -------------------------


def key_grant(
    *,
    key: Key,
    resident: Resident,
    actor: Actor,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    source: str = KeyGrant.Source.MANUAL,
    reason: str = "",
) -> KeyGrant:
    """A manager's grant on the resident's page; refusals are a ValidationError."""
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    written = grants_write(
        actor=actor,
        grants=[
            GrantRequest(
                resident_id=resident.id,
                key_id=key.id,
                reason=reason,
                starts_at=starts_at,
                ends_at=ends_at,
                source=source,
            )
        ],
    )
    outcome = written.grants[0]
    if isinstance(outcome, str):
        raise ValidationError(outcome)
    return outcome


def key_grant_revoke(*, grant: KeyGrant, actor: Actor, reason: str) -> KeyGrant:
    """A manager's revoke; two managers revoking at once write one event."""
    written = grants_write(
        actor=actor,
        revokes=[RevokeRequest(resident_id=grant.resident_id, grant_id=grant.id, reason=reason)],
    )
    outcome = written.revokes[0]
    if isinstance(outcome, str):
        raise ValidationError(outcome)
    return outcome


def key_grants_apply(
    *,
    resident: Resident,
    grant_key_ids: Iterable[int],
    revoke_grant_ids: Iterable[int],
    actor: Actor,
    reason: str,
    starts_at: datetime | None = None,
    source: str = KeyGrant.Source.MANUAL,
) -> tuple[list[KeyGrant], int]:
    """A policy result for one resident (a manual status or unit change)."""
    written = grants_write(
        actor=actor,
        revokes=[
            RevokeRequest(resident_id=resident.id, grant_id=gid, reason=reason)
            for gid in revoke_grant_ids
        ],
        grants=[
            GrantRequest(
                resident_id=resident.id,
                key_id=kid,
                reason=reason,
                starts_at=starts_at,
                source=source,
            )
            for kid in grant_key_ids
        ],
    )
    return written.granted, len(written.revoked)


def key_share_with_current_residents(*, key: Key, actor: Actor, batch_size: int = 1000) -> int:
    """Give a common-area key to every current resident who lacks it; returns how many.

    Called when a key is flagged "share with all current residents", so the flag
    means the same for residents already living here as for the next move-in.
    """
    holders = KeyGrant.objects.filter(key=key, revoked_at__isnull=True).values("resident_id")
    resident_ids = list(
        Resident.objects.filter(property_id=key.property_id, status=ResidentStatus.CURRENT)
        .exclude(id__in=holders)
        .order_by("id")
        .values_list("id", flat=True)
    )
    granted = 0
    for start in range(0, len(resident_ids), batch_size):
        written = grants_write(
            actor=actor,
            grants=[
                GrantRequest(
                    resident_id=rid,
                    key_id=key.id,
                    reason="Key set to be shared with all current residents",
                )
                for rid in resident_ids[start : start + batch_size]
            ],
        )
        granted += len(written.granted)
    return granted
