"""Automated Access: PMS transitions → access suggestions or applied key changes.

The rules are ``access.policy.access_for_pms_transition``; this module loads
its inputs for a whole batch of residents at once, and writes the result:
suggestions in Approval Required mode, grants and revokes in Automatic mode.
Query counts grow with batches, never with residents or suggestions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from access.brake import brake_alert_refresh
from access.grants import (
    GrantRequest,
    RevokeRequest,
    active_grants,
    automated_grant_allowed,
    grants_write,
    residents_lock,
)
from access.models import AccessSuggestion, Key, KeyGrant
from access.policy import (
    GRANT_DELAY_MINUTES,
    LIVING,
    ChangeItem,
    ChangeKind,
    HeldGrant,
    PMSTransition,
    access_for_pms_transition,
)
from audit.models import AccessEvent
from audit.services import Actor, access_event_build, access_event_record, actor_label
from common.bulk import rows_insert
from common.search import search_terms
from common.text import plural
from properties.models import Property
from residents.models import Resident
from webhooks.emit import WebhookEvent, webhook_events_emit

APPROVE_BATCH = 500
SUGGESTION_COLUMNS = [
    "property_id",
    "resident_id",
    "kind",
    "key_id",
    "grant_id",
    "transition_key",
    "transition_label",
    "reason",
    "detected_at",
    "starts_at",
    "state",
]
MAX_SELECTION = 50


@dataclass(frozen=True, slots=True)
class DetectedTransition:
    resident: Resident
    transition: PMSTransition
    transition_key: str
    # Created in the same transaction (a first sync): it holds no grants and no
    # suggestions yet, so nothing of it is looked up, superseded or in conflict.
    resident_is_new: bool = False


@dataclass
class BatchInputs:
    held: dict[int, list[HeldGrant]] = field(default_factory=lambda: defaultdict(list))
    unit_keys: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    common_keys: list[int] = field(default_factory=list)
    key_names: dict[int, str] = field(default_factory=dict)


def _load_inputs(property: Property, detected: Sequence[DetectedTransition]) -> BatchInputs:
    """Three queries for the whole batch: held grants, unit keys, common-area keys."""
    inputs = BatchInputs()
    resident_ids = [d.resident.id for d in detected if not d.resident_is_new]
    if resident_ids:
        for gid, rid, kid, kname, kind in KeyGrant.objects.filter(
            resident_id__in=resident_ids, revoked_at__isnull=True
        ).values_list("id", "resident_id", "key_id", "key__name", "key__kind"):
            inputs.held[rid].append(
                HeldGrant(grant_id=gid, key_id=kid, unit_key=kind == Key.Kind.UNIT)
            )
            inputs.key_names[kid] = kname
    unit_ids = {
        u
        for d in detected
        for u in (d.transition.unit_id, d.transition.previous_unit_id)
        if u is not None
    }
    for kid, uid, kname in Key.objects.filter(unit_id__in=unit_ids, kind=Key.Kind.UNIT).values_list(
        "id", "unit_id", "name"
    ):
        inputs.unit_keys[uid].append(kid)
        inputs.key_names[kid] = kname
    for kid, kname in Key.objects.filter(
        property=property, share_with_current_residents=True
    ).values_list("id", "name"):
        inputs.common_keys.append(kid)
        inputs.key_names[kid] = kname
    return inputs


def _label(d: DetectedTransition) -> str:
    """The transition as managers read it, e.g. "Future → Current". On first sight
    "New → Current", or "Linked → Current" for a resident of ours just linked to their
    PMS record (they are not new to the property)."""
    t = d.transition
    if t.previous_lifecycle == t.lifecycle:
        return f"{t.lifecycle.title()}, unit changed"  # not "Current → Current"
    before = t.previous_lifecycle or ("new" if d.resident_is_new else "linked")
    return f"{before.title()} → {t.lifecycle.title()}"


def _changes(d: DetectedTransition, inputs: BatchInputs) -> list[ChangeItem]:
    """The policy's items for one resident — without grants while a manager's Past or
    Future override stands (a unit change is no lifecycle change), as approval refuses."""
    items = access_for_pms_transition(
        transition=d.transition,
        held=inputs.held.get(d.resident.id, []),
        unit_key_ids=inputs.unit_keys,
        common_key_ids=inputs.common_keys,
    )
    if automated_grant_allowed(status=d.resident.status):
        return items
    return [i for i in items if i.kind != ChangeKind.GRANT]


def _starts(item: ChangeItem, now: datetime) -> datetime | None:
    """A grant for a status becoming Current starts 15 minutes after detection (seed 004);
    one for a unit change while living there starts at once, as the old key goes."""
    if item.kind != ChangeKind.GRANT:
        return None
    return now + timedelta(minutes=GRANT_DELAY_MINUTES) if item.delayed else now


def _lock_known(property: Property, detected: Sequence[DetectedTransition]) -> dict[int, Resident]:
    """The lock order of every key write (access/grants.py): residents before their
    suggestions and grants. Residents created in this transaction need no lock (no one
    else sees them yet): they join the answer as they are, for the grant writer."""
    locked = residents_lock(resident_ids=[d.resident.id for d in detected if not d.resident_is_new])
    for d in detected:
        if d.resident_is_new:
            d.resident.property = property  # the audit rows name it: no query per resident
            locked[d.resident.id] = d.resident
    return locked


def _supersede_older(
    detected: Sequence[DetectedTransition], inputs: BatchInputs, now: datetime
) -> None:
    """A newer transition, in either mode, supersedes what is still pending from older
    ones — unless it still applies: a move-in's keys survive the lease going to notice,
    its common-area keys a unit change. The newer transition's own items assume the
    older ones were applied."""
    keys_by_resident: dict[int, set[str]] = defaultdict(set)
    for d in detected:
        if not d.resident_is_new:
            keys_by_resident[d.resident.id].add(d.transition_key[:200])
    if not keys_by_resident:
        return
    newest = {d.resident.id: d.transition for d in detected}
    older = (
        AccessSuggestion.objects.filter(
            resident_id__in=list(keys_by_resident), state=AccessSuggestion.State.PENDING
        )
        .exclude(transition_key__in={k for keys in keys_by_resident.values() for k in keys})
        .values_list("id", "resident_id", "kind", "key_id", "key__kind", "brake", "property_id")
    )
    superseded = [
        (sid, brake, pid)
        for sid, rid, kind, key_id, key_kind, brake, pid in older
        if not _still_applies(newest[rid], kind, key_id, key_kind, inputs)
    ]
    if superseded:
        AccessSuggestion.objects.filter(id__in=[sid for sid, _, _ in superseded]).update(
            state=AccessSuggestion.State.SUPERSEDED, decided_at=now
        )
    # The PMS took back what the brake held (everyone Current again): the alert follows.
    for pid in {pid for _, brake, pid in superseded if brake}:
        brake_alert_refresh(property_id=pid)


def suggestions_supersede_for_resident(*, resident: Resident, at: datetime) -> int:
    """A manager's status change settles whatever was waiting for the resident."""
    waiting = AccessSuggestion.objects.filter(
        resident=resident, state=AccessSuggestion.State.PENDING
    )
    held_by_brake = any(waiting.values_list("brake", flat=True))
    count = waiting.update(state=AccessSuggestion.State.SUPERSEDED, decided_at=at)
    if held_by_brake:
        brake_alert_refresh(property_id=resident.property_id)
    return count


