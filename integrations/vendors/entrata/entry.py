"""Entrata's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, VendorInfo

VENDOR = VendorInfo(
    code="entrata",
    display_name="Entrata",
    client="integrations.vendors.entrata.client:EntrataClient",
    mapping="integrations.vendors.entrata.mapping:MAPPING",
    simulator="integrations.vendors.entrata.simulator",
    capabilities=Capabilities(changed_since=False, webhooks=False),
    account_fields=("subdomain",),
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
)
