"""Adding units from a CSV file: upload → preview → confirm, all or nothing.

Exercised through the console views (what a manager sees) and through
``units.services`` directly (what the views delegate to).
"""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.models import Door, Key
from audit.models import AccessEvent
from tests.factories import DoorFactory, UnitFactory
from units import csv_import, services
from units.models import Unit, UnitImport

# Every batch of units costs four INSERTs: units, entry doors, unit keys, key↔door links.
QUERIES_PER_BATCH = 4


# --- helpers -------------------------------------------------------------------------


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _numbered(count: int, *, start: int = 1) -> bytes:
    rows = [f"{n},Tower,{n // 100}" for n in range(start, start + count)]
    return _csv("name,building,floor", *rows)


def _upload(client, prop, raw: bytes, filename: str = "units.csv"):
    return client.post(
        reverse("units-import", args=[prop.id]),
        {"file": SimpleUploadedFile(filename, raw, content_type="text/csv")},
    )


def _preview_url(upload: UnitImport) -> str:
    return reverse("units-import-preview", args=[upload.property_id, upload.id])


def _file_errors(response) -> list[str]:
    """The messages shown under the file field of the Add Unit page."""
    assert response.status_code == 200
    return response.context["upload_form"].errors["file"]


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _counts(prop) -> tuple[int, int, int, int]:
    """What an import writes: units, doors, unit keys, audit rows."""
    return (
        Unit.objects.filter(property=prop).count(),
        Door.objects.filter(property=prop).count(),
        Key.objects.filter(property=prop, kind=Key.Kind.UNIT).count(),
        AccessEvent.objects.filter(property=prop).count(),
    )


def _preview(prop, raw: bytes, *, actor=None, filename: str = "units.csv"):
    return services.unit_import_preview(property=prop, filename=filename, raw=raw, actor=actor)


# --- a good file, end to end through the views -------------------------------------------


def test_good_file_is_previewed_then_imported_with_doors_keys_and_one_event(
    alice, alice_client, prop_a
):
    # Given a clean three-unit file
    raw = _csv("name,building,floor", "101,A,1", "102,A,1", "201,B,2")

    # When alice uploads it
    response = _upload(alice_client, prop_a, raw)

    # Then it is kept for confirmation, and nothing is imported yet
    upload = UnitImport.objects.get(property=prop_a)
    assert response.status_code == 302
    assert response["Location"] == _preview_url(upload)
    assert (upload.state, upload.row_count, upload.error_count) == (UnitImport.State.PREVIEW, 3, 0)
    assert upload.uploaded_by == alice
    assert upload.filename == "units.csv"
    assert _counts(prop_a) == (0, 0, 0, 0)

    # When she opens the preview
    response = alice_client.get(_preview_url(upload))

    # Then every row is listed and she is offered the import
    assert response.status_code == 200
    assert [(r.line, r.name, r.building, r.floor) for r in response.context["rows"]] == [
        (2, "101", "A", "1"),
        (3, "102", "A", "1"),
        (4, "201", "B", "2"),
    ]
    assert response.context["errors"] == []
    html = response.content.decode()
    assert "All 3 rows are valid." in html
    assert "Import 3 units" in html
    assert '<td class="wrap-anywhere">201</td><td class="wrap-anywhere">B</td><td>2</td>' in html
    assert _counts(prop_a) == (0, 0, 0, 0)

    # When she confirms
    response = alice_client.post(_preview_url(upload), follow=True)

    # Then every unit exists with its entry door and its unit key opening that door
    assert response.redirect_chain == [(reverse("units", args=[prop_a.id]), 302)]
    assert _messages(response) == ["3 units imported, each with its entry door and unit key."]
    units = {u.name: u for u in Unit.objects.filter(property=prop_a)}
    assert {(u.name, u.building, u.floor) for u in units.values()} == {
        ("101", "A", "1"),
        ("102", "A", "1"),
        ("201", "B", "2"),
    }
    for name, door_name, key_name in [
        ("101", "Unit A 101 entry", "Unit A 101"),
        ("102", "Unit A 102 entry", "Unit A 102"),
        ("201", "Unit B 201 entry", "Unit B 201"),
    ]:
        key = Key.objects.get(property=prop_a, unit=units[name])
        assert key.kind == Key.Kind.UNIT
        assert key.name == key_name
        assert [d.name for d in key.doors.all()] == [door_name]
    assert Door.objects.filter(property=prop_a).count() == 3

    # And one audit row says who imported what
    event = AccessEvent.objects.get(property=prop_a)
    assert event.action == AccessEvent.Action.UNITS_IMPORTED
    assert event.actor == alice
    assert event.actor_label == "Alice Ames"
    assert event.subject == "3 units imported from units.csv"
    assert event.data == {"import": upload.id, "count": 3}

    upload.refresh_from_db()
    assert upload.state == UnitImport.State.APPLIED
    assert upload.applied_at is not None