def transitions_suggest(
    *, property: Property, detected: Sequence[DetectedTransition], now: datetime
) -> int:
    """Approval Required: one suggestion per change; idempotent, newer supersedes older."""
    if not detected:
        return 0
    _lock_known(property, detected)
    inputs = _load_inputs(property, detected)
    rows: list[AccessSuggestion] = []
    # Suggestions for residents created in this transaction cannot clash with any made
    # before: written as plain rows with COPY (a first sync makes thousands).
    new_rows: list[list[Any]] = []
    suggested: list[DetectedTransition] = []
    for d in detected:
        changes = _changes(d, inputs)
        if changes:
            suggested.append(d)
        for item in changes:
            values = [
                property.id,
                d.resident.id,
                item.kind.value,
                item.key_id,
                item.grant_id,
                d.transition_key[:200],
                _label(d),
                item.reason[:300],
                now,
                _starts(item, now),
                AccessSuggestion.State.PENDING.value,
            ]
            if d.resident_is_new:
                new_rows.append(values)
            else:
                rows.append(AccessSuggestion(**dict(zip(SUGGESTION_COLUMNS, values, strict=True))))
    _supersede_older(detected, inputs, now)
    rows_insert(AccessSuggestion, SUGGESTION_COLUMNS, new_rows)
    # Conflicts are the same suggestion already made (or discarded) for this transition.
    if rows:
        AccessSuggestion.objects.bulk_create(rows, ignore_conflicts=True)
    webhook_events_emit(events=_suggestion_webhook_events(property, suggested, now))
    return len(rows) + len(new_rows)


