"""Unit Sync inside a sync run: the PMS unit list stored, and where each PMS unit maps.

Residents of a mapped PMS unit are assigned to its unit during the user sync;
removing a mapping keeps existing assignments and stops new ones; residents
of unmapped PMS units are synced without a unit, their outcome naming it. The Unit
Mapping itself (a manager's and support's writes) is integrations/unit_mapping.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.bulk import rows_insert, rows_update
from integrations.models import PMSIntegration, PMSUnit, SyncRun
from integrations.pms import types as pms
from units.labels import unit_label


@dataclass
class UnitContext:
    """What the resident batches need: is Unit Sync on, and where each PMS unit maps."""

    enabled: bool
    mapped: dict[str, int] = field(default_factory=dict)  # PMS unit id → unit id
    labels: dict[str, str] = field(default_factory=dict)  # PMS unit id → its name

    def unmapped_note(self, pms_unit_id: str, pms_unit_name: str) -> str:
        if pms_unit_id not in self.labels:
            label = pms_unit_name or pms_unit_id
            return (
                f"PMS unit {label} is unknown (not in the PMS unit list), so no unit was assigned"
            )
        label = self.labels[pms_unit_id] or pms_unit_name or pms_unit_id
        return f"PMS unit {label} is not mapped, so no unit was assigned (map it in Unit Mapping)"


def unit_context(*, integration: PMSIntegration) -> UnitContext:
    ctx = UnitContext(enabled=integration.unit_sync_enabled)
    for ext, name, building, unit_id in PMSUnit.objects.filter(integration=integration).values_list(
        "external_id", "name", "building", "unit_id"
    ):
        ctx.labels[ext] = unit_label(name, building)
        if unit_id is not None:
            ctx.mapped[ext] = unit_id
    return ctx


def pms_units_apply(
    *, run: SyncRun | None, integration: PMSIntegration, units: Sequence[pms.PMSUnit]
) -> int:
    """Upsert the complete list of PMS units; mark (never delete) the ones gone."""
    now = timezone.now()
    # Plain tuples, not model instances: every sync compares every PMS unit (one per
    # resident or so, 50,000 at a large portfolio) and nearly all are unchanged.
    columns = ["pms_property_id", "name", "building", "floor", "gone_from_pms_at", "last_seen_at"]
    existing: dict[str, list[Any]] = {
        ext: [pk, *values]
        for pk, ext, *values in PMSUnit.objects.filter(integration=integration).values_list(
            "id", "external_id", *columns
        )
    }
    seen: set[str] = set()
    to_create: list[list[Any]] = []
    to_update: dict[int, list[Any]] = {}
    for u in units:
        seen.add(u.id)
        values = [
            u.pms_property_id[:100],
            u.name[:100],
            (u.building or "")[:100],
            str(u.floor or "")[:20],
        ]
        row = existing.get(u.id)
        if row is None:
            to_create.append([integration.id, u.id[:100], now, now, *values])
            continue
        # row: [id, pms_property_id, name, building, floor, gone_from_pms_at, last_seen_at]
        if row[5] is not None or row[1:5] != values:
            row[1:] = [*values, None, now]
            to_update[row[0]] = row
    for ext, row in existing.items():
        if ext not in seen and row[5] is None:
            row[5] = now
            to_update[row[0]] = row
    with transaction.atomic():
        rows_insert(
            PMSUnit,
            ["integration_id", "external_id", "first_seen_at", "last_seen_at", *columns[:4]],
            to_create,
        )
        rows_update(PMSUnit, columns, list(to_update.values()))
    return len(to_create)
