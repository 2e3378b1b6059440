from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: list[str], data: dict[str, Any]) -> tuple[M, bool]:
    """Set the listed fields from ``data`` and save only those that changed.

    Returns the instance and whether anything changed, so callers can skip
    downstream work (audit rows, access effects) when nothing did.
    """
    changed: list[str] = []
    for field in fields:
        if field not in data:
            continue
        if getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if not changed:
        return instance, False
    instance.full_clean()
    if any(f.name == "updated_at" for f in instance._meta.get_fields()):
        changed.append("updated_at")
    instance.save(update_fields=changed)
    return instance, True
