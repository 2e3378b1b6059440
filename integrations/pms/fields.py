"""Reading fields out of loosely-typed vendor records.

Vendor payloads arrive as JSON or as XML turned into dicts, where a field may be missing,
null, a number instead of a string, or a single object where a list was expected. These
accessors absorb those shapes and raise RecordProblem for anything else, which the
mappings turn into a per-record RecordError.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import date
from typing import Any

from integrations.pms.normalize import DateFormatError, parse_date


class RecordProblem(ValueError):
    """The record cannot be mapped; the message says why, in a manager's words."""


def text(record: Mapping[str, Any], key: str) -> str:
    """The field as trimmed text; "" if missing or null.

    Interned: a snapshot of 100,000 residents holds every record at once, and most of
    their text repeats (property and unit ids, statuses, first and last names) — one
    string per distinct value instead of one per record cut the sync's peak memory.
    """
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        # A bool is an int in Python; vendors that mean a flag send "Y"/"N" or "true".
        return "true" if value else "false"
    if isinstance(value, str):
        return sys.intern(value.strip())
    if isinstance(value, int | float):
        return sys.intern(
            str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        )
    if isinstance(value, Mapping) and all(k == "#text" or str(k).startswith("@") for k in value):
        # An XML element with attributes read as a dict: {"#text": "506", "@UniqueID": "85223"}
        return text(value, "#text")
    raise RecordProblem(f"field {key} is not text")


def mapping(record: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """The field as an object; empty if missing, null or ""."""
    value = record.get(key)
    if value is None or value == "":
        return {}
    if isinstance(value, Mapping):
        return value
    raise RecordProblem(f"field {key} is not an object")


def items(record: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """The field as a list of objects: one object counts as a list of one.

    XML-to-JSON gateways (Entrata, our own XML reader) collapse one-element lists.
    """
    value = record.get(key)
    if value is None or value == "":
        return []
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        found = [item for item in value if isinstance(item, Mapping)]
        if len(found) != len([item for item in value if item not in (None, "")]):
            raise RecordProblem(f"field {key} holds something that is not an object")
        return found
    raise RecordProblem(f"field {key} is not a list")


def path(record: Mapping[str, Any], *keys: str) -> list[Mapping[str, Any]]:
    """Objects found by walking `keys`, each step through `items`."""
    current: list[Mapping[str, Any]] = [record]
    for key in keys:
        current = [found for item in current for found in items(item, key)]
    return current


def flag(record: Mapping[str, Any], key: str) -> bool | None:
    """A yes/no field: True, False, or None when absent or unrecognised."""
    value = text(record, key).lower()
    if value in {"y", "yes", "true", "1", "t"}:
        return True
    if value in {"n", "no", "false", "0", "f"}:
        return False
    return None


def date_field(record: Mapping[str, Any], key: str, formats: tuple[str, ...]) -> date | None:
    try:
        return parse_date(text(record, key), formats)
    except DateFormatError as exc:
        raise RecordProblem(f"{key}: {exc}") from None