def _suggestion_webhook_events(
    property: Property, detected: Sequence[DetectedTransition], now: datetime
) -> list[WebhookEvent]:
    """suggestion.created, one per resident and transition (the rows were COPYed or
    inserted ignoring conflicts, so their ids are not known here: integrators list the
    resident's pending suggestions through the API)."""
    return [
        WebhookEvent(
            organization_id=property.organization_id,
            property_id=property.id,
            type="suggestion.created",
            data={
                "property_id": property.id,
                "resident_id": d.resident.id,
                "transition": _label(d),
            },
            occurred_at=now,
        )
        for d in detected
    ]


def _still_applies(
    t: PMSTransition, kind: str, key_id: int | None, key_kind: str | None, inputs: BatchInputs
) -> bool:
    """Whether a pending suggestion of an older transition still holds after ``t``."""
    if t.lifecycle not in LIVING:
        return False  # gone: ``t`` revokes everything held; future: no access yet
    new_unit_keys = set(inputs.unit_keys.get(t.unit_id, ())) if t.unit_id is not None else set()
    if kind == ChangeKind.GRANT:
        return key_id in new_unit_keys or key_id in inputs.common_keys
    if kind == ChangeKind.REVOKE:
        # The key of a unit left behind still goes; a revoke for a lease that ended
        # does not, now the resident lives here again.
        return key_kind == Key.Kind.UNIT and key_id not in new_unit_keys
    return t.previous_unit_id == t.unit_id  # grey: still true unless the unit changed


def transitions_apply_automatically(
    *, property: Property, detected: Sequence[DetectedTransition], now: datetime
) -> tuple[int, int]:
    """Automatic mode: grants written at once by "automation" (starting detection + 15
    min for a move-in, at once for a unit change); revokes held until the sync ends.

    Revokes are written as held suggestions, in this batch's transaction, and settled
    when the whole sync is known (``access.brake.automatic_revokes_settle``): applied,
    or — when they would take the keys of too many residents at once — left for a
    manager behind a sync alert. Returns (grants written, revokes held).
    """
    if not detected:
        return 0, 0
    locked = _lock_known(property, detected)
    inputs = _load_inputs(property, detected)
    _supersede_older(detected, inputs, now)
    grants: list[GrantRequest] = []
    held: list[AccessSuggestion] = []
    for d in detected:
        for item in _changes(d, inputs):
            reason = f"{_label(d)}: {item.reason}"
            if item.kind == ChangeKind.GRANT and item.key_id is not None:
                grants.append(
                    GrantRequest(
                        resident_id=d.resident.id,
                        key_id=item.key_id,
                        reason=reason,
                        starts_at=_starts(item, now),
                        source=KeyGrant.Source.AUTOMATED,
                        data={"mode": "automatic"},
                    )
                )
            elif item.kind == ChangeKind.REVOKE and item.grant_id is not None:
                held.append(
                    AccessSuggestion(
                        property=property,
                        resident=d.resident,
                        kind=AccessSuggestion.Kind.REVOKE,
                        key_id=item.key_id,
                        grant_id=item.grant_id,
                        transition_key=d.transition_key[:200],
                        transition_label=_label(d),
                        reason=item.reason[:300],
                        detected_at=now,
                        state=AccessSuggestion.State.HELD,
                    )
                )
    written = grants_write(actor=None, grants=grants, at=now, locked=locked)
    if held:
        AccessSuggestion.objects.bulk_create(held, ignore_conflicts=True)
    return len(written.granted), len(held)


# --- The suggestions window ---------------------------------------------------------------


def suggestions_pending(
    *,
    property: Property,
    kind: str = "",
    search: str = "",
    resident_id: int | None = None,
    transition_label: str = "",
) -> QuerySet[AccessSuggestion]:
    """Pending suggestions, optionally of one kind, one resident, one transition
    ("Future → Current", a triage category), or residents matching a search (name, email
    or unit, "Last, First" too) — the alert window's filters, which "Select all matching"
    applies to as shown."""
    qs = AccessSuggestion.objects.filter(
        property=property, state=AccessSuggestion.State.PENDING
    ).select_related("resident", "key", "resident__unit")
    if kind in AccessSuggestion.Kind.values:
        qs = qs.filter(kind=kind)
    if resident_id is not None:
        qs = qs.filter(resident_id=resident_id)
    if transition_label:
        qs = qs.filter(transition_label=transition_label)
    for term in search_terms(search):
        qs = qs.filter(
            Q(resident__first_name__unaccent__icontains=term)
            | Q(resident__last_name__unaccent__icontains=term)
            | Q(resident__email__icontains=term)
            | Q(resident__unit__name__iexact=term)
        )
    return qs.order_by("resident__last_name", "resident__first_name", "resident_id", "kind", "id")


