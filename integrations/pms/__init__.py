"""PMS connector layer: normalized types, errors, the shared HTTP transport and the registry.

The sync engine only ever sees what this package exports; each vendor's wire format
lives in `integrations.vendors.<vendor>`.
"""

from __future__ import annotations

from integrations.pms.base import Connector
from integrations.pms.errors import (
    CredentialFieldsInvalid,
    CredentialRejected,
    MalformedResponse,
    PMSError,
    PMSPropertyNotFound,
    RateLimited,
    RequestRejected,
    ResponseTooLarge,
    VendorUnavailable,
)
from integrations.pms.http import HttpOptions
from integrations.pms.registry import (
    VENDORS,
    CredentialField,
    VendorInfo,
    get_connector,
    secret_values,
)
from integrations.pms.types import (
    Lifecycle,
    PMSProperty,
    PMSResident,
    PMSUnit,
    RecordError,
    ResidentPage,
    ResidentRole,
)

__all__ = [
    "VENDORS",
    "Connector",
    "CredentialField",
    "CredentialFieldsInvalid",
    "CredentialRejected",
    "HttpOptions",
    "Lifecycle",
    "MalformedResponse",
    "PMSError",
    "PMSProperty",
    "PMSPropertyNotFound",
    "PMSResident",
    "PMSUnit",
    "RateLimited",
    "RecordError",
    "RequestRejected",
    "ResidentPage",
    "ResidentRole",
    "ResponseTooLarge",
    "VendorInfo",
    "VendorUnavailable",
    "get_connector",
    "secret_values",
]
