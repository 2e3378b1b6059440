"""The mass-revoke brake: Automatic mode never takes most residents' keys in one sync.

A PMS that briefly reports everyone Past, or a property list emptied by mistake, would
otherwise revoke hundreds of keys within minutes. Automatic mode writes each sync's
revokes as *held* suggestions, batch by batch in the sync's own transactions, and the
sync's last step (``automatic_revokes_settle``) looks at them all at once:

* within the integration's threshold, they are applied by "automation" as before;
* when they would take the keys of more than ``mass_revoke_percent`` % of the property's
  current residents — and of at least ``MASS_REVOKE_MINIMUM`` — they become pending
  suggestions behind one sync alert that says how many and why; the manager approves or
  discards them in bulk there (``brake_resolve``), or one by one among the suggestions.

Held rows live in the database, so a sync that dies before settling leaves them for the
next sync's settle instead of losing the revokes. Locks: the integration row first
(settle and resolve queue on it), then the key-write order of access/grants.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from access.grants import RevokeRequest, active_grants, grants_write, residents_lock
from access.models import AccessSuggestion
from audit.models import AccessEvent
from audit.services import Actor, access_event_build, access_event_record
from common.text import plural
from integrations.models import AccessMode, PMSIntegration, SyncAlert
from properties.models import Property
from residents.models import Resident, ResidentStatus

MASS_REVOKE_MINIMUM = 5
ALERT_ID = "mass-revoke"  # the alert's external_id: one open per integration
AUTOMATIC_REVOKE_REASON = "Automated Access: lease change in the PMS"
RESOLUTIONS = {"approve": "Revoke them all", "discard": "Keep their keys"}


def brake_trips(*, revoking: int, current: int, percent: int) -> bool:
    """More than ``percent`` % of the current residents, and at least the minimum."""
    return revoking >= MASS_REVOKE_MINIMUM and revoking * 100 > percent * current


@dataclass(frozen=True)
class Settled:
    applied: int = 0  # revokes written
    held: int = 0  # revokes left for a manager behind the alert
    residents: int = 0  # whose keys they are
    current: int = 0  # the property's current residents, as before the sync


def automatic_revokes_settle(
    *, integration: PMSIntegration, now: datetime | None = None
) -> Settled:
    """The sync's last step in every mode: settle the revokes Automatic mode held."""
    now = now or timezone.now()
    held = AccessSuggestion.objects.filter(
        property_id=integration.property_id, state=AccessSuggestion.State.HELD
    )
    if not held.exists():  # every sync outside Automatic mode: one query, no lock
        return Settled()
    with transaction.atomic():
        fresh = PMSIntegration.objects.select_for_update().get(id=integration.id)
        rows = list(held.values_list("id", "resident_id"))
        if not rows:
            return Settled()
        if fresh.access_mode != AccessMode.AUTOMATIC:
            # Switched away from Automatic while they waited: a manager reviews them.
            held.update(state=AccessSuggestion.State.PENDING)
            return Settled(held=len(rows))
        affected = {rid for _, rid in rows}
        current = _current_before_sync(fresh.property_id, affected)
        if not brake_trips(
            revoking=len(affected), current=current, percent=fresh.mass_revoke_percent
        ):
            return Settled(applied=_apply_held([sid for sid, _ in rows], now), current=current)
        held.update(state=AccessSuggestion.State.PENDING, brake=True)
        _alert_open(fresh, now)
        return Settled(held=len(rows), residents=len(affected), current=current)


def _current_before_sync(property_id: int, affected: set[int]) -> int:
    """The property's current residents before the sync: those current now, and those
    the sync just moved away from Current whose keys are held."""
    current = Resident.objects.filter(property_id=property_id, status=ResidentStatus.CURRENT)
    gone = Resident.objects.filter(id__in=affected).exclude(status=ResidentStatus.CURRENT)
    return current.count() + gone.count()


