from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from access.models import COMMON_AREA_KEY_NAMES, AccessEvent, Door, Key, KeyGrant
from properties.models import Property
from residents.models import Resident, ResidentStatus

Actor = AbstractBaseUser | AnonymousUser | None

AUTOMATION = "automation"


def actor_label(actor: Actor) -> str:
    if actor is None or not actor.is_authenticated:
        return AUTOMATION
    full = getattr(actor, "get_full_name", lambda: "")()
    return str(full or actor.get_username())


def _actor_user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def access_event_build(
    *,
    property: Property,
    actor: Actor,
    action: str,
    subject: str,
    resident: Resident | None = None,
    key: Key | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    label: str | None = None,
    at: datetime | None = None,
) -> AccessEvent:
    """An unsaved audit row, for callers that write many with bulk_create."""
    return AccessEvent(
        property=property,
        actor=_actor_user(actor),
        actor_label=label or actor_label(actor),
        action=action,
        subject=subject[:300],
        resident=resident,
        key=key,
        reason=reason[:500],
        data=data or {},
        created_at=at or timezone.now(),
    )


def access_event_record(**kwargs: Any) -> AccessEvent:
    event = access_event_build(**kwargs)
    event.save()
    return event


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


# --- Grants ----------------------------------------------------------------------


@transaction.atomic
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
    if key.property_id != resident.property_id:
        raise ValidationError("That key belongs to another property.")
    if resident.status == ResidentStatus.PAST:
        raise ValidationError(
            f"{resident.full_name} is a past resident. Make them Current before granting keys."
        )
    starts_at = starts_at or timezone.now()
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    if KeyGrant.objects.filter(key=key, resident=resident, revoked_at__isnull=True).exists():
        raise ValidationError(f"{resident.full_name} already holds “{key.name}”.")
    try:
        with transaction.atomic():
            grant = KeyGrant.objects.create(
                key=key,
                resident=resident,
                starts_at=starts_at,
                ends_at=ends_at,
                source=source,
                shareable=key.shareable,
                granted_by=_actor_user(actor),
            )
    except IntegrityError as exc:  # a concurrent grant won the race
        raise ValidationError(f"{resident.full_name} already holds “{key.name}”.") from exc
    access_event_record(
        property=resident.property,
        actor=actor,
        action=AccessEvent.Action.KEY_GRANTED,
        subject=f"“{key.name}” granted to {resident.full_name}",
        resident=resident,
        key=key,
        reason=reason,
        data={"grant": grant.id, "starts_at": starts_at.isoformat(), "source": source},
    )
    return grant


@transaction.atomic
def key_grant_revoke(*, grant: KeyGrant, actor: Actor, reason: str) -> KeyGrant:
    # Lock the row: two managers revoking at once must not write two events.
    locked = KeyGrant.objects.select_for_update().select_related("key", "resident").get(id=grant.id)
    if locked.revoked_at is not None:
        raise ValidationError("That key was already revoked.")
    now = timezone.now()
    locked.revoked_at = now
    locked.revoked_by = _actor_user(actor)
    locked.revoke_reason = reason[:300]
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    access_event_record(
        property=locked.resident.property,
        actor=actor,
        action=AccessEvent.Action.KEY_REVOKED,
        subject=f"“{locked.key.name}” revoked from {locked.resident.full_name}",
        resident=locked.resident,
        key=locked.key,
        reason=reason,
        data={"grant": locked.id},
        at=now,
    )
    return locked


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
    """Apply a policy result: bulk grants and revokes, each audited. Call inside a transaction."""
    now = timezone.now()
    starts_at = starts_at or now
    user = _actor_user(actor)
    label = actor_label(actor)
    events: list[AccessEvent] = []

    revoke_ids = list(revoke_grant_ids)
    revoked = 0
    if revoke_ids:
        to_revoke = list(
            KeyGrant.objects.select_for_update()
            .filter(id__in=revoke_ids, resident=resident, revoked_at__isnull=True)
            .select_related("key")
        )
        revoked = KeyGrant.objects.filter(id__in=[g.id for g in to_revoke]).update(
            revoked_at=now, revoked_by=user, revoke_reason=reason[:300]
        )
        for g in to_revoke:
            events.append(
                access_event_build(
                    property=resident.property,
                    actor=actor,
                    label=label,
                    action=AccessEvent.Action.KEY_REVOKED,
                    subject=f"“{g.key.name}” revoked from {resident.full_name}",
                    resident=resident,
                    key=g.key,
                    reason=reason,
                    data={"grant": g.id},
                    at=now,
                )
            )

    keys = list(Key.objects.filter(id__in=list(grant_key_ids), property_id=resident.property_id))
    grants = KeyGrant.objects.bulk_create(
        [
            KeyGrant(
                key=k,
                resident=resident,
                starts_at=starts_at,
                source=source,
                shareable=k.shareable,
                granted_by=user,
            )
            for k in keys
        ]
    )
    for g in grants:
        events.append(
            access_event_build(
                property=resident.property,
                actor=actor,
                label=label,
                action=AccessEvent.Action.KEY_GRANTED,
                subject=f"“{g.key.name}” granted to {resident.full_name}",
                resident=resident,
                key=g.key,
                reason=reason,
                data={"starts_at": starts_at.isoformat(), "source": source},
                at=now,
            )
        )
    AccessEvent.objects.bulk_create(events)
    return grants, revoked


def key_share_with_current_residents(*, key: Key, actor: Actor, batch_size: int = 1000) -> int:
    """Give a common-area key to every current resident who lacks it; returns how many.

    Called when a key is flagged "share with all current residents", so the flag
    means the same for residents already living here as for the next move-in.
    """
    holders = KeyGrant.objects.filter(key=key, revoked_at__isnull=True).values("resident_id")
    resident_ids = list(
        Resident.objects.filter(property_id=key.property_id, status=ResidentStatus.CURRENT)
        .exclude(id__in=holders)
        .values_list("id", flat=True)
    )
    now = timezone.now()
    user = _actor_user(actor)
    label = actor_label(actor)
    for start in range(0, len(resident_ids), batch_size):
        chunk = resident_ids[start : start + batch_size]
        KeyGrant.objects.bulk_create(
            [
                KeyGrant(
                    key=key,
                    resident_id=rid,
                    starts_at=now,
                    source=KeyGrant.Source.MANUAL,
                    shareable=key.shareable,
                    granted_by=user,
                )
                for rid in chunk
            ]
        )
        AccessEvent.objects.bulk_create(
            [
                AccessEvent(
                    property_id=key.property_id,
                    actor=user,
                    actor_label=label,
                    action=AccessEvent.Action.KEY_GRANTED,
                    subject=f"“{key.name}” granted (shared with all current residents)",
                    resident_id=rid,
                    key=key,
                    reason="Key set to be shared with all current residents",
                    created_at=now,
                )
                for rid in chunk
            ]
        )
    return len(resident_ids)