def test_confirming_twice_does_not_import_twice(alice_client, prop_a):
    _upload(alice_client, prop_a, _csv("name", "101", "102"))
    upload = UnitImport.objects.get()
    alice_client.post(_preview_url(upload), follow=True)
    after_first = _counts(prop_a)
    assert after_first == (2, 2, 2, 1)

    # A second press (back button, double click) lands on Units with a note
    response = alice_client.post(_preview_url(upload), follow=True)
    assert response.redirect_chain == [(reverse("units", args=[prop_a.id]), 302)]
    assert _messages(response) == ["units.csv was already imported."]
    assert _counts(prop_a) == after_first

    # So does opening the preview again
    response = alice_client.get(_preview_url(upload), follow=True)
    assert _messages(response) == ["units.csv was already imported."]
    assert _counts(prop_a) == after_first


def test_service_refuses_to_apply_an_import_twice(prop_a):
    upload, _ = _preview(prop_a, _csv("name", "101"))
    stale = UnitImport.objects.get(id=upload.id)  # loaded before the first apply
    services.unit_import_apply(upload=upload, actor=None)

    with pytest.raises(ValidationError) as exc:
        services.unit_import_apply(upload=stale, actor=None)

    assert exc.value.messages == ["This file was already imported."]
    assert _counts(prop_a) == (1, 1, 1, 1)


def test_service_import_by_automation_is_audited_as_automation(prop_a):
    upload, parsed = _preview(prop_a, _csv("name", "101", "102"), filename="batch.csv")
    assert upload.uploaded_by is None
    assert [r.name for r in parsed.rows] == ["101", "102"]

    units = services.unit_import_apply(upload=upload, actor=None)

    assert sorted(u.name for u in units) == ["101", "102"]
    event = AccessEvent.objects.get(property=prop_a)
    assert (event.actor, event.actor_label) == (None, "automation")
    assert event.subject == "2 units imported from batch.csv"


def test_an_import_of_one_property_cannot_be_opened_from_another(
    alice_client, bob_client, prop_a, prop_a2
):
    upload, _ = _preview(prop_a, _csv("name", "101"))

    other_property = reverse("units-import-preview", args=[prop_a2.id, upload.id])
    assert alice_client.get(other_property).status_code == 404
    assert alice_client.post(other_property).status_code == 404
    assert bob_client.get(_preview_url(upload)).status_code == 404
    assert bob_client.post(_preview_url(upload)).status_code == 404
    errors_url = reverse("units-import-errors", args=[prop_a.id, upload.id])
    assert bob_client.get(errors_url).status_code == 404
    assert Unit.objects.count() == 0


# --- headers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Unit", " NAME ", "Unit Number", "unit_name", "Unit,Building,Floor", " NAME ,Floor"],
)
def test_header_aliases_for_the_unit_name_are_accepted(alice_client, prop_a, header):
    columns = len(header.split(","))
    raw = _csv(header, ",".join(["7C", "1", "7"][:columns]))

    response = _upload(alice_client, prop_a, raw)

    upload = UnitImport.objects.get()
    assert response["Location"] == _preview_url(upload)
    alice_client.post(_preview_url(upload))
    assert Unit.objects.get(property=prop_a).name == "7C"