def _apply_held(ids: list[int], now: datetime) -> int:
    """Apply held revokes as Automatic mode always did; each re-checked like an approval:
    a grant revoked or given again meanwhile is left alone."""
    residents_lock(
        resident_ids=AccessSuggestion.objects.filter(id__in=ids).values_list(
            "resident_id", flat=True
        )
    )
    held = list(
        AccessSuggestion.objects.select_for_update(of=("self",))
        .filter(id__in=ids, state=AccessSuggestion.State.HELD)
        .order_by("id")
    )
    active = active_grants(resident_ids={s.resident_id for s in held})
    asks: list[tuple[AccessSuggestion, RevokeRequest]] = []
    stale: list[int] = []
    for s in held:
        gid = active.pop((s.resident_id, s.key_id or 0), None)
        if gid is None or (s.grant_id is not None and gid != s.grant_id):
            stale.append(s.id)
            continue
        asks.append(
            (
                s,
                RevokeRequest(
                    resident_id=s.resident_id,
                    grant_id=gid,
                    reason=f"{s.transition_label}: {s.reason}",
                    revoke_reason=AUTOMATIC_REVOKE_REASON,
                    data={"key": s.key_id, "mode": "automatic"},
                ),
            )
        )
    written = grants_write(actor=None, revokes=[ask for _, ask in asks], at=now)
    applied = [
        s.id for (s, _), out in zip(asks, written.revokes, strict=True) if not isinstance(out, str)
    ]
    stale += [
        s.id for (s, _), out in zip(asks, written.revokes, strict=True) if isinstance(out, str)
    ]
    AccessSuggestion.objects.filter(id__in=applied).update(
        state=AccessSuggestion.State.APPROVED, decided_at=now
    )
    AccessSuggestion.objects.filter(id__in=stale).update(
        state=AccessSuggestion.State.STALE, decided_at=now
    )
    return len(applied)


# --- The alert -----------------------------------------------------------------------


def brake_pending(*, property: Property | int) -> list[tuple[int, int]]:
    """(suggestion id, resident id) of the revokes the brake holds for a manager."""
    pid = property if isinstance(property, int) else property.id
    return list(
        AccessSuggestion.objects.filter(
            property_id=pid, state=AccessSuggestion.State.PENDING, brake=True
        )
        .order_by("id")
        .values_list("id", "resident_id")
    )


def brake_message(*, revoking: int, current: int, keys: int, percent: int) -> str:
    return (
        f"This sync would revoke {revoking} of {current} residents' keys "
        f"({plural(keys, 'key')}). That is more than the {percent} % a sync may revoke on "
        "its own, and more than a PMS usually changes at once: it often means the PMS "
        "briefly reported everyone as Past, or the attached property list came back "
        "empty. The revokes are held. Check the PMS, then revoke them all or keep their keys."
    )


def _alert_data(integration_percent: int, property_id: int) -> dict[str, object] | None:
    pending = brake_pending(property=property_id)
    if not pending:
        return None
    residents = {rid for _, rid in pending}
    current = _current_before_sync(property_id, residents)
    return {
        "revoking": len(residents),
        "current": current,
        "keys": len(pending),
        "percent": integration_percent,
        "detail": brake_message(
            revoking=len(residents),
            current=current,
            keys=len(pending),
            percent=integration_percent,
        ),
    }


def _alert_open(integration: PMSIntegration, now: datetime) -> SyncAlert:
    """Open the integration's brake alert, or bring the open one up to date: it speaks
    for every revoke the brake holds, this sync's and earlier ones'."""
    data = _alert_data(integration.mass_revoke_percent, integration.property_id)
    alert, created = SyncAlert.objects.get_or_create(
        integration=integration,
        kind=SyncAlert.Kind.MASS_REVOKE,
        external_id=ALERT_ID,
        state=SyncAlert.State.OPEN,
        defaults={"pms_name": "Mass revoke held", "pms_data": data},
    )
    if not created:
        alert.pms_data = data
        alert.save(update_fields=["pms_data", "updated_at"])
    return alert


