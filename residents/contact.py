"""Normalizing a resident's contact details the same way everywhere."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def email_normalize(value: str) -> str:
    """Trim and lower-case; an invalid address is refused with a message."""
    email = (value or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError(f"“{value.strip()}” is not an email address.") from exc
    return email


def phone_normalize(value: str, *, region: str = "US") -> str:
    """Return the number in E.164 (+12125550123), or raise naming the problem."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            f"“{raw}” is not a phone number. Use digits, e.g. (212) 555-0123 or +44 20 7946 0958."
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"“{raw}” is not a valid phone number. Check the digits.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_display(value: str) -> str:
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
