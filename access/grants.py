"""Key grants and revokes: the one module that writes them.

Every change to who holds which key goes through ``grants_write``: a manager's grant or
revoke on the resident's page, a manual status or unit change, a key shared with all
current residents, an approved access suggestion, and Automated Access in Automatic
mode. It owns what those callers used to repeat, each in its own words:

* **The lock order.** Residents' rows first (ascending id, ``FOR NO KEY UPDATE``), then
  their key grants, then their access suggestions. Every writer takes them in that order
  (``residents_lock`` is the first step), so two writers on one resident queue behind
  each other instead of deadlocking — approving a suggestion used to lock the suggestion
  then the resident while a status change locked the resident then the suggestions.
  ``NO KEY`` because a row that only references the resident (a new grant, an audit
  row) must not wait for it.
* **The override rule** (``grant_refusal``): a manager's status change stands against
  the PMS — an automated grant (Automatic mode, an approved suggestion) goes only to a
  resident who is Current now; nobody is granted a key while Past.
* **The audit entry**: one "granted to" / "revoked from" row per change, with the actor,
  the reason and the grant, written here and nowhere else.

The residents are re-read under the lock, so each rule is applied to their state as it
is when the change is written, not as the caller last saw it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from access.models import Key, KeyGrant
from audit.models import AccessEvent
from audit.services import Actor, access_event_build, actor_label
from residents.models import Resident, ResidentStatus
from webhooks.emit import WebhookEvent, webhook_events_emit


@dataclass(frozen=True, slots=True)
class GrantRequest:
    resident_id: int
    key_id: int
    reason: str
    starts_at: datetime | None = None  # None: when written
    ends_at: datetime | None = None
    source: str = KeyGrant.Source.MANUAL
    # Extra audit data (the suggestion approved, the mode), kept with the event.
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RevokeRequest:
    resident_id: int
    grant_id: int
    reason: str
    # Stored on the grant; the event keeps ``reason`` (often longer, e.g. the transition).
    revoke_reason: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class GrantsWritten:
    """What happened to each request, in the order given: the grant written (or revoked),
    or the sentence saying why not."""

    grants: list[KeyGrant | str] = field(default_factory=list)
    revokes: list[KeyGrant | str] = field(default_factory=list)

    @property
    def granted(self) -> list[KeyGrant]:
        return [g for g in self.grants if isinstance(g, KeyGrant)]

    @property
    def revoked(self) -> list[KeyGrant]:
        return [g for g in self.revokes if isinstance(g, KeyGrant)]

    @property
    def refused(self) -> list[str]:
        return [m for m in (*self.grants, *self.revokes) if isinstance(m, str)]


# --- The rules ---------------------------------------------------------------------


def automated_grant_allowed(*, status: str) -> bool:
    """A lease-driven grant goes only to a Current resident: a manager who made them
    Past or Future overrides the PMS until its lifecycle changes again."""
    return status == ResidentStatus.CURRENT


def grant_refusal(*, resident: Resident, key_name: str, source: str) -> str | None:
    """Why ``resident`` may not be granted the key now, or None."""
    if source == KeyGrant.Source.AUTOMATED and not automated_grant_allowed(status=resident.status):
        return f"{resident.full_name} is now a {resident.status} resident: “{key_name}” was not granted."
    if resident.status == ResidentStatus.PAST:
        return f"{resident.full_name} is a past resident. Make them Current before granting keys."
    return None


# --- The lock order ----------------------------------------------------------------


def residents_lock(*, resident_ids: Iterable[int] | QuerySet[Any, int]) -> dict[int, Resident]:
    """Step one of every key write: lock the residents' rows in ascending id order and
    read them fresh. A row this transaction already holds is taken again at no cost.
    ``resident_ids`` may be a values_list queryset: it is then a subquery, not a query."""
    ids: Any
    if isinstance(resident_ids, QuerySet):
        ids = resident_ids
    else:
        ids = sorted(set(resident_ids))
        if not ids:
            return {}
    rows = (
        # of=self: the joined property is read, not locked.
        Resident.objects.select_for_update(no_key=True, of=("self",))
        .filter(id__in=ids)
        .select_related("property")
        .only(
            "id",
            "first_name",
            "last_name",
            "status",
            "property_id",
            "property__id",
            "property__name",
            "property__organization_id",
        )
        .order_by("id")
    )
    return {r.id: r for r in rows}


def active_grants(*, resident_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """(resident id, key id) → the live grant's id. Call after ``residents_lock``: then no
    other writer changes the answer before this transaction ends."""
    ids = list(set(resident_ids))
    if not ids:
        return {}
    return {
        (rid, kid): gid
        for gid, rid, kid in KeyGrant.objects.filter(
            resident_id__in=ids, revoked_at__isnull=True
        ).values_list("id", "resident_id", "key_id")
    }


# --- The writer --------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def grants_write(
    *,
    actor: Actor,
    grants: Sequence[GrantRequest] = (),
    revokes: Sequence[RevokeRequest] = (),
    at: datetime | None = None,
    locked: Mapping[int, Resident] | None = None,
    held: Mapping[tuple[int, int], int] | None = None,
    audit: list[AccessEvent] | None = None,
) -> GrantsWritten:
    """Revoke, then grant, each audited; refusals are returned, never raised.

    Revokes go first so a key given back and given again (a unit swap onto the same key)
    ends held once. A grant of a key the resident already holds, a second request for
    the same key, a key of another property, or one the override rule refuses is not
    written and says why.

    A batch caller that already took the locks passes what it read under them —
    ``locked`` (``residents_lock``'s answer for every resident named) and ``held``
    (``active_grants``') — and may take the audit rows in ``audit`` to write them with
    its own, so a batch costs the same few queries at any size.
    """
    now = at or timezone.now()
    residents = (
        locked
        if locked is not None
        else residents_lock(
            resident_ids=[g.resident_id for g in grants] + [r.resident_id for r in revokes]
        )
    )
    user = actor if isinstance(actor, User) else None
    label = actor_label(actor)
    result = GrantsWritten()
    events: list[AccessEvent] = []

    if revokes:
        by_id = {
            g.id: g
            for g in KeyGrant.objects.select_for_update(of=("self",))
            .filter(id__in=[r.grant_id for r in revokes], revoked_at__isnull=True)
            .select_related("key")
        }
        by_reason: dict[str, list[int]] = {}
        for r in revokes:
            grant = by_id.get(r.grant_id)
            resident = residents.get(r.resident_id)
            if grant is None or resident is None or grant.resident_id != r.resident_id:
                result.revokes.append("That key was already revoked.")
                continue
            del by_id[r.grant_id]  # asked twice: revoked once
            grant.revoked_at, grant.revoked_by = now, user
            grant.revoke_reason = (r.revoke_reason or r.reason)[:300]
            by_reason.setdefault(grant.revoke_reason, []).append(grant.id)
            result.revokes.append(grant)
            events.append(
                access_event_build(
                    property=resident.property,
                    actor=actor,
                    label=label,
                    action=AccessEvent.Action.KEY_REVOKED,
                    subject=f"“{grant.key.name}” revoked from {resident.full_name}",
                    resident=resident,
                    key=grant.key,
                    reason=r.reason,
                    data={"grant": grant.id, **r.data},
                    at=now,
                )
            )
        # One UPDATE per distinct reason (a batch has one or two).
        for reason, ids in by_reason.items():
            KeyGrant.objects.filter(id__in=ids).update(
                revoked_at=now, revoked_by=user, revoke_reason=reason
            )

    if grants:
        keys = Key.objects.in_bulk({g.key_id for g in grants})
        holding = (
            set(active_grants(resident_ids=[g.resident_id for g in grants]))
            if held is None
            else set(held) - {(g.resident_id, g.key_id) for g in result.revoked}
        )
        to_write: list[tuple[int, KeyGrant, AccessEvent]] = []
        for g in grants:
            resident = residents.get(g.resident_id)
            key = keys.get(g.key_id)
            message: str | None
            if resident is None or key is None or key.property_id != resident.property_id:
                message = "That key belongs to another property."
            elif (g.resident_id, g.key_id) in holding:
                message = f"{resident.full_name} already holds “{key.name}”."
            else:
                message = grant_refusal(resident=resident, key_name=key.name, source=g.source)
            if message is not None or resident is None or key is None:
                result.grants.append(message or "That key belongs to another property.")
                continue
            holding.add((g.resident_id, g.key_id))
            starts = g.starts_at or now
            grant = KeyGrant(
                key=key,
                resident=resident,
                starts_at=starts,
                ends_at=g.ends_at,
                source=g.source,
                shareable=key.shareable,
                granted_by=user,
            )
            event = access_event_build(
                property=resident.property,
                actor=actor,
                label=label,
                action=AccessEvent.Action.KEY_GRANTED,
                subject=f"“{key.name}” granted to {resident.full_name}",
                resident=resident,
                key=key,
                reason=g.reason,
                data={"starts_at": starts.isoformat(), "source": g.source, **g.data},
                at=now,
            )
            to_write.append((len(result.grants), grant, event))
            result.grants.append(grant)
        written = _grants_insert([grant for _, grant, _ in to_write])
        for index, grant, event in to_write:
            if grant.pk is None or grant.pk not in written:
                # Held already after all (a writer outside this module): not granted twice.
                result.grants[index] = (
                    f"{grant.resident.full_name} already holds “{grant.key.name}”."
                )
                continue
            event.data = {"grant": grant.pk, **event.data}
            events.append(event)

    if audit is not None:
        audit.extend(events)
    else:
        AccessEvent.objects.bulk_create(events)
    webhook_events_emit(events=_webhook_events(result, residents, now))
    return result


def _webhook_events(
    result: GrantsWritten, residents: Mapping[int, Resident], at: datetime
) -> list[WebhookEvent]:
    """access.granted / access.revoked for integrators, sent once the change commits."""
    events = []
    for kind, grants in (("access.revoked", result.revoked), ("access.granted", result.granted)):
        for g in grants:
            resident = residents[g.resident_id]
            data: dict[str, Any] = {
                "grant_id": g.pk,
                "resident_id": g.resident_id,
                "key_id": g.key_id,
                "property_id": resident.property_id,
            }
            if kind == "access.granted":
                data |= {"starts_at": g.starts_at.isoformat(), "source": g.source}
            else:
                data["reason"] = g.revoke_reason
            events.append(
                WebhookEvent(
                    organization_id=resident.property.organization_id,
                    property_id=resident.property_id,
                    type=kind,
                    data=data,
                    occurred_at=at,
                )
            )
    return events


def _grants_insert(grants: list[KeyGrant]) -> set[int]:
    """Insert, guarded: a clash with a live grant written meanwhile by a writer that did
    not take the resident's lock is dropped, not a 500. Returns the ids written."""
    if not grants:
        return set()
    try:
        with transaction.atomic():
            KeyGrant.objects.bulk_create(grants)
        return {g.pk for g in grants}
    except IntegrityError:
        pass
    for g in grants:
        g.pk = None
        g._state.adding = True
    taken = set(active_grants(resident_ids=[g.resident_id for g in grants]))
    fresh = [g for g in grants if (g.resident_id, g.key_id) not in taken]
    KeyGrant.objects.bulk_create(fresh)
    return {g.pk for g in fresh}