def test_wrong_headers_name_what_was_found_and_what_is_expected(alice_client, prop_a):
    response = _upload(alice_client, prop_a, _csv("Apartment,Bldg", "101,A"))

    assert _file_errors(response) == [
        "The first row must be a header with a “name” column (and optionally “building” and "
        "“floor”). Found: Apartment, Bldg. Download the template, fill it in and upload it again."
    ]
    assert "Found: Apartment, Bldg." in response.content.decode()
    assert UnitImport.objects.count() == 0
    assert _counts(prop_a) == (0, 0, 0, 0)


def test_a_file_without_a_header_row_is_refused(alice_client, prop_a):
    # The first unit was taken for the header: it does not name a "name" column.
    response = _upload(alice_client, prop_a, _csv("101,A,1", "102,A,1"))

    assert _file_errors(response) == [
        "The first row must be a header with a “name” column (and optionally “building” and "
        "“floor”). Found: 101, A, 1. Download the template, fill it in and upload it again."
    ]
    assert UnitImport.objects.count() == 0


def test_unknown_column_is_refused(alice_client, prop_a):
    response = _upload(alice_client, prop_a, _csv("name,building,Color", "101,A,red"))

    assert _file_errors(response) == [
        "Unknown column(s): color. Use only name, building and floor."
    ]
    assert UnitImport.objects.count() == 0
    assert _counts(prop_a) == (0, 0, 0, 0)


def test_the_same_column_twice_is_refused(prop_a):
    with pytest.raises(csv_import.CSVFileError) as exc:
        _preview(prop_a, _csv("Unit,Name", "101,101"))

    assert str(exc.value) == "The column “Name” appears twice in the header row."
    assert UnitImport.objects.count() == 0


def test_blank_trailing_header_columns_from_excel_are_ignored(prop_a):
    # Spreadsheets often save stray empty columns after the last one used.
    upload, parsed = _preview(prop_a, _csv("name,building,,", "101,A,,", "102,A,,"))

    assert parsed.errors == []
    assert [(r.name, r.building) for r in parsed.rows] == [("101", "A"), ("102", "A")]
    assert upload.row_count == 2


# --- per-row problems -------------------------------------------------------------------


def test_blank_names_are_reported_per_line_and_nothing_can_be_imported(alice_client, prop_a):
    # Given a file whose third and fifth lines have no unit name
    raw = _csv("name,building", "101,A", ",A", "102,A", "  ,B")

    # When it is uploaded and previewed
    _upload(alice_client, prop_a, raw)
    upload = UnitImport.objects.get()
    response = alice_client.get(_preview_url(upload))

    # Then each blank name is reported with its line, and there is no Import button
    assert [(e.line, e.name, e.message) for e in response.context["errors"]] == [
        (3, "", "the unit name is blank"),
        (5, "", "the unit name is blank"),
    ]
    html = response.content.decode()
    assert "2 rows with problems — nothing will be imported." in html
    assert (
        '<td>3</td><td class="wrap-anywhere">—</td><td class="wrap-anywhere">The unit name is blank</td>'
        in html
    )
    assert 'data-testid="confirm-import"' not in html
    assert (upload.row_count, upload.error_count) == (2, 2)
    assert _counts(prop_a) == (0, 0, 0, 0)


def test_blank_lines_are_skipped_not_reported(prop_a):
    _, parsed = _preview(prop_a, _csv("name", "101", "", ",", "102"))

    assert parsed.errors == []
    assert [(r.line, r.name) for r in parsed.rows] == [(2, "101"), (5, "102")]


def test_duplicate_units_inside_the_file_name_both_lines(alice_client, prop_a):
    raw = _csv("name", "101", "102", "101", "12b", "12B")

    _upload(alice_client, prop_a, raw)
    response = alice_client.get(_preview_url(UnitImport.objects.get()))

    assert [(e.line, e.message) for e in response.context["errors"]] == [
        (4, "unit 101 is also on line 2 of this file"),
        (6, "unit 12B is also on line 5 of this file"),
    ]
    assert "Unit 101 is also on line 2 of this file" in response.content.decode()
    assert _counts(prop_a) == (0, 0, 0, 0)