@dataclass
class ApproveResult:
    granted: int = 0
    revoked: int = 0
    acknowledged: int = 0
    refused: list[str] = field(default_factory=list)
    brake: bool = False  # some were revokes held by the mass-revoke brake


def suggestions_approve(
    *, property: Property, suggestion_ids: Iterable[int], actor: Actor
) -> ApproveResult:
    """Apply the chosen suggestions, in batches; each is re-checked against the present.

    A grant the resident already holds, a revoke of a grant already gone, or a grant to
    a resident who is no longer current is refused as stale with a message — never a
    double grant.
    """
    ids = list(dict.fromkeys(suggestion_ids))
    result = ApproveResult()
    for start in range(0, len(ids), APPROVE_BATCH):
        with transaction.atomic():
            _approve_batch(property, ids[start : start + APPROVE_BATCH], actor, result)
    if result.brake:
        brake_alert_refresh(property_id=property.id, actor=actor)
    return result


def _approve_batch(property: Property, ids: list[int], actor: Actor, result: ApproveResult) -> None:
    now = timezone.now()
    user = actor if isinstance(actor, User) else None
    label = actor_label(actor)
    # The lock order of every key write (access/grants.py): the residents first, then
    # the suggestions. Locking a suggestion before its resident deadlocked against a
    # manager's status change, which takes them the other way round.
    locked = residents_lock(
        resident_ids=AccessSuggestion.objects.filter(property=property, id__in=ids).values_list(
            "resident_id", flat=True
        )
    )
    suggestions = list(
        AccessSuggestion.objects.select_for_update(of=("self",))
        .filter(property=property, id__in=ids, state=AccessSuggestion.State.PENDING)
        .select_related("resident", "key")
        .order_by("id")
    )
    if len(suggestions) < len(ids):
        gone = len(ids) - len(suggestions)
        result.refused.append(
            f"{plural(gone, 'suggestion')} {'was' if gone == 1 else 'were'} no longer waiting "
            "(already approved or discarded, perhaps by someone else); nothing was done with "
            f"{'it' if gone == 1 else 'them'}."
        )
    active = active_grants(resident_ids={s.resident_id for s in suggestions})
    held = dict(active)  # what they hold now; ``active`` loses what revokes claim below
    result.brake = result.brake or any(s.brake for s in suggestions)
    state: dict[int, str] = {}
    grant_asks: list[tuple[AccessSuggestion, GrantRequest]] = []
    revoke_asks: list[tuple[AccessSuggestion, RevokeRequest]] = []
    for s in suggestions:
        state[s.id] = AccessSuggestion.State.APPROVED
        why = f"Access suggestion approved ({s.transition_label}: {s.reason})"
        if s.kind == AccessSuggestion.Kind.GRANT and s.key_id is not None:
            grant_asks.append(
                (
                    s,
                    GrantRequest(
                        resident_id=s.resident_id,
                        key_id=s.key_id,
                        reason=why,
                        starts_at=max(now, s.starts_at or now),
                        source=KeyGrant.Source.AUTOMATED,
                        data={"suggestion": s.id},
                    ),
                )
            )
        elif s.kind == AccessSuggestion.Kind.REVOKE and s.key is not None:
            gid = active.pop((s.resident_id, s.key.id), None)
            if gid is None:
                state[s.id] = AccessSuggestion.State.STALE
                result.refused.append(f"{s.resident.full_name} no longer holds “{s.key.name}”.")
            elif s.grant_id is not None and gid != s.grant_id:
                # The grant named was revoked and the key given again since (a manual
                # override, say): that newer grant is not this suggestion's to revoke.
                state[s.id] = AccessSuggestion.State.STALE
                result.refused.append(
                    f"{s.resident.full_name}'s “{s.key.name}” was already revoked; "
                    "the key was given again since."
                )
            else:
                revoke_asks.append(
                    (
                        s,
                        RevokeRequest(
                            resident_id=s.resident_id,
                            grant_id=gid,
                            reason=why,
                            revoke_reason="Access suggestion approved",
                            data={"suggestion": s.id},
                        ),
                    )
                )
        else:
            result.acknowledged += 1
    events: list[AccessEvent] = []
    written = grants_write(
        actor=actor,
        grants=[ask for _, ask in grant_asks],
        revokes=[ask for _, ask in revoke_asks],
        at=now,
        locked=locked,
        held=held,
        audit=events,
    )
    for (s, _), outcome in zip(grant_asks, written.grants, strict=True):
        if isinstance(outcome, str):
            state[s.id] = AccessSuggestion.State.STALE
            result.refused.append(outcome)
        else:
            result.granted += 1
    for (s, _), outcome in zip(revoke_asks, written.revokes, strict=True):
        if isinstance(outcome, str):
            state[s.id] = AccessSuggestion.State.STALE
            result.refused.append(f"{s.resident.full_name} no longer holds “{s.key}”.")
        else:
            result.revoked += 1
    events += [
        access_event_build(
            property=property, actor=actor, label=label,
            action=AccessEvent.Action.SUGGESTION_APPROVED
            if state[s.id] == AccessSuggestion.State.APPROVED
            else AccessEvent.Action.SUGGESTION_DISCARDED,
            subject=f"{s.get_kind_display()} suggestion for {s.resident.full_name}"
            + (f": “{s.key.name}”" if s.key else "")
            + (" approved" if state[s.id] == AccessSuggestion.State.APPROVED
               else " (no longer applies)"),
            resident=s.resident, key=s.key, reason=s.reason,
            data={"suggestion": s.id, "state": state[s.id]}, at=now,
        )
        for s in suggestions
    ]  # fmt: skip
    # One plain UPDATE per outcome (approved, no longer applies): the whole batch has one
    # decider and one time, and bulk_update's CASE per row took seconds per 1,000 rows.
    by_state: dict[str, list[int]] = defaultdict(list)
    for sid, outcome_state in state.items():
        by_state[outcome_state].append(sid)
    for outcome_state, decided_ids in by_state.items():
        AccessSuggestion.objects.filter(id__in=decided_ids).update(
            state=outcome_state, decided_by=user, decided_at=now
        )
    AccessEvent.objects.bulk_create(events)


