"""The access invariant (DESIGN: "Guarantees"): for every resident of a property, the keys
they hold equal what the access policy demands from their current state — except
suggestions still waiting (Approval Required) and overrides a manager made.

What the policy demands from a resident's state (their DOOR status and unit):
- Current: the unit keys of their unit and every common-area key;
- Future or Past: nothing.

A held key the policy does not demand is *unjustified* unless
- a revoke suggestion for it is waiting for a manager;
- a manager chose to keep it: they discarded the revoke suggestion naming that grant, or
  answered "Keep" on the alert this check raised about it (``kept_grant_ids``);
- a manager gave it by hand and no lease rule governs it: a key that is neither a unit
  key nor a common-area key (a storage room, a garage), held by someone not Past.
Unit and common-area keys follow the lease whoever granted them — DESIGN: a move-out
revokes "every key, manual and automatic", a unit change the old unit's keys.

A demanded key not held is *missing* unless
- a grant suggestion for it is waiting;
- a manager decided against it: the latest grant suggestion for that key was discarded,
  or a person revoked the latest grant of that key by hand.

`access_violations` is the rule, pure; `access_invariant_check` loads a property's
residents in a fixed number of queries and applies it. Neither writes: the nightly
check (integrations/access_check.py) raises alerts, and never revokes anything itself.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Max

from access.models import AccessSuggestion, Key, KeyGrant
from properties.models import Property
from residents.models import Resident, ResidentStatus
from units.labels import unit_label


class Finding(enum.StrEnum):
    UNJUSTIFIED = "unjustified"  # held, and no rule or manager's decision justifies it
    MISSING = "missing"  # the policy demands it, and it is not held


@dataclass(frozen=True, slots=True)
class HeldKey:
    grant_id: int
    key_id: int
    key_name: str
    key_kind: str  # Key.Kind
    key_unit: str  # the label of the unit a unit key opens, else ""
    by_hand: bool  # source Manual: given in the console, not by Automated Access


@dataclass(frozen=True, slots=True)
class ResidentAccess:
    """One resident's state and keys, as the rule needs them."""

    resident_id: int
    name: str
    status: str  # ResidentStatus
    unit: str  # the label of their unit, "" without one
    unit_keys: dict[int, str]  # their unit's keys: id → name
    common_keys: dict[int, str]  # the property's common-area keys: id → name
    held: tuple[HeldKey, ...]
    waiting_grants: frozenset[int] = frozenset()  # key ids
    waiting_revokes: frozenset[int] = frozenset()  # key ids
    declined_grants: frozenset[int] = frozenset()  # key ids: latest grant suggestion discarded
    revoked_by_hand: frozenset[int] = frozenset()  # key ids: latest grant revoked by a person
    kept_grants: frozenset[int] = frozenset()  # grant ids a manager chose to keep
    # False when Unit Sync cannot place the resident: their PMS unit is not mapped (or a
    # new mapping waits for the next sync). The policy then grants no unit key and takes
    # none of their own unit's away ("we do not know where they live").
    unit_placed: bool = True


@dataclass(frozen=True, slots=True)
class Violation:
    resident_id: int
    resident_name: str
    finding: Finding
    key_id: int
    key_name: str
    grant_id: int | None
    reason: str

    def __str__(self) -> str:
        verb = "holds" if self.finding is Finding.UNJUSTIFIED else "lacks"
        return f"{self.resident_name} {verb} “{self.key_name}”: {self.reason}"


def demanded_keys(resident: ResidentAccess) -> dict[int, str]:
    """What the access policy demands from the resident's current state."""
    if resident.status != ResidentStatus.CURRENT:
        return {}
    if not resident.unit_placed:
        return dict(resident.common_keys)
    return {**resident.unit_keys, **resident.common_keys}