def test_units_already_in_the_database_are_refused_case_insensitively(alice_client, prop_a, unit_a):
    # Given unit 12B exists (with its door and key)
    before = _counts(prop_a)

    # When a file lists "12b"
    _upload(alice_client, prop_a, _csv("name,building", "12b,A", "14C,A"))
    upload = UnitImport.objects.get()
    response = alice_client.get(_preview_url(upload))

    # Then the row is refused, and confirming anyway imports nothing
    assert [(e.line, e.name, e.message) for e in response.context["errors"]] == [
        (2, "12b", "unit A 12b already exists at this property"),
    ]
    response = alice_client.post(_preview_url(upload))
    assert _messages(response) == [
        "1 row has problems, so nothing was imported. Fix them in the file and upload it again."
    ]
    assert _counts(prop_a) == before
    assert not Unit.objects.filter(name="14C").exists()


def test_a_unit_name_used_at_another_property_is_fine(prop_a, prop_a2):
    UnitFactory(property=prop_a2, name="101")

    _, parsed = _preview(prop_a, _csv("name", "101"))

    assert parsed.errors == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (f"{'N' * 101},A,1", "the unit name is longer than 100 characters"),
        (f"101,{'B' * 101},1", "the building is longer than 100 characters"),
        (f"101,A,{'9' * 21}", "the floor is longer than 20 characters"),
    ],
)
def test_cells_too_long_are_reported(prop_a, row, message):
    upload, parsed = _preview(prop_a, _csv("name,building,floor", row))

    assert [(e.line, e.message) for e in parsed.errors] == [(2, message)]
    assert parsed.rows == []
    assert upload.error_count == 1


def test_the_longest_building_and_name_that_fit_a_door_name_are_imported(prop_a):
    # "Unit <38 chars> <100 chars> entry" is exactly the 150 characters a door name holds.
    name, building = "N" * 100, "B" * 38
    upload, parsed = _preview(prop_a, _csv("name,building,floor", f"{name},{building},{'9' * 20}"))
    assert parsed.errors == []

    (unit,) = services.unit_import_apply(upload=upload, actor=None)

    door = Door.objects.get(property=prop_a)
    assert len(door.name) == 150
    assert Key.objects.get(unit=unit).name == f"Unit {building} {name}"


def test_a_building_and_name_too_long_for_a_door_name_are_refused_not_a_database_error(
    prop_a,
):
    # Each cell is within its own limit, but the door would be named with 151 characters.
    upload, parsed = _preview(prop_a, _csv("name,building", f"{'N' * 100},{'B' * 39}", "7,A"))

    assert [(e.line, e.message) for e in parsed.errors] == [
        (
            2,
            "the building and unit name together are longer than 139 characters "
            "(they name the unit's door and key)",
        )
    ]
    with pytest.raises(ValidationError):
        services.unit_import_apply(upload=upload, actor=None)
    assert _counts(prop_a) == (0, 0, 0, 0)


def test_more_cells_than_the_header_is_reported(prop_a):
    _, parsed = _preview(prop_a, _csv("name,building", "101,A", "102,A,3"))

    assert [(e.line, e.name, e.message) for e in parsed.errors] == [
        (3, "102", "has 3 cells but the header has 2 columns"),
    ]
    assert [r.name for r in parsed.rows] == ["101"]


def test_fewer_cells_than_the_header_leave_the_rest_blank(prop_a):
    _, parsed = _preview(prop_a, _csv("name,building,floor", "101"))

    assert parsed.errors == []
    assert [(r.name, r.building, r.floor) for r in parsed.rows] == [("101", "", "")]


def test_units_whose_door_names_would_clash_inside_the_file_are_refused(prop_a):
    # "A 101" with no building and "101" in building A would both open "Unit A 101 entry".
    upload, parsed = _preview(prop_a, _csv("name,building", "A 101,", "101,A", "102,A"))

    assert [(e.line, e.name, e.message) for e in parsed.errors] == [
        (3, "101", "unit A 101 would get the same door and key names as the unit on line 2"),
    ]
    with pytest.raises(ValidationError):
        services.unit_import_apply(upload=upload, actor=None)
    assert _counts(prop_a) == (0, 0, 0, 0)
    upload.refresh_from_db()
    assert upload.state == UnitImport.State.PREVIEW


