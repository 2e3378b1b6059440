"""Yardi Voyager's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, VendorInfo

VENDOR = VendorInfo(
    code="yardi",
    display_name="Yardi Voyager",
    client="integrations.vendors.yardi.client:YardiClient",
    mapping="integrations.vendors.yardi.mapping:MAPPING",
    simulator="integrations.vendors.yardi.simulator",
    # GetResidentsByDate(ModifiedSinceDate) is in the public ItfResidentData WSDL
    # (client.py; fixtures/README.md says what is verified and what is assumed).
    capabilities=Capabilities(changed_since=True, webhooks=False),
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
