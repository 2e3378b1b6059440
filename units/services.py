from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access.models import Door, Key
from audit.models import AccessEvent
from audit.services import Actor, access_event_record
from common.text import plural
from properties.models import Property
from units import csv_import
from units.labels import unit_label
from units.models import Unit, UnitImport

BATCH_SIZE = 1000


def _entry_door_name(name: str, building: str) -> str:
    return f"Unit {unit_label(name, building)} entry"


def _unit_key_name(name: str, building: str) -> str:
    return f"Unit {unit_label(name, building)}"


def unit_names_check_free(*, property: Property, rows: Sequence[tuple[str, str]]) -> None:
    """Door and key names derived from unit names must not clash with existing ones."""
    door_names = {_entry_door_name(n, b).lower() for n, b in rows}
    key_names = {_unit_key_name(n, b).lower() for n, b in rows}
    clashes = [
        d
        for d in Door.objects.filter(property=property).values_list("name", flat=True)
        if d.lower() in door_names
    ] + [
        k
        for k in Key.objects.filter(property=property).values_list("name", flat=True)
        if k.lower() in key_names
    ]
    if clashes:
        raise ValidationError(
            f"These door or key names already exist: {', '.join(sorted(clashes)[:5])}. "
            "Rename them on the Doors or Keys page, then try again."
        )


def units_bulk_create(*, property: Property, rows: Sequence[tuple[str, str, str]]) -> list[Unit]:
    """Each unit with its entry door and unit key, in batches: queries grow per batch."""
    units: list[Unit] = []
    for start in range(0, len(rows), BATCH_SIZE):
        chunk = rows[start : start + BATCH_SIZE]
        batch = Unit.objects.bulk_create(
            [Unit(property=property, name=n, building=b, floor=f) for n, b, f in chunk]
        )
        doors = Door.objects.bulk_create(
            [Door(property=property, name=_entry_door_name(u.name, u.building)) for u in batch]
        )
        keys = Key.objects.bulk_create(
            [
                Key(
                    property=property,
                    name=_unit_key_name(u.name, u.building),
                    kind=Key.Kind.UNIT,
                    unit=u,
                )
                for u in batch
            ]
        )
        Key.doors.through.objects.bulk_create(
            [Key.doors.through(key_id=k.id, door_id=d.id) for k, d in zip(keys, doors, strict=True)]
        )
        units.extend(batch)
    return units


@transaction.atomic
def unit_create(
    *, property: Property, name: str, building: str = "", floor: str = "", actor: Actor
) -> Unit:
    """Create a unit, its entry door and its unit key (both editable later)."""
    name, building, floor = name.strip(), building.strip(), floor.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter the unit's name or number, e.g. 12B."
    elif len(name) > csv_import.MAX_NAME:
        errors["name"] = f"Keep the unit name under {csv_import.MAX_NAME} characters."
    elif Unit.objects.filter(
        property=property, name__iexact=name, building__iexact=building
    ).exists():
        errors["name"] = f"Unit {unit_label(name, building)} already exists at this property."
    if len(building) > csv_import.MAX_BUILDING:
        errors["building"] = f"Keep the building under {csv_import.MAX_BUILDING} characters."
    if len(floor) > csv_import.MAX_FLOOR:
        errors["floor"] = f"Keep the floor under {csv_import.MAX_FLOOR} characters."
    if not errors and len(unit_label(name, building)) > csv_import.MAX_LABEL:
        errors["building"] = (
            f"Keep the building and unit name together under {csv_import.MAX_LABEL} "
            "characters: they name the unit's door and key."
        )
    if errors:
        raise ValidationError(errors)
    unit_names_check_free(property=property, rows=[(name, building)])
    (unit,) = units_bulk_create(property=property, rows=[(name, building, floor)])
    access_event_record(
        property=property,
        actor=actor,
        action=AccessEvent.Action.UNITS_IMPORTED,
        subject=f"Unit {unit} added with its entry door and unit key",
        data={"units": [unit.id]},
    )
    return unit


