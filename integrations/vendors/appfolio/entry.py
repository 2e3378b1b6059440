"""AppFolio's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, VendorInfo

VENDOR = VendorInfo(
    code="appfolio",
    display_name="AppFolio",
    client="integrations.vendors.appfolio.client:AppFolioClient",
    mapping="integrations.vendors.appfolio.mapping:MAPPING",
    simulator="integrations.vendors.appfolio.simulator",
    capabilities=Capabilities(changed_since=False, webhooks=False),
    account_fields=("vhost",),
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
)
