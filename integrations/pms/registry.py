"""Which vendors exist, what a credential for each looks like, and how to get a connector."""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from integrations.pms.base import Connector
from integrations.pms.errors import CredentialFieldsInvalid
from integrations.pms.http import HttpOptions
from integrations.pms.types import Lifecycle
from integrations.pms.vendor import CredentialField, VendorInfo

# One line per vendor: the package whose entry.py declares it (see pms/vendor.py).
VENDOR_PACKAGES: tuple[str, ...] = (
    "integrations.vendors.yardi",
    "integrations.vendors.realpage",
    "integrations.vendors.entrata",
    "integrations.vendors.mri",
    "integrations.vendors.appfolio",
    "integrations.vendors.buildium",
    "integrations.vendors.rentmanager",
)


def _declared(packages: tuple[str, ...]) -> dict[str, VendorInfo]:
    found: dict[str, VendorInfo] = {}
    for package in packages:
        info = importlib.import_module(f"{package}.entry").VENDOR
        if not isinstance(info, VendorInfo) or info.code in found:
            raise TypeError(f"{package}.entry.VENDOR must be one new VendorInfo")
        found[info.code] = info
    return found


VENDORS: dict[str, VendorInfo] = _declared(VENDOR_PACKAGES)


def vendor_info(vendor: str) -> VendorInfo:
    try:
        return VENDORS[vendor]
    except KeyError:
        known = ", ".join(sorted(VENDORS))
        raise CredentialFieldsInvalid(f"unknown PMS vendor {vendor!r} (known: {known})") from None


def secret_values(vendor: str, fields: Mapping[str, str]) -> tuple[str, ...]:
    """The values of `fields` that must never appear in a log or an error."""
    names = vendor_info(vendor).secret_field_names
    return tuple(value for name, value in fields.items() if name in names and value)


def clean_fields(vendor: str, fields: Mapping[str, str]) -> dict[str, str]:
    """Trimmed fields with defaults applied; raises CredentialFieldsInvalid if incomplete."""
    info = vendor_info(vendor)
    cleaned: dict[str, str] = {}
    missing: list[str] = []
    malformed: list[str] = []
    for field in info.fields:
        value = (fields.get(field.name) or "").strip() or field.default
        if field.required and not value:
            missing.append(field.label)
        elif value and not _well_formed(field, value):
            hint = _FORMAT_HINT["secret" if field.secret else field.kind]
            malformed.append(hint.format(label=field.label))
        cleaned[field.name] = value
    if missing:
        raise CredentialFieldsInvalid(
            f"{info.display_name} credential is missing: {', '.join(missing)}"
        )
    if malformed:
        raise CredentialFieldsInvalid("; ".join(malformed))
    return cleaned


_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_FORMAT_HINT = {
    "url": "{label} must be an https:// address with a host name, and no user name or password",
    "label": "{label} is the one word before the vendor's domain: letters, digits and hyphens",
    "number": "{label} must be a whole number, such as 1",
    # Secrets are masked in every message; one of a character or two would mask letters
    # of ordinary words ("Name or service not •••nown") and is no vendor's real secret.
    "secret": "{label} is too short to be the real one: check it in your PMS",
}
MIN_SECRET_LENGTH = 6


def _well_formed(field: CredentialField, value: str) -> bool:
    if field.secret:
        return len(value) >= MIN_SECRET_LENGTH
    if field.kind == "label":
        return _LABEL.fullmatch(value) is not None
    if field.kind == "number":
        return value.isascii() and value.isdigit() and len(value) <= 9
    if field.kind == "url":
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            return False
        return (
            parts.scheme == "https"
            and bool(parts.hostname)
            and not (parts.username or parts.password)
            and "\\" not in value
        )
    return True


def get_connector(
    vendor: str,
    fields: Mapping[str, str],
    *,
    options: HttpOptions | None = None,
    base_url: str | None = None,
) -> Connector:
    """A connector for one credential.

    `base_url` replaces the vendor's host root — point it at the simulator with
    f"{simulator_url}/{vendor}". `options` tunes timeouts, retries, the size cap, and
    lets tests inject `sleep` and an httpx transport.
    """
    info = vendor_info(vendor)
    return Connector(info, clean_fields(vendor, fields), options=options, base_url=base_url)


def status_lifecycles(vendor: str) -> Mapping[str, Lifecycle]:
    """The vendor's lease statuses and what each means (integrations/vendors/*/statuses)."""
    return vendor_info(vendor).vendor_mapping().statuses


__all__ = [
    "VENDORS",
    "VENDOR_PACKAGES",
    "CredentialField",
    "VendorInfo",
    "clean_fields",
    "get_connector",
    "secret_values",
    "status_lifecycles",
    "vendor_info",
]