def brake_alert_refresh(*, property_id: int, actor: Actor = None) -> None:
    """After held revokes were decided one by one, superseded by a newer PMS change (the
    PMS reporting them Current again) or by a manager's status change: the open alert
    counts what still waits, and closes once nothing does.

    Called last by those writers, after the residents and suggestions they locked: the
    alert row is the last in the lock order (``brake_resolve`` takes it last too).
    """
    alert = (
        SyncAlert.objects.filter(
            integration__property_id=property_id,
            kind=SyncAlert.Kind.MASS_REVOKE,
            state=SyncAlert.State.OPEN,
        )
        .select_related("integration")
        .first()
    )
    if alert is None:
        return
    data = _alert_data(alert.integration.mass_revoke_percent, property_id)
    if data is not None:
        SyncAlert.objects.filter(id=alert.id).update(pms_data=data, updated_at=timezone.now())
        return
    SyncAlert.objects.filter(id=alert.id, state=SyncAlert.State.OPEN).update(
        state=SyncAlert.State.RESOLVED,
        resolution="settled",
        resolved_by=actor if isinstance(actor, User) else None,
        resolved_at=timezone.now(),
        updated_at=timezone.now(),
    )


def brake_resolve(*, alert: SyncAlert, decision: str, actor: Actor) -> str:
    """The manager's bulk answer: revoke every held key, or keep them all. Returns what
    happened, as a sentence.

    Locks: the integration first (two answers, or an answer and a sync's settle, queue
    there), then the key-write order of access/grants.py, the alert row last.
    """
    from access.automation import suggestions_approve

    if decision not in RESOLUTIONS:
        raise ValidationError(f"Choose one of: {', '.join(RESOLUTIONS.values())}.")
    with transaction.atomic():
        PMSIntegration.objects.select_for_update().get(id=alert.integration_id)
        fresh = SyncAlert.objects.select_related("integration__property").get(id=alert.id)
        if fresh.state != SyncAlert.State.OPEN or fresh.kind != SyncAlert.Kind.MASS_REVOKE:
            raise ValidationError("This alert was already resolved.")
        prop = fresh.integration.property
        pending = brake_pending(property=prop)
        residents = len({rid for _, rid in pending})
        if decision == "approve":
            result = suggestions_approve(
                property=prop, suggestion_ids=[sid for sid, _ in pending], actor=actor
            )
            message = f"Revoked {plural(result.revoked, 'key')} of {plural(residents, 'resident')}."
            if result.refused:
                message += f" {plural(len(result.refused), 'revoke')} no longer applied."
        else:
            _discard_all([sid for sid, _ in pending], prop, actor)
            message = (
                f"Kept the keys of {plural(residents, 'resident')}: "
                f"{plural(len(pending), 'revoke')} discarded."
            )
        locked = SyncAlert.objects.select_for_update().get(id=alert.id)
        locked.state = SyncAlert.State.RESOLVED
        locked.resolution = decision
        locked.resolved_by = actor if isinstance(actor, User) else None
        locked.resolved_at = timezone.now()
        locked.save(
            update_fields=["state", "resolution", "resolved_by", "resolved_at", "updated_at"]
        )
        access_event_record(
            property=prop,
            actor=actor,
            action=AccessEvent.Action.SYNC_ALERT_RESOLVED,
            subject=f"Mass revoke held: {RESOLUTIONS[decision]}",
            reason=message,
            data={"alert": locked.id, "kind": locked.kind, "resolution": decision},
        )
    return message


def _discard_all(ids: list[int], prop: Property, actor: Actor) -> None:
    now = timezone.now()
    residents_lock(
        resident_ids=AccessSuggestion.objects.filter(id__in=ids).values_list(
            "resident_id", flat=True
        )
    )
    rows = list(
        AccessSuggestion.objects.select_for_update(of=("self",))
        .filter(id__in=ids, state=AccessSuggestion.State.PENDING)
        .select_related("resident", "key")
    )
    user = actor if isinstance(actor, User) else None
    AccessSuggestion.objects.filter(id__in=[s.id for s in rows]).update(
        state=AccessSuggestion.State.DISCARDED, decided_by=user, decided_at=now
    )
    AccessEvent.objects.bulk_create(
        access_event_build(
            property=prop,
            actor=actor,
            action=AccessEvent.Action.SUGGESTION_DISCARDED,
            subject=f"Revoke suggestion for {s.resident.full_name}"
            + (f": “{s.key.name}”" if s.key else "")
            + " discarded (mass revoke held)",
            resident=s.resident,
            key=s.key,
            reason=s.reason,
            data={"suggestion": s.id, "brake": True},
            at=now,
        )
        for s in rows
    )
