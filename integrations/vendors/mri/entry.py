"""MRI Residential's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, RateLimit, VendorInfo

_UNPUBLISHED = "MRI publishes no limit: doorsync's conservative default"

VENDOR = VendorInfo(
    code="mri",
    display_name="MRI Residential (x5)",
    client="integrations.vendors.mri.client:MRIClient",
    mapping="integrations.vendors.mri.mapping:MAPPING",
    simulator="integrations.vendors.mri.simulator",
    # ResidentLeaseDetailsByPropertyID takes LastUpdateDate (mri_hook; client.py and
    # fixtures/README.md say what is verified and what is assumed).
    capabilities=Capabilities(changed_since=True, webhooks=False),
    # MRI publishes no limit for the x5 API (fixtures/README.md: 429 assumed):
    # doorsync's conservative default, as pms/budget.py DEFAULT_LIMITS.
    rate_limits=(
        RateLimit(60, 60, source=_UNPUBLISHED),
        RateLimit(1500, 3600, source=_UNPUBLISHED),
    ),
    account_fields=("url", "client_id", "database"),
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
)
