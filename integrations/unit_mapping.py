"""The Unit Mapping: which doorsync unit each PMS unit is, as managers and support set it.

Services (writes, each audited). A new or changed mapping forgets the PMS unit its
records last had, so the next sync sees the mapping as a change and assigns (and
re-keys) their residents; removing a mapping keeps existing assignments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone

from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from common.text import plural
from integrations.models import PMSIntegration, PMSRecord, PMSUnit
from integrations.pms import types as pms
from integrations.sync.unit_sync import pms_units_apply
from units.labels import unit_label
from units.models import Unit
from units.services import unit_names_check_free, units_bulk_create


@dataclass(frozen=True)
class MappingResult:
    mapped: int
    removed: int
    errors: dict[int, str]  # PMS unit row id → message


def _reassign_on_next_sync(integration: PMSIntegration, pms_unit_ids: Iterable[str]) -> None:
    # Forget the unit each record last had, so the next sync sees the (new) mapping
    # as a change and assigns the residents of these PMS units.
    PMSRecord.objects.filter(integration=integration, pms_unit_id__in=list(pms_unit_ids)).update(
        data_hash="", pms_unit_id=""
    )


def _units_typed(
    integration: PMSIntegration, choices: Mapping[int, str], rows: Mapping[int, PMSUnit]
) -> tuple[dict[int, Unit], dict[int, str]]:
    """The unit typed for each PMS unit row, and the rows whose typing names none."""
    # A unit is typed as its label (what the unit list shows: "A 12B") or its bare name
    # ("12B"). A label wins over another unit's bare name, so a unit picked from the list
    # is always the one saved; only a label two units share is ambiguous.
    by_label: dict[str, list[Unit]] = {}
    by_bare: dict[str, list[Unit]] = {}
    for unit in Unit.objects.filter(property_id=integration.property_id):
        by_label.setdefault(str(unit).casefold(), []).append(unit)
        by_bare.setdefault(unit.name.casefold(), []).append(unit)
    errors: dict[int, str] = {}
    wanted: dict[int, Unit] = {}
    for row_id, typed in choices.items():
        name = typed.strip()
        if not name:
            continue
        if row_id not in rows:
            errors[row_id] = "That PMS unit is not part of this integration."
            continue
        found = by_label.get(name.casefold()) or by_bare.get(name.casefold()) or []
        shown = name if len(name) <= 60 else f"{name[:59]}…"  # echoed, so kept short
        if not found:
            errors[row_id] = f"There is no unit “{shown}” here. Add it on Access → Units first."
        elif len(found) > 1:
            errors[row_id] = (
                f"There are several units “{shown}”; rename one of them on Access → Units, "
                "then pick it here."
            )
        else:
            wanted[row_id] = found[0]
    return wanted, errors


def _mapping_clashes(
    integration: PMSIntegration, wanted: Mapping[int, Unit], errors: Mapping[int, str]
) -> dict[int, str]:
    """Rows choosing a unit another row of this save, or another PMS unit, already has."""
    clashes: dict[int, str] = {}
    by_unit: dict[int, list[int]] = {}
    for row_id, unit in wanted.items():
        by_unit.setdefault(unit.id, []).append(row_id)
    for row_ids in by_unit.values():
        if len(row_ids) > 1:
            for row_id in row_ids:
                clashes[row_id] = (
                    f"Unit {wanted[row_id]} is chosen for more than one PMS unit; "
                    "each unit maps to one PMS unit."
                )
    taken = dict(
        PMSUnit.objects.filter(integration=integration, unit_id__in=list(by_unit))
        .exclude(id__in=list(wanted))
        .values_list("unit_id", "name")
    )
    for row_id, unit in wanted.items():
        if unit.id in taken and row_id not in errors and row_id not in clashes:
            clashes[row_id] = (
                f"Unit {unit} is already mapped to PMS unit {taken[unit.id]}. Remove that mapping first."
            )
    return clashes


@transaction.atomic
def unit_mappings_save(
    *,
    integration: PMSIntegration,
    choices: Mapping[int, str],
    actor: Actor,
) -> MappingResult:
    """Map PMS units (by row id) to units typed by name. Blank leaves a row as it is.

    All or nothing: one bad row and nothing is saved, each problem named.
    """
    rows = {
        u.id: u
        for u in PMSUnit.objects.select_for_update().filter(
            integration=integration, id__in=list(choices)
        )
    }
    wanted, errors = _units_typed(integration, choices, rows)
    errors.update(_mapping_clashes(integration, wanted, errors))
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    changed = [rows[r] for r, unit in wanted.items() if rows[r].unit_id != unit.id]
    now = timezone.now()
    user = actor if actor is not None and actor.is_authenticated else None
    for row in changed:
        row.unit = wanted[row.id]
        row.mapped_at = now
        row.mapped_by = user  # type: ignore[assignment]
    try:
        if changed:
            # Let go of the old units first: PostgreSQL checks one PMS unit per unit row by
            # row, so two rows trading units in a single UPDATE would clash with each other.
            PMSUnit.objects.filter(id__in=[r.id for r in changed]).update(unit=None)
            PMSUnit.objects.bulk_update(changed, ["unit", "mapped_at", "mapped_by"])
    except IntegrityError as exc:  # a concurrent save took one of these units
        raise ValidationError(
            {
                # Keyed by PMS unit row id, like every per-row error of this form.
                str(r.id): "Another manager just mapped one of these units. Reload and try again."
                for r in changed
            }
        ) from exc
    if changed:
        _reassign_on_next_sync(integration, [r.external_id for r in changed])
        access_event_record(
            property=integration.property,
            actor=actor,
            action=AccessEvent.Action.SETTING_CHANGED,
            subject=f"Unit Mapping: {plural(len(changed), 'PMS unit')} mapped",
            data={"mapped": {r.external_id: r.unit_id for r in changed}},
        )
    return MappingResult(mapped=len(changed), removed=0, errors={})


@transaction.atomic
def unit_mapping_remove(*, pms_unit: PMSUnit, actor: Actor) -> None:
    """Residents already assigned stay assigned; new assignments stop until remapped."""
    # of=self: the unit join is nullable and PostgreSQL cannot lock that side.
    locked = (
        PMSUnit.objects.select_for_update(of=("self",))
        .select_related("unit", "integration__property")
        .get(id=pms_unit.id)
    )
    if locked.unit_id is None:
        raise ValidationError("That PMS unit is not mapped.")
    old = str(locked.unit)
    locked.unit = None
    locked.mapped_at = None
    locked.mapped_by = None
    locked.save(update_fields=["unit", "mapped_at", "mapped_by"])
    integration = locked.integration
    access_event_record(
        property=integration.property,
        actor=actor,
        action=AccessEvent.Action.SETTING_CHANGED,
        subject=f"Unit Mapping removed: PMS unit {locked.label} ↛ unit {old}",
        data={"pms_unit": locked.external_id},
    )


# --- Support (admin) ------------------------------------------------------------------


@dataclass
class UnitsCreated:
    created: int = 0
    skipped: list[str] = field(default_factory=list)  # PMS unit labels left unmapped


@transaction.atomic
def units_create_from_unmapped(*, integration: PMSIntegration, actor: Actor) -> UnitsCreated:
    """Create a unit for each unmapped PMS unit and map it.

    Unit names are unique per property, but PMSs such as MRI number units per building
    (unit 101 of building 1 and of building 2): a name the PMS uses in more than one
    building becomes "1 101" / "2 101". A name already taken in doorsync is skipped and
    reported, to be mapped on Unit Mapping. Idempotent: a second run creates nothing.
    """
    existing = {
        n.casefold()
        for n in Unit.objects.filter(property_id=integration.property_id).values_list(
            "name", flat=True
        )
    }
    rows = list(
        PMSUnit.objects.select_for_update()
        .filter(integration=integration, unit__isnull=True, gone_from_pms_at__isnull=True)
        .order_by("building", Length("name"), "name", "id")
    )
    buildings_of: dict[str, set[str]] = {}
    for pms_name, pms_building in PMSUnit.objects.filter(
        integration=integration, gone_from_pms_at__isnull=True
    ).values_list("name", "building"):
        buildings_of.setdefault(pms_name.strip().casefold(), set()).add(pms_building.strip())
    result = UnitsCreated()
    todo: list[tuple[PMSUnit, str]] = []
    for row in rows:
        name = row.name.strip()
        if len(buildings_of.get(name.casefold(), ())) > 1:
            name = unit_label(name, row.building.strip())
        if not name or name.casefold() in existing:
            result.skipped.append(row.label)
            continue
        existing.add(name.casefold())
        todo.append((row, name))
    if not todo:
        return result
    unit_names_check_free(property=integration.property, rows=[(n, r.building) for r, n in todo])
    created = units_bulk_create(
        property=integration.property, rows=[(n, r.building, r.floor) for r, n in todo]
    )
    now = timezone.now()
    for (row, _), unit in zip(todo, created, strict=True):
        row.unit = unit
        row.mapped_at = now
    PMSUnit.objects.bulk_update([r for r, _ in todo], ["unit", "mapped_at"])
    _reassign_on_next_sync(integration, [r.external_id for r, _ in todo])
    access_event_record(
        property=integration.property,
        actor=actor,
        action=AccessEvent.Action.UNITS_IMPORTED,
        subject=f"{len(created)} units created from PMS units and mapped (support)",
        data={"count": len(created)},
    )
    result.created = len(created)
    return result


@transaction.atomic
def units_map_identical_names(*, integration: PMSIntegration, actor: Actor) -> int:
    """Map each unmapped PMS unit to the free unit with exactly its name (case-insensitive)."""
    mapped_units = set(
        PMSUnit.objects.filter(integration=integration, unit__isnull=False).values_list(
            "unit_id", flat=True
        )
    )
    by_name: dict[str, list[Unit]] = {}
    for u in Unit.objects.filter(property_id=integration.property_id):
        if u.id not in mapped_units:
            by_name.setdefault(u.name.strip().casefold(), []).append(u)
    # Not the PMS units gone from the PMS: a renumbered unit's old row would take the unit
    # its live successor of the same name should get.
    rows = list(
        PMSUnit.objects.select_for_update().filter(
            integration=integration, unit__isnull=True, gone_from_pms_at__isnull=True
        )
    )
    changed = []
    now = timezone.now()
    for row in rows:
        matches = by_name.get(row.name.strip().casefold(), [])
        if len(matches) == 1 and matches[0].id not in mapped_units:
            row.unit = matches[0]
            row.mapped_at = now
            mapped_units.add(matches[0].id)
            changed.append(row)
    PMSUnit.objects.bulk_update(changed, ["unit", "mapped_at"])
    if changed:
        _reassign_on_next_sync(integration, [r.external_id for r in changed])
        access_event_record(
            property=integration.property,
            actor=actor,
            action=AccessEvent.Action.SETTING_CHANGED,
            subject=f"Unit Mapping: {plural(len(changed), 'PMS unit')} mapped by identical name (support)",
            data={"count": len(changed)},
        )
    return len(changed)


@transaction.atomic
def unit_sync_set(*, integration: PMSIntegration, enabled: bool, actor: Actor) -> None:
    """Only support switches Unit Sync off (or back on); audited.

    Back on, the next sync assigns every resident of a mapped PMS unit as the PMS says,
    as a new mapping does: while it was off the records kept their PMS units, so moves
    made in the PMS meanwhile would otherwise never be seen.
    """
    if integration.unit_sync_enabled == enabled:
        return
    PMSIntegration.objects.filter(id=integration.id).update(unit_sync_enabled=enabled)
    integration.unit_sync_enabled = enabled
    if enabled:
        _reassign_on_next_sync(
            integration,
            PMSUnit.objects.filter(integration=integration, unit__isnull=False).values_list(
                "external_id", flat=True
            ),
        )
    access_event_record(
        property=integration.property,
        actor=actor,
        action=AccessEvent.Action.SETTING_CHANGED,
        subject=f"Unit Sync turned {'on' if enabled else 'off'} (support)",
        data={"unit_sync_enabled": enabled},
    )


def pms_units_refresh(*, integration: PMSIntegration) -> int:
    """Fetch every attached PMS property's units now (complete, or PMSError) and store them."""
    from integrations.credentials.services import pms_credential_connector

    assert integration.credential is not None
    units: list[pms.PMSUnit] = []
    with pms_credential_connector(credential=integration.credential) as connector:
        for pms_property_id in integration.pms_property_ids:
            units.extend(connector.fetch_units(pms_property_id))
    return pms_units_apply(run=None, integration=integration, units=units)