def test_a_quote_left_open_is_reported_on_the_line_it_starts_not_imported_as_one_unit(prop_a):
    # The open quote on line 3 swallows lines 4 and 5 into one "unit name".
    raw = _csv("name,building", "101,A", '"102,A', "103,A", "104,A")

    _, parsed = _preview(prop_a, raw)

    assert [(e.line, e.message) for e in parsed.errors] == [
        (3, "a cell runs over several lines: is a quotation mark left open?"),
    ]
    assert [r.name for r in parsed.rows] == ["101"]


def test_rows_after_a_quoted_line_break_keep_their_own_line_numbers(prop_a):
    _, parsed = _preview(prop_a, _csv("name,building", '101,"Tower', 'North"', "102,A", ",A"))

    assert [(e.line, e.name) for e in parsed.errors] == [(2, "101"), (5, "")]
    assert [(r.line, r.name) for r in parsed.rows] == [(4, "102")]


# --- whole-file problems ----------------------------------------------------------------


def test_a_latin1_file_is_refused_with_a_message_to_save_as_csv_utf8(alice_client, prop_a):
    raw = "name\ncafé\n".encode("latin-1")

    response = _upload(alice_client, prop_a, raw)

    assert _file_errors(response) == [
        "The file is not UTF-8 text (the problem starts at byte 8). "
        "In Excel choose Save As → “CSV UTF-8”, then upload it again."
    ]
    assert UnitImport.objects.count() == 0
    assert _counts(prop_a) == (0, 0, 0, 0)


def test_an_empty_file_is_refused(alice_client, prop_a):
    # Django's upload field refuses a zero-byte file before the import reads it.
    response = _upload(alice_client, prop_a, b"")
    assert _file_errors(response) == ["The submitted file is empty."]

    with pytest.raises(csv_import.CSVFileError) as exc:
        _preview(prop_a, b"")
    assert str(exc.value) == "The file is empty. Add a header row and one row per unit."
    assert UnitImport.objects.count() == 0


def test_a_header_only_file_is_refused(alice_client, prop_a):
    response = _upload(alice_client, prop_a, _csv("name,building,floor"))

    assert _file_errors(response) == ["The file has a header but no units. Add one row per unit."]
    assert UnitImport.objects.count() == 0


def test_a_utf8_file_with_a_byte_order_mark_works(alice_client, prop_a):
    # Excel's "CSV UTF-8" starts the file with a BOM, glued to the first header.
    raw = "name,building\n12B,Café\n".encode("utf-8-sig")
    assert raw.startswith(b"\xef\xbb\xbf")

    _upload(alice_client, prop_a, raw)
    upload = UnitImport.objects.get()
    alice_client.post(_preview_url(upload))

    unit = Unit.objects.get(property=prop_a)
    assert (unit.name, unit.building) == ("12B", "Café")
    assert Door.objects.get(property=prop_a).name == "Unit Café 12B entry"


def test_a_file_over_the_size_limit_is_refused_with_its_size_and_the_limit(
    alice_client, prop_a, settings
):
    settings.UNIT_CSV_MAX_BYTES = 1024 * 1024
    # Given a well-formed 1.5 MB file
    raw = _numbered(200_000)
    raw = raw[: raw.rindex(b"\n", 0, 1536 * 1024) + 1]
    assert len(raw) <= 1536 * 1024
    assert len(raw) > 1530 * 1024

    response = _upload(alice_client, prop_a, raw)

    assert _file_errors(response) == [
        "The file is 1.5 MB; the limit is 1 MB. Split it into smaller files."
    ]
    assert UnitImport.objects.count() == 0
    assert _counts(prop_a) == (0, 0, 0, 0)


def test_a_file_just_over_the_size_limit_is_not_shown_as_the_limit(prop_a, settings):
    settings.UNIT_CSV_MAX_BYTES = 2 * 1024 * 1024

    with pytest.raises(csv_import.CSVFileError) as exc:
        _preview(prop_a, b"x" * (2 * 1024 * 1024 + 1))

    assert str(exc.value) == "The file is 2.1 MB; the limit is 2 MB. Split it into smaller files."
    assert UnitImport.objects.count() == 0


def test_a_file_at_the_size_limit_is_read(prop_a, settings):
    raw = _csv("name", "101", "102")
    settings.UNIT_CSV_MAX_BYTES = len(raw)

    upload, parsed = _preview(prop_a, raw)

    assert len(parsed.rows) == 2
    assert upload.row_count == 2