@transaction.atomic
def suggestion_discard(*, suggestion: AccessSuggestion, actor: Actor) -> None:
    # Resident, then suggestion: the lock order of access/grants.py.
    residents_lock(resident_ids=[suggestion.resident_id])
    locked = (
        AccessSuggestion.objects.select_for_update(of=("self",))
        .select_related("resident", "key")
        .get(id=suggestion.id)
    )
    if locked.state != AccessSuggestion.State.PENDING:
        raise ValidationError("That suggestion was already handled.")
    locked.state = AccessSuggestion.State.DISCARDED
    locked.decided_by = actor if isinstance(actor, User) else None
    locked.decided_at = timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    access_event_record(
        property=locked.property,
        actor=actor,
        action=AccessEvent.Action.SUGGESTION_DISCARDED,
        subject=f"{locked.get_kind_display()} suggestion for {locked.resident.full_name}"
        + (f": “{locked.key.name}”" if locked.key else "")
        + " discarded",
        resident=locked.resident,
        key=locked.key,
        reason=locked.reason,
        data={"suggestion": locked.id},
    )
    if locked.brake:
        brake_alert_refresh(property_id=locked.property_id, actor=actor)


def suggestion_counts(*, property: Property) -> dict[str, int]:
    rows = (
        AccessSuggestion.objects.filter(property=property, state=AccessSuggestion.State.PENDING)
        .values("kind")
        .annotate(n=Count("id"))
    )
    counts = {r["kind"]: r["n"] for r in rows}
    counts["all"] = sum(counts.values())
    return counts


def suggestions_approve_category(
    *, property: Property, kind: str, transition_label: str, expected: int, actor: Actor
) -> ApproveResult:
    """Approve every pending suggestion of one triage category ("380 grants — Future →
    Current"), as many as the manager was shown: if a sync changed the count since, nothing
    is applied and the manager is asked to look again — they approved a number, not a
    moving target."""
    if kind not in AccessSuggestion.Kind.values:
        raise ValidationError("Choose grants, revokes or no-change suggestions.")
    ids = list(
        suggestions_pending(
            property=property, kind=kind, transition_label=transition_label
        ).values_list("id", flat=True)
    )
    if len(ids) != expected:
        raise ValidationError(
            f"This category now holds {len(ids)} suggestion{'s' if len(ids) != 1 else ''}, "
            f"not the {expected} you were shown (a sync changed it). Nothing was applied: "
            "look at the new count and choose again."
        )
    return suggestions_approve(property=property, suggestion_ids=ids, actor=actor)