def _why_not_demanded(resident: ResidentAccess, held: HeldKey) -> str:
    if resident.status == ResidentStatus.PAST:
        return "they are a past resident"
    if resident.status == ResidentStatus.FUTURE:
        return "they are a future resident (not moved in)"
    if held.key_kind == Key.Kind.UNIT:
        where = f"they live in unit {resident.unit}" if resident.unit else "they have no unit"
        return f"it opens unit {held.key_unit}, and {where}"
    if held.key_kind == Key.Kind.COMMON:
        return "it is no longer shared with current residents"
    return "Automated Access granted it, and no rule grants it now"


def access_violations(resident: ResidentAccess) -> list[Violation]:
    """Every key the resident holds without a reason, and every demanded key they lack."""
    demanded = demanded_keys(resident)
    out: list[Violation] = []
    held_keys = set()
    # By key name: an alert and a test read the same order every night.
    for h in sorted(resident.held, key=lambda h: (h.key_name, h.key_id)):
        held_keys.add(h.key_id)
        if h.key_id in demanded:
            continue
        if h.key_id in resident.waiting_revokes or h.grant_id in resident.kept_grants:
            continue
        if (
            not resident.unit_placed
            and h.key_id in resident.unit_keys
            and resident.status == ResidentStatus.CURRENT
        ):
            continue  # their own unit's key, while Unit Sync cannot say where they live
        if h.by_hand and h.key_kind == Key.Kind.OTHER and resident.status != ResidentStatus.PAST:
            continue
        out.append(
            Violation(
                resident_id=resident.resident_id,
                resident_name=resident.name,
                finding=Finding.UNJUSTIFIED,
                key_id=h.key_id,
                key_name=h.key_name,
                grant_id=h.grant_id,
                reason=_why_not_demanded(resident, h),
            )
        )
    for key_id, name in sorted(demanded.items(), key=lambda item: (item[1], item[0])):
        if key_id in held_keys:
            continue
        if (
            key_id in resident.waiting_grants
            or key_id in resident.declined_grants
            or key_id in resident.revoked_by_hand
        ):
            continue
        reason = (
            f"they are current in unit {resident.unit}"
            if key_id in resident.unit_keys
            else "every current resident holds it"
        )
        out.append(
            Violation(
                resident_id=resident.resident_id,
                resident_name=resident.name,
                finding=Finding.MISSING,
                key_id=key_id,
                key_name=name,
                grant_id=None,
                reason=reason,
            )
        )
    return out


# --- Loading a property ------------------------------------------------------------------


