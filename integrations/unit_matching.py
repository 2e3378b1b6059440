"""Suggest matches (Unit Mapping): PMS unit names as PMSs write them, read as (building, number).

A pure matcher (`unit_matches`) and the selector the Unit Mapping tab calls
(`unit_mapping_suggestions`). Nothing is saved here: the suggestions are a preview the
manager accepts, edits or refuses, and `unit_mappings_save` saves what they accept.

Rules, in order of confidence:
1. Same building and unit number once normalized ("Bldg A - 12B" ↔ unit 12B of building A).
2. Only one side names a building: the unit number alone, within the building the other
   side names ("Bldg A 101" ↔ unit "101" with no building; PMS unit "101" ↔ unit 101 of
   building A). Used only when the number is unambiguous on *both* sides: unit "101" is
   never suggested for PMS units "A 101" and "B 101" at once, and PMS unit "101" never
   for units "A 101" and "B 101".
3. A unit named "1-101" or "1 101" may be unit 101 of building 1, as MRI sends it.
A unit is suggested for at most one PMS unit, a closer reading first.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from integrations.models import PMSIntegration, PMSUnit
from units.models import Unit

_BUILDING_WORDS = re.compile(r"\b(bldg|building|bld|blg|tower|twr)\b\.?", re.IGNORECASE)
# "Bldg A - 12B", "BLDG-A 12B", "Building B #0304", "Twr 3 / 1204": the building word must
# end where the word ends (or "Bldg A" reads as building "g"), and something must part
# the building from the unit (or "Bldg 12B" reads as unit "B" of building "12").
_BUILDING_PREFIX = re.compile(
    r"^\s*(?:bldg|building|bld|blg|tower|twr)\b\.?\s*[-–—:#]?\s*(\w+)(?:\s*[-–—:/,#]\s*|\s+)(.+)$",
    re.IGNORECASE,
)
_UNIT_WORDS = re.compile(r"\b(unit|apt|apartment|suite|ste|no|#)\b\.?", re.IGNORECASE)
_BUILDING_UNIT_PAIR = re.compile(r"^\s*(\w+)\s*[-–—/ ]\s*(\w+)\s*$")


def normalize_unit_name(name: str, building: str = "") -> tuple[str, str]:
    """("Bldg A - 12B", "") → ("a", "12b"); ("Unit #0304", "B") → ("b", "304")."""
    text = name.strip()
    b = building.strip()
    m = _BUILDING_PREFIX.match(text)
    if m:
        b, text = b or m.group(1), m.group(2)
    text = _UNIT_WORDS.sub(" ", text)
    text = re.sub(r"[\s#\-–—.]+", "", text).casefold()
    text = text.lstrip("0") or text
    b = _BUILDING_WORDS.sub(" ", b)
    b = re.sub(r"[\s\-.]+", "", b).casefold()
    return b, text


def _same_building(a: str, b: str) -> bool:
    return normalize_unit_name("x", a)[0] == normalize_unit_name("x", b)[0]


class MatchReason(enum.StrEnum):
    """Why a unit was suggested, as the preview says it."""

    SAME_NAME = "same building and number"
    NUMBER_PMS_HAS_NO_BUILDING = "same number; the PMS unit names no building"
    NUMBER_UNIT_HAS_NO_BUILDING = "same number; the unit has no building"
    BUILDING_IN_UNIT_NAME = "same number; the unit's name carries the building"


@dataclass(frozen=True, slots=True)
class UnitName:
    """A unit as either side names it: an id, its name and its building (maybe "")."""

    id: int
    name: str
    building: str


@dataclass(frozen=True, slots=True)
class Match:
    pms_unit_id: int
    unit_id: int
    reason: MatchReason


def unit_matches(pms_units: Sequence[UnitName], units: Sequence[UnitName]) -> list[Match]:
    """Match unmapped PMS units to free units (pure). See the module docstring for the rules."""
    by_full: dict[tuple[str, str], list[int]] = {}
    by_number: dict[str, list[int]] = {}  # every unit, whatever its building
    by_number_no_building: dict[str, list[int]] = {}
    by_pair: dict[tuple[str, str], list[int]] = {}
    for u in units:
        b, n = normalize_unit_name(u.name, u.building)
        by_full.setdefault((b, n), []).append(u.id)
        by_number.setdefault(n, []).append(u.id)
        if not b:
            by_number_no_building.setdefault(n, []).append(u.id)
        # "1-101" or "1 101" may be unit 101 of building 1, as MRI sends it (building
        # "1", unit "101"): a second reading, used only when the first finds nothing.
        pair = _BUILDING_UNIT_PAIR.match(u.name)
        if pair and (not u.building.strip() or _same_building(pair.group(1), u.building)):
            key = normalize_unit_name(pair.group(2), pair.group(1))
            if key != (b, n):
                by_pair.setdefault(key, []).append(u.id)

    keys = {p.id: normalize_unit_name(p.name, p.building) for p in pms_units}
    used: set[int] = set()
    found: dict[int, Match] = {}

    def take(pms_id: int, candidates: list[int], reason: MatchReason) -> None:
        # Units an earlier, closer reading took are out of the running; of the rest,
        # exactly one must fit.
        free = [c for c in candidates if c not in used]
        if pms_id in found or len(free) != 1:
            return
        used.add(free[0])
        found[pms_id] = Match(pms_id, free[0], reason)

    # Closest reading first, across every PMS unit, so a looser reading of one PMS unit
    # never takes the unit another PMS unit names exactly.
    for p in pms_units:
        take(p.id, by_full.get(keys[p.id], []), MatchReason.SAME_NAME)
    # A building-numbered name ("1-101") says which building it is, even when building 2
    # has a 101 too.
    for p in pms_units:
        b, n = keys[p.id]
        if b:
            take(p.id, by_pair.get((b, n), []), MatchReason.BUILDING_IN_UNIT_NAME)
    # The number alone, where one side names no building. How many PMS units still
    # looking carry each number: with "A 101" and "B 101" both unmatched, the number cannot
    # say which of them a building-less unit "101" is.
    looking: dict[str, int] = {}
    for p in pms_units:
        if p.id not in found:
            looking[keys[p.id][1]] = looking.get(keys[p.id][1], 0) + 1
    for p in pms_units:
        b, n = keys[p.id]
        if p.id in found or looking[n] != 1:
            continue
        if b:
            take(p.id, by_number_no_building.get(n, []), MatchReason.NUMBER_UNIT_HAS_NO_BUILDING)
        else:
            take(p.id, by_number.get(n, []), MatchReason.NUMBER_PMS_HAS_NO_BUILDING)
    return [found[p.id] for p in pms_units if p.id in found]


@dataclass(frozen=True)
class Suggestion:
    pms_unit: PMSUnit
    unit: Unit
    reason: MatchReason = MatchReason.SAME_NAME


def unit_mapping_suggestions(*, integration: PMSIntegration) -> list[Suggestion]:
    """Unmapped live PMS units matched to free units of the property (two queries)."""
    free_units = {
        u.id: u
        for u in Unit.objects.filter(property_id=integration.property_id).exclude(
            id__in=PMSUnit.objects.filter(integration=integration, unit__isnull=False).values(
                "unit_id"
            )
        )
    }
    rows = {
        r.id: r
        for r in PMSUnit.objects.filter(
            integration=integration, unit__isnull=True, gone_from_pms_at__isnull=True
        ).order_by("building", "name", "id")
    }
    matches = unit_matches(
        [UnitName(r.id, r.name, r.building) for r in rows.values()],
        [UnitName(u.id, u.name, u.building) for u in free_units.values()],
    )
    return [Suggestion(rows[m.pms_unit_id], free_units[m.unit_id], m.reason) for m in matches]
