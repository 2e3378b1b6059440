"""Yardi Voyager's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, RateLimit, VendorInfo

_UNPUBLISHED = "Yardi publishes no limit: doorsync's conservative default"

VENDOR = VendorInfo(
    code="yardi",
    display_name="Yardi Voyager",
    client="integrations.vendors.yardi.client:YardiClient",
    mapping="integrations.vendors.yardi.mapping:MAPPING",
    simulator="integrations.vendors.yardi.simulator",
    # GetResidentsByDate(ModifiedSinceDate) is in the public ItfResidentData WSDL
    # (client.py; fixtures/README.md says what is verified and what is assumed).
    capabilities=Capabilities(changed_since=True, webhooks=False),
    # Yardi publishes no limit (its interfaces have a GetRateLimits call whose answer is
    # per license, not public): doorsync's conservative default, as pms/budget.py DEFAULT_LIMITS.
    rate_limits=(
        RateLimit(60, 60, source=_UNPUBLISHED),
        RateLimit(1500, 3600, source=_UNPUBLISHED),
    ),
    account_fields=("url", "database"),
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
)