def residents_access(
    *,
    property: Property,
    kept_grant_ids: Collection[int] = (),
    unplaced_resident_ids: Collection[int] = (),
) -> list[ResidentAccess]:
    """Every resident of the property with what the rule needs: seven queries in all.

    ``kept_grant_ids``: grants a manager chose to keep on an alert of the nightly check;
    ``unplaced_resident_ids``: residents Unit Sync cannot place (see ResidentAccess).
    """
    unplaced = set(unplaced_resident_ids)
    # 1 residents with their unit
    residents = list(
        Resident.objects.filter(property=property)
        .order_by("id")
        .values_list("id", "first_name", "last_name", "status", "unit_id", "unit__name",
                     "unit__building")
    )  # fmt: skip
    # 2 unit keys, by unit
    unit_keys: dict[int, dict[int, str]] = defaultdict(dict)
    unit_of_key: dict[int, str] = {}
    for kid, name, uid, uname, ubuilding in Key.objects.filter(
        property=property, kind=Key.Kind.UNIT
    ).values_list("id", "name", "unit_id", "unit__name", "unit__building"):
        unit_keys[uid][kid] = name
        unit_of_key[kid] = unit_label(uname, ubuilding)
    # 3 common-area keys
    common = dict(
        Key.objects.filter(property=property, share_with_current_residents=True).values_list(
            "id", "name"
        )
    )
    # 4 keys held now
    held: dict[int, list[HeldKey]] = defaultdict(list)
    for gid, rid, kid, kname, kkind, source in KeyGrant.objects.filter(
        resident__property=property, revoked_at__isnull=True
    ).values_list("id", "resident_id", "key_id", "key__name", "key__kind", "source"):
        held[rid].append(
            HeldKey(
                grant_id=gid,
                key_id=kid,
                key_name=kname,
                key_kind=kkind,
                key_unit=unit_of_key.get(kid, ""),
                by_hand=source == KeyGrant.Source.MANUAL,
            )
        )
    # 5 suggestions waiting, and revokes a manager discarded (the grant they name is kept)
    waiting_grants: dict[int, set[int]] = defaultdict(set)
    waiting_revokes: dict[int, set[int]] = defaultdict(set)
    kept = set(kept_grant_ids)
    for rid, kid, kind, state, grant_id in AccessSuggestion.objects.filter(
        property=property,
        key__isnull=False,
        state__in=[AccessSuggestion.State.PENDING, AccessSuggestion.State.DISCARDED],
    ).values_list("resident_id", "key_id", "kind", "state", "grant_id"):
        if state == AccessSuggestion.State.PENDING:
            (waiting_grants if kind == AccessSuggestion.Kind.GRANT else waiting_revokes)[rid].add(
                kid
            )
        elif kind == AccessSuggestion.Kind.REVOKE and grant_id is not None:
            kept.add(grant_id)
    # 6 keys whose latest grant suggestion a manager discarded
    latest_grant_suggestions = (
        AccessSuggestion.objects.filter(property=property, kind=AccessSuggestion.Kind.GRANT)
        .values("resident_id", "key_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    declined: dict[int, set[int]] = defaultdict(set)
    for rid, kid in AccessSuggestion.objects.filter(
        id__in=latest_grant_suggestions, state=AccessSuggestion.State.DISCARDED
    ).values_list("resident_id", "key_id"):
        declined[rid].add(kid)
    # 7 keys whose latest grant a person revoked
    latest_grants = (
        KeyGrant.objects.filter(resident__property=property)
        .values("resident_id", "key_id")
        .annotate(last=Max("id"))
        .values("last")
    )
    revoked_by_hand: dict[int, set[int]] = defaultdict(set)
    for rid, kid in KeyGrant.objects.filter(
        id__in=latest_grants, revoked_at__isnull=False, revoked_by__isnull=False
    ).values_list("resident_id", "key_id"):
        revoked_by_hand[rid].add(kid)

    kept_frozen = frozenset(kept)
    return [
        ResidentAccess(
            resident_id=rid,
            name=f"{first} {last}".strip(),
            status=status,
            unit=unit_label(uname, ubuilding) if uid is not None else "",
            unit_keys=unit_keys.get(uid, {}) if uid is not None else {},
            common_keys=common,
            held=tuple(held.get(rid, ())),
            waiting_grants=frozenset(waiting_grants.get(rid, ())),
            waiting_revokes=frozenset(waiting_revokes.get(rid, ())),
            declined_grants=frozenset(declined.get(rid, ())),
            revoked_by_hand=frozenset(revoked_by_hand.get(rid, ())),
            kept_grants=kept_frozen,
            unit_placed=rid not in unplaced,
        )
        for rid, first, last, status, uid, uname, ubuilding in residents
    ]


def access_invariant_check(
    *,
    property: Property,
    kept_grant_ids: Collection[int] = (),
    unplaced_resident_ids: Collection[int] = (),
) -> list[Violation]:
    """Every violation of the access invariant at the property, resident by resident.

    A property with a PMS integration is checked through
    ``integrations.access_check.access_invariant_violations``, which supplies what the
    integration knows (kept grants, residents Unit Sync cannot place)."""
    residents = residents_access(
        property=property,
        kept_grant_ids=kept_grant_ids,
        unplaced_resident_ids=unplaced_resident_ids,
    )
    return [v for resident in residents for v in access_violations(resident)]