def test_more_rows_than_the_limit_are_refused(alice_client, prop_a, settings):
    settings.UNIT_CSV_MAX_ROWS = 5

    response = _upload(alice_client, prop_a, _numbered(6))

    assert _file_errors(response) == [
        "The file has more than 5 units. Split it into smaller files."
    ]
    assert UnitImport.objects.count() == 0

    # Exactly at the limit is fine
    assert _upload(alice_client, prop_a, _numbered(5)).status_code == 302
    assert UnitImport.objects.get().row_count == 5


def test_rows_with_problems_count_towards_the_row_limit(prop_a, settings):
    settings.UNIT_CSV_MAX_ROWS = 5
    # Four good rows, a blank name, a blank line (skipped), then a sixth unit.
    raw = _csv("name,building", "1,A", "2,A", "3,A", "4,A", ",A", "", "6,A")

    with pytest.raises(csv_import.CSVFileError) as exc:
        _preview(prop_a, raw)

    assert str(exc.value) == "The file has more than 5 units. Split it into smaller files."
    assert UnitImport.objects.count() == 0


def test_a_cell_beyond_what_csv_reads_is_reported_as_invalid_csv(prop_a):
    with pytest.raises(csv_import.CSVFileError) as exc:
        _preview(prop_a, _csv("name", "101", "x" * 200_000))

    assert str(exc.value) == (
        "The file is not valid CSV near line 3: field larger than field limit (131072)."
    )
    assert UnitImport.objects.count() == 0


# --- all or nothing ---------------------------------------------------------------------