def unit_import_preview(
    *, property: Property, filename: str, raw: bytes, actor: Actor, size: int | None = None
) -> tuple[UnitImport, csv_import.ParsedFile]:
    """Read an upload and keep it for confirmation. Whole-file problems raise CSVFileError.

    ``size`` is the whole file's size when the caller read only the start of it.
    """
    size = max(size or 0, len(raw))
    if size > settings.UNIT_CSV_MAX_BYTES:
        # Rounded up, so a file just over the limit never reads as the limit itself.
        megabytes = math.ceil(size * 10 / 1024 / 1024) / 10
        raise csv_import.CSVFileError(
            f"The file is {megabytes:.1f} MB; the limit is "
            f"{settings.UNIT_CSV_MAX_BYTES / 1024 / 1024:.0f} MB. Split it into smaller files."
        )
    text = csv_import.decode(raw)
    unit_imports_prune(property=property)
    parsed = csv_import.parse(
        text,
        existing=Unit.objects.filter(property=property).values_list("name", "building"),
        max_rows=settings.UNIT_CSV_MAX_ROWS,
    )
    upload = UnitImport.objects.create(
        property=property,
        uploaded_by=actor if isinstance(actor, User) else None,
        filename=filename[:255],
        content=text,
        row_count=len(parsed.rows),
        error_count=len(parsed.errors),
    )
    return upload, parsed


def unit_imports_prune(*, property: Property) -> None:
    """Bound what uploads keep, before a new one is stored: previews nobody confirmed go
    after UNIT_CSV_PREVIEW_HOURS, and at most UNIT_CSV_PREVIEWS_KEPT wait (the new one
    included); an imported file's text goes after UNIT_CSV_CONTENT_DAYS or beyond the
    newest UNIT_CSV_PREVIEWS_KEPT imports — its record (name, counts, who, when) stays."""
    now = timezone.now()
    kept = max(settings.UNIT_CSV_PREVIEWS_KEPT, 1)
    uploads = UnitImport.objects.filter(property=property)
    waiting = uploads.filter(state=UnitImport.State.PREVIEW)
    waiting.filter(created_at__lt=now - timedelta(hours=settings.UNIT_CSV_PREVIEW_HOURS)).delete()
    newest = list(waiting.order_by("-created_at", "-id").values_list("id", flat=True)[: kept - 1])
    waiting.exclude(id__in=newest).delete()
    applied = uploads.filter(state=UnitImport.State.APPLIED).exclude(content="")
    recent = list(applied.order_by("-applied_at", "-id").values_list("id", flat=True)[:kept])
    applied.filter(
        Q(applied_at__lt=now - timedelta(days=settings.UNIT_CSV_CONTENT_DAYS)) | ~Q(id__in=recent)
    ).update(content="")


def unit_import_parse(*, upload: UnitImport) -> csv_import.ParsedFile:
    return csv_import.parse(
        upload.content,
        existing=Unit.objects.filter(property=upload.property).values_list("name", "building"),
        max_rows=settings.UNIT_CSV_MAX_ROWS,
    )


@transaction.atomic
def unit_import_apply(*, upload: UnitImport, actor: Actor) -> list[Unit]:
    """All or nothing: re-validate against the database as it is now, then create every unit."""
    locked = UnitImport.objects.select_for_update().get(id=upload.id)
    if locked.state == UnitImport.State.APPLIED:
        raise ValidationError("This file was already imported.")
    parsed = unit_import_parse(upload=locked)
    if parsed.errors:
        raise ValidationError(
            f"{plural(len(parsed.errors), 'row')} {'has' if len(parsed.errors) == 1 else 'have'} problems, so nothing was imported. "
            "Fix them in the file and upload it again."
        )
    rows = [(r.name, r.building, r.floor) for r in parsed.rows]
    unit_names_check_free(property=locked.property, rows=[(n, b) for n, b, _ in rows])
    units = units_bulk_create(property=locked.property, rows=rows)
    locked.state = UnitImport.State.APPLIED
    locked.applied_at = timezone.now()
    locked.save(update_fields=["state", "applied_at"])
    access_event_record(
        property=locked.property,
        actor=actor,
        action=AccessEvent.Action.UNITS_IMPORTED,
        subject=f"{len(units)} units imported from {locked.filename}",
        data={"import": locked.id, "count": len(units)},
    )
    upload.state = locked.state
    return units
