"""Every CSV doorsync hands out is written through here, so no cell runs as a formula.

A spreadsheet treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a formula (and
tab or carriage return as ignorable lead-in to one): a unit named ``=HYPERLINK(...)`` in
an error report would run on the manager's computer when opened in Excel. Such a cell
gets a leading apostrophe (OWASP's advice), which spreadsheets show as text and hide.
Plain numbers like ``-1`` (a basement unit) are not formulas and stay as they are.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeCSVWriter:
    """csv.writer whose every cell goes through ``csv_cell``."""

    def __init__(self, target: _Writable) -> None:
        self._writer = csv.writer(target)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([csv_cell(value) for value in row])

    def writerow_text(self, row: Iterable[object]) -> str:
        """The row as written, for streaming: with a target whose write returns its
        argument (audit/views.py), csv.writer hands the line back."""
        return str(self._writer.writerow([csv_cell(value) for value in row]))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