def test_one_bad_row_among_500_imports_nothing_and_the_report_lists_only_that_row(
    alice_client, prop_a
):
    # Given 500 good rows and, on line 302, a repeat of the unit on line 2
    rows = [f"{n},Tower,{n // 100}" for n in range(1, 501)]
    rows.insert(300, "1,Tower,0")
    _upload(alice_client, prop_a, _csv("name,building,floor", *rows))
    upload = UnitImport.objects.get()
    assert (upload.row_count, upload.error_count) == (500, 1)

    # When alice confirms anyway (a stale tab, a crafted POST)
    response = alice_client.post(_preview_url(upload))

    # Then nothing at all is imported, and she is told why
    assert response.status_code == 200
    assert _messages(response) == [
        "1 row has problems, so nothing was imported. Fix them in the file and upload it again."
    ]
    assert _counts(prop_a) == (0, 0, 0, 0)
    upload.refresh_from_db()
    assert upload.state == UnitImport.State.PREVIEW

    # And the error report lists exactly the bad row
    response = alice_client.get(reverse("units-import-errors", args=[prop_a.id, upload.id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="unit-import-{upload.id}-errors.csv"'
    )
    report = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert report == [
        ["line", "name", "problem"],
        ["302", "1", "unit Tower 1 is also on line 2 of this file"],
    ]


def test_service_apply_with_a_bad_row_writes_nothing(prop_a):
    upload, parsed = _preview(prop_a, _csv("name,building", "101,A", ",x", "102,A"))
    assert [e.line for e in parsed.errors] == [3]

    with pytest.raises(ValidationError) as exc:
        services.unit_import_apply(upload=upload, actor=None)

    assert exc.value.messages == [
        "1 row has problems, so nothing was imported. Fix them in the file and upload it again."
    ]
    assert _counts(prop_a) == (0, 0, 0, 0)


def test_a_unit_added_between_preview_and_confirm_makes_the_confirm_refuse(alice_client, prop_a):
    # Given a clean preview of 101 and 102
    _upload(alice_client, prop_a, _csv("name", "101", "102"))
    upload = UnitImport.objects.get()
    assert alice_client.get(_preview_url(upload)).context["errors"] == []

    # When a colleague adds unit 102 before alice confirms
    services.unit_create(property=prop_a, name="102", actor=None)
    before = _counts(prop_a)

    # Then the confirm refuses, naming the row, and creates nothing
    response = alice_client.post(_preview_url(upload))
    assert _messages(response) == [
        "1 row has problems, so nothing was imported. Fix them in the file and upload it again."
    ]
    assert [(e.line, e.message) for e in response.context["errors"]] == [
        (3, "unit 102 already exists at this property"),
    ]
    assert _counts(prop_a) == before
    assert not Unit.objects.filter(property=prop_a, name="101").exists()
    upload.refresh_from_db()
    assert upload.state == UnitImport.State.PREVIEW


def test_a_door_named_like_an_entry_door_between_preview_and_confirm_refuses(alice_client, prop_a):
    _upload(alice_client, prop_a, _csv("name,building", "101,A", "102,A"))
    upload = UnitImport.objects.get()
    # Someone adds a door with the name the import would give unit A 101's entry.
    DoorFactory(property=prop_a, name="unit a 101 ENTRY")

    response = alice_client.post(_preview_url(upload))

    assert _messages(response) == [
        "These door or key names already exist: unit a 101 ENTRY. "
        "Rename them on the Doors or Keys page, then try again."
    ]
    assert Unit.objects.filter(property=prop_a).count() == 0
    assert Door.objects.filter(property=prop_a).count() == 1
    upload.refresh_from_db()
    assert upload.state == UnitImport.State.PREVIEW


# --- volume -----------------------------------------------------------------------------


def _confirm_queries(client, prop, rows: int) -> int:
    _upload(client, prop, _numbered(rows), filename=f"{rows}.csv")
    upload = UnitImport.objects.get(property=prop)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(_preview_url(upload))
    assert response.status_code == 302, _messages(response)
    return len(ctx.captured_queries)


@pytest.mark.postgresql
def test_10000_rows_import_with_queries_growing_per_batch_of_1000_only(
    alice_client, prop_a, prop_a2
):
    # When 1,000 rows are confirmed at one property and 10,000 at another
    small = _confirm_queries(alice_client, prop_a, 1_000)
    large = _confirm_queries(alice_client, prop_a2, 10_000)

    # Then every unit of the large file exists with its door and key
    assert _counts(prop_a2) == (10_000, 10_000, 10_000, 1)
    assert Key.doors.through.objects.filter(key__property=prop_a2).count() == 10_000

    # And the confirm step's queries grew by one batch's INSERTs per extra 1,000 rows
    assert services.BATCH_SIZE == 1_000
    assert large - small == 9 * QUERIES_PER_BATCH
    # The 1,000-row confirm, pinned:
    #   1 session, 2 user, 3 property (membership check), 4 the UnitImport,
    #   5 SAVEPOINT (the service's atomic block, nested in the test's transaction),
    #   6 the UnitImport again, locked (SELECT … FOR UPDATE), 7 its property,
    #   8 unit names (re-validation), 9 door names, 10 key names (name clashes),
    #   11-14 one batch: INSERT units, entry doors, unit keys, key↔door links,
    #   15 UPDATE the UnitImport to applied, 16 INSERT the AccessEvent, 17 RELEASE SAVEPOINT.
    assert small == 17


def test_a_10000_row_preview_shows_the_first_200_rows(alice_client, prop_a):
    _upload(alice_client, prop_a, _numbered(10_000))
    upload = UnitImport.objects.get()

    response = alice_client.get(_preview_url(upload))

    assert len(response.context["rows"]) == 200
    assert response.context["row_total"] == 10_000
    html = response.content.decode()
    assert "Showing the first 200 of 10000." in html
    assert "Import 10000 units" in html


# --- the template -----------------------------------------------------------------------


def test_the_template_downloads_and_imports_as_is(alice_client, prop_a):
    response = alice_client.get(reverse("units-import-template", args=[prop_a.id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="units-template.csv"'
    assert response.content == b"name,building,floor\n101,A,1\n102,A,1\n"

    # The template itself is a valid file
    _upload(alice_client, prop_a, response.content, filename="units-template.csv")
    upload = UnitImport.objects.get()
    assert (upload.row_count, upload.error_count) == (2, 0)


def test_the_template_needs_a_login_and_a_property_of_ones_own(client, bob_client, prop_a):
    url = reverse("units-import-template", args=[prop_a.id])

    assert client.get(url).status_code == 302
    assert bob_client.get(url).status_code == 404
