"""Emails, phones and dates as vendors type them."""

from __future__ import annotations

from datetime import date

import pytest

from integrations.pms.normalize import (
    ISO_DATE_FORMATS,
    US_DATE_FORMATS,
    DateFormatError,
    first_email,
    normalize_email,
    normalize_phone,
    parse_date,
    pick_phone,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("<jane@example.com>", "jane@example.com"),
        ("mailto:Jane@Example.com", "jane@example.com"),
        ("jane@example", ""),
        ("jane@", ""),
        ("n/a", ""),
        ("jane doe@example.com", ""),
        ("a@@example.com", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_email(raw, expected):
    assert normalize_email(raw) == expected


def test_first_email_takes_the_first_valid_and_keeps_what_was_sent():
    assert first_email(["bad, Good@Example.com; other@example.com"]) == (
        "good@example.com",
        "Good@Example.com",
    )
    assert first_email(["n/a"]) == ("", "n/a")
    assert first_email([None, ""]) == ("", "")


@pytest.mark.parametrize(
    "raw",
    [
        "(415) 263-0187",
        "415.263.0187",
        "4152630187",
        "+1 415 263 0187",
        "1-415-263-0187",
        "415 263 0187 ",
    ],
)
def test_us_phone_formats_to_e164(raw):
    assert normalize_phone(raw) == "+14152630187"


@pytest.mark.parametrize(
    "raw", ["", "   ", "n/a", "555-0100", "123", "(415) 055-0100", "+1 000 000 0000"]
)
def test_unusable_phones_are_empty(raw):
    assert normalize_phone(raw) == ""


def test_international_numbers_are_kept():
    assert normalize_phone("+44 20 7946 0958") == "+442079460958"
    assert normalize_phone("020 7946 0958", region="GB") == "+442079460958"


def test_pick_phone_prefers_a_valid_mobile():
    phones = [("Home", "(212) 736-4100"), ("Cell", "not a number"), ("Mobile", "415-263-0187")]
    assert pick_phone(phones) == "+14152630187"
    assert pick_phone([("Home", "(212) 736-4100"), ("Work", "415-263-0187")]) == "+12127364100"
    assert pick_phone([("cell", "")]) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-08-14", date(2024, 8, 14)),
        ("2024-08-14T00:00:00", date(2024, 8, 14)),
        ("2024-08-14T23:30:00Z", date(2024, 8, 14)),
        ("2024-08-14T23:30:00-06:00", date(2024, 8, 14)),
        ("2024-08-14T00:00:00.000", date(2024, 8, 14)),
        ("08/14/2024", date(2024, 8, 14)),
        ("8/4/2024", date(2024, 8, 4)),
        ("08/14/2024 12:00:00 AM", date(2024, 8, 14)),
        ("", None),
        ("  ", None),
        (None, None),
        ("1900-01-01T00:00:00", None),
        ("0001-01-01", None),
    ],
)
def test_parse_date(raw, expected):
    assert parse_date(raw, ISO_DATE_FORMATS + US_DATE_FORMATS) == expected


@pytest.mark.parametrize("raw", ["31/12/2024", "2024-13-01", "yesterday", "14.08.2024"])
def test_unparseable_dates_raise_rather_than_vanish(raw):
    with pytest.raises(DateFormatError, match="is not a date"):
        parse_date(raw, ISO_DATE_FORMATS + US_DATE_FORMATS)


def test_us_only_vendor_does_not_read_iso():
    with pytest.raises(DateFormatError):
        parse_date("2024-08-14", US_DATE_FORMATS)
