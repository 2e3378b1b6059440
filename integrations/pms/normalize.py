"""Turning vendor-entered contact data and dates into one clean form."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date, datetime

import phonenumbers

DEFAULT_REGION = "US"

# Deliberately plain: one "@", no spaces, a dotted domain. Deliverability is the mail
# server's business; this only keeps obvious junk ("n/a", "bob@") out of matching.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")

# Phone labels vendors use for a mobile number; mobile wins because it can get texts.
_MOBILE_LABELS = frozenset(
    {"cell", "cellular", "mobile", "cellphone", "cell phone", "mobile phone"}
)

# ISO first: unambiguous. Day-first formats are never tried — "03/04/2024" is March 4 in
# every PMS we integrate with.
ISO_DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")
US_DATE_FORMATS: tuple[str, ...] = ("%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p")

# Several PMSs write "no date" as a far-past placeholder rather than leaving it empty.
_EARLIEST_REAL_DATE = date(1901, 1, 1)


def normalize_email(raw: str | None) -> str:
    """The address lower-cased and trimmed, or "" if it is not an email address."""
    if not raw:
        return ""
    candidate = raw.strip().strip("<>").strip()
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[len("mailto:") :].strip()
    candidate = candidate.lower()
    return candidate if _EMAIL.match(candidate) else ""


def first_email(raws: Iterable[str | None]) -> tuple[str, str]:
    """(normalized, raw) for the first usable address; ("", first non-empty raw) if none."""
    first_raw = ""
    for raw in raws:
        for part in re.split(r"[,;]", raw or ""):
            part = part.strip()
            if not part:
                continue
            first_raw = first_raw or part
            normalized = normalize_email(part)
            if normalized:
                return normalized, part
    return "", first_raw


def normalize_phone(raw: str | None, region: str = DEFAULT_REGION) -> str:
    """E.164 ("+14155550123") for a valid number, else ""."""
    if not raw or not raw.strip():
        return ""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile_label(label: str | None) -> bool:
    return (label or "").strip().lower() in _MOBILE_LABELS


def pick_phone(
    phones: Iterable[tuple[str | None, str | None]], region: str = DEFAULT_REGION
) -> str:
    """The best E.164 number from (label, number) pairs: a valid mobile first, else the
    first valid number in the vendor's order, else ""."""
    fallback = ""
    for label, raw in phones:
        normalized = normalize_phone(raw, region)
        if not normalized:
            continue
        if is_mobile_label(label):
            return normalized
        fallback = fallback or normalized
    return fallback


class DateFormatError(ValueError):
    pass


def parse_date(raw: str | None, formats: tuple[str, ...]) -> date | None:
    """A date from the first matching format; None when empty or a placeholder.

    Raises DateFormatError for text that is not empty yet matches no format: a garbled
    move-out date must not silently read as "no move-out".
    """
    if raw is None:
        return None
    text = raw.strip()
    if not text:
        return None
    # Zones and offsets are dropped on purpose: lease dates are calendar days in the
    # property's own time zone, whatever clock the vendor stamped them with.
    for suffix in ("Z", "+00:00"):
        text = text.removesuffix(suffix)
    if len(text) > 19 and text[10] == "T" and text[-6] in "+-" and text[-3] == ":":
        text = text[:-6]
    parsed = _fast_date(text, formats)
    if parsed is None:
        for fmt in formats:
            try:
                parsed = datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            break
    if parsed is None:
        raise DateFormatError(f"{raw.strip()!r} is not a date")
    return parsed if parsed >= _EARLIEST_REAL_DATE else None


# strptime tries formats one exception at a time; these two shapes are nearly every date
# a vendor sends, so they are read directly (a profile showed strptime as the top cost).
_ISO_FAST = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?)?")
_US_FAST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


# Cached: lease and move dates repeat across a snapshot (a few thousand distinct days for
# 100,000 residents), so records share one date object per day instead of four each.
@functools.lru_cache(maxsize=8192)
def _fast_date(text: str, formats: tuple[str, ...]) -> date | None:
    """The date if `text` is a plain ISO or US date the formats allow; None to fall back."""
    try:
        if "%Y-%m-%d" in formats and (match := _ISO_FAST.fullmatch(text)):
            year, month, day = match.groups()
            return date(int(year), int(month), int(day))
        if "%m/%d/%Y" in formats and (match := _US_FAST.fullmatch(text)):
            month, day, year = match.groups()
            return date(int(year), int(month), int(day))
    except ValueError:
        raise DateFormatError(f"{text!r} is not a date") from None
    return None
