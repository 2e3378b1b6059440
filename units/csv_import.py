"""Reading a unit CSV into rows and a per-row error report.

Pure parsing and validation: nothing is written here. The import is applied
by ``units.services.unit_import_apply`` only when the whole file is clean.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from common.odd_text import odd_character
from units.labels import unit_label

REQUIRED_COLUMNS = ("name",)
OPTIONAL_COLUMNS = ("building", "floor")
# Headers people actually use for the unit name column.
NAME_ALIASES = {"name", "unit", "unit name", "unit_name", "unit number", "unit_number"}
MAX_NAME = 100
MAX_BUILDING = 100
MAX_FLOOR = 20
# A unit's entry door is "Unit <building> <name> entry" and its key "Unit <building> <name>";
# both must fit the 150 characters of a door or key name.
MAX_LABEL = 150 - len("Unit  entry")


class CSVFileError(Exception):
    """The file as a whole cannot be read; the message says what to do."""


@dataclass(frozen=True)
class UnitRow:
    line: int
    name: str
    building: str
    floor: str


@dataclass(frozen=True)
class RowError:
    line: int
    name: str
    message: str


@dataclass
class ParsedFile:
    rows: list[UnitRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CSVFileError(
            "The file is not UTF-8 text (the problem starts at byte "
            f"{exc.start}). In Excel choose Save As → “CSV UTF-8”, then upload it again."
        ) from exc
    # The file is kept for the preview, and PostgreSQL cannot store a NUL: refused whole,
    # naming the line (strict UTF-8 never yields a lone surrogate, so NUL is the one left).
    nul = text.find("\x00")
    if nul != -1:
        line = text.count("\n", 0, nul) + 1
        raise CSVFileError(
            f"Line {line:,} holds {odd_character(text[nul])}, which a unit CSV cannot contain "
            "(a file saved as UTF-16 or “Unicode text” has them everywhere). In Excel choose "
            "Save As → “CSV UTF-8”, then upload it again."
        )
    return text


def _header_map(header: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        if not name:
            continue  # spreadsheets save stray empty columns after the last one used
        if name in NAME_ALIASES:
            name = "name"
        if name in mapping:
            raise CSVFileError(f"The column “{raw.strip()}” appears twice in the header row.")
        mapping[name] = index
    if "name" not in mapping:
        found = ", ".join(h.strip() for h in header if h.strip()) or "nothing"
        raise CSVFileError(
            "The first row must be a header with a “name” column (and optionally “building” and "
            f"“floor”). Found: {found}. Download the template, fill it in and upload it again."
        )
    unknown = [h for h in mapping if h not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if unknown:
        raise CSVFileError(
            f"Unknown column(s): {', '.join(unknown)}. Use only name, building and floor."
        )
    return mapping


def parse(text: str, *, existing: Iterable[tuple[str, str]], max_rows: int) -> ParsedFile:
    """Validate every row; collect every problem rather than stop at the first."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CSVFileError("The file is empty. Add a header row and one row per unit.") from None
    except csv.Error as exc:
        raise CSVFileError(f"The file is not valid CSV: {exc}.") from exc
    columns = _header_map(header)
    # (building, name): unit 101 of building A and unit 101 of building B are two units.
    taken = {(b.strip().lower(), n.strip().lower()) for n, b in existing}
    seen: dict[tuple[str, str], int] = {}
    # Door and key names come from building + name: "A 101" and 101 in building A clash.
    seen_labels: dict[str, int] = {}
    result = ParsedFile()

    def cell(values: list[str], column: str) -> str:
        index = columns.get(column)
        return values[index].strip() if index is not None and index < len(values) else ""

    previous_end = reader.line_num
    try:
        for values in reader:
            # The line the row starts on: a quoted cell can span several lines.
            line, previous_end = previous_end + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines are noise, not errors
            if len(result.rows) + len(result.errors) >= max_rows:
                raise CSVFileError(
                    f"The file has more than {max_rows:,} units. Split it into smaller files."
                )
            name = cell(values, "name")
            building = cell(values, "building")
            floor = cell(values, "floor")
            label = unit_label(name, building)
            problem = ""
            if len(values) > len(header):
                problem = f"has {len(values)} cells but the header has {len(header)} columns"
            elif any("\n" in v or "\r" in v for v in (name, building, floor)):
                problem = "a cell runs over several lines: is a quotation mark left open?"
            elif not name:
                problem = "the unit name is blank"
            elif len(name) > MAX_NAME:
                problem = f"the unit name is longer than {MAX_NAME} characters"
            elif len(building) > MAX_BUILDING:
                problem = f"the building is longer than {MAX_BUILDING} characters"
            elif len(floor) > MAX_FLOOR:
                problem = f"the floor is longer than {MAX_FLOOR} characters"
            elif len(label) > MAX_LABEL:
                problem = (
                    f"the building and unit name together are longer than {MAX_LABEL} "
                    "characters (they name the unit's door and key)"
                )
            elif (building.lower(), name.lower()) in taken:
                problem = f"unit {label} already exists at this property"
            elif (building.lower(), name.lower()) in seen:
                problem = (
                    f"unit {label} is also on line {seen[building.lower(), name.lower()]} "
                    "of this file"
                )
            elif label.lower() in seen_labels:
                problem = (
                    f"unit {label} would get the same door and key names as the unit on line "
                    f"{seen_labels[label.lower()]}"
                )
            if problem:
                result.errors.append(RowError(line=line, name=name, message=problem))
                continue
            seen[building.lower(), name.lower()] = line
            seen_labels[label.lower()] = line
            result.rows.append(UnitRow(line=line, name=name, building=building, floor=floor))
    except csv.Error as exc:
        raise CSVFileError(
            f"The file is not valid CSV near line {reader.line_num}: {exc}."
        ) from exc
    if not result.rows and not result.errors:
        raise CSVFileError("The file has a header but no units. Add one row per unit.")
    return result
