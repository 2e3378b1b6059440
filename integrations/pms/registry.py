"""Which vendors exist, what a credential for each looks like, and how to get a connector."""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

from integrations.pms.base import Connector
from integrations.pms.errors import CredentialFieldsInvalid
from integrations.pms.http import HttpOptions
from integrations.pms.types import Lifecycle


@dataclass(frozen=True, slots=True)
class CredentialField:
    name: str
    label: str
    # Secret fields are encrypted at rest, never shown again, and redacted everywhere.
    secret: bool = False
    required: bool = True
    help_text: str = ""
    default: str = ""
    # "url": an https:// address the connector calls; "label": one DNS label the
    # connector puts into the vendor's host name (yourcompany.entrata.com). Checked here
    # so a typed value cannot steer requests elsewhere (see also pms/egress.py).
    kind: str = "text"


@dataclass(frozen=True, slots=True)
class VendorInfo:
    code: str
    display_name: str
    fields: tuple[CredentialField, ...]
    # "module:Class", imported on first use so the registry loads without every vendor.
    connector_path: str
    # Shown under the form when the fields alone cannot express the rule.
    note: str = ""
    # The fields naming the PMS account (not the login): two credentials equal on these
    # reach the same PMS properties, whoever logs in.
    account_fields: tuple[str, ...] = ()

    @property
    def secret_field_names(self) -> frozenset[str]:
        return frozenset(field.name for field in self.fields if field.secret)


VENDORS: dict[str, VendorInfo] = {
    info.code: info
    for info in (
        VendorInfo(
            code="yardi",
            account_fields=("url", "database"),
            display_name="Yardi Voyager",
            connector_path="integrations.vendors.yardi:YardiConnector",
            fields=(
                CredentialField(
                    "url",
                    "Voyager URL",
                    help_text="e.g. https://www.yardiasp14.com/12345company",
                    kind="url",
                ),
                CredentialField("username", "Username"),
                CredentialField("password", "Password", secret=True),
                CredentialField("server_name", "Server name"),
                CredentialField("database", "Database"),
                CredentialField("platform", "Platform", required=False, default="SQL Server"),
                CredentialField("interface_entity", "Interface entity"),
                CredentialField("interface_license", "Interface license", secret=True),
            ),
        ),
        VendorInfo(
            code="realpage",
            account_fields=("pmc_id",),
            display_name="RealPage OneSite",
            connector_path="integrations.vendors.realpage:RealPageConnector",
            fields=(
                CredentialField("partner", "RPX partner name"),
                CredentialField("pmc_id", "PMC ID"),
                CredentialField("license_key", "License key", secret=True),
                CredentialField(
                    "gateway_url",
                    "Gateway URL",
                    required=False,
                    default="https://gateway.rpx.realpage.com/rpxgateway",
                    kind="url",
                ),
            ),
        ),
        VendorInfo(
            code="entrata",
            account_fields=("subdomain",),
            display_name="Entrata",
            connector_path="integrations.vendors.entrata:EntrataConnector",
            note="Give either an API key, or a username and password.",
            fields=(
                CredentialField(
                    "subdomain",
                    "Subdomain",
                    help_text="yourcompany in yourcompany.entrata.com",
                    kind="label",
                ),
                CredentialField("username", "Username", required=False),
                CredentialField("password", "Password", secret=True, required=False),
                CredentialField("api_key", "API key", secret=True, required=False),
            ),
        ),
        VendorInfo(
            code="mri",
            account_fields=("url", "client_id", "database"),
            display_name="MRI Residential (x5)",
            connector_path="integrations.vendors.mri:MRIConnector",
            fields=(
                CredentialField(
                    "url",
                    "API URL",
                    help_text="e.g. https://mrix5.example.com/mriapiservices/api.asp",
                    kind="url",
                ),
                CredentialField("client_id", "Client ID"),
                CredentialField("database", "Database"),
                CredentialField("username", "Web service user"),
                CredentialField("partner_key", "Partner key", secret=True),
                CredentialField("password", "Password", secret=True),
            ),
        ),
        VendorInfo(
            code="appfolio",
            account_fields=("vhost",),
            display_name="AppFolio",
            connector_path="integrations.vendors.appfolio:AppFolioConnector",
            fields=(
                CredentialField(
                    "vhost",
                    "Database name",
                    help_text="yourcompany in yourcompany.appfolio.com",
                    kind="label",
                ),
                CredentialField("client_id", "Client ID"),
                CredentialField("client_secret", "Client secret", secret=True),
            ),
        ),
    )
}


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
    module_name, class_name = info.connector_path.split(":")
    connector_class: type[Connector] = getattr(importlib.import_module(module_name), class_name)
    return connector_class(clean_fields(vendor, fields), options=options, base_url=base_url)


def status_lifecycles(vendor: str) -> Mapping[str, Lifecycle]:
    """The vendor's lease statuses and what each means (integrations/vendors/*/statuses)."""
    info = vendor_info(vendor)
    module = importlib.import_module(f"integrations.vendors.{info.code}.statuses")
    return cast(Mapping[str, Lifecycle], module.STATUS_MAP)
