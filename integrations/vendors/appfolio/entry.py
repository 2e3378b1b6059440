"""AppFolio's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, RateLimit, VendorInfo

VENDOR = VendorInfo(
    code="appfolio",
    display_name="AppFolio",
    client="integrations.vendors.appfolio.client:AppFolioClient",
    mapping="integrations.vendors.appfolio.mapping:MAPPING",
    simulator="integrations.vendors.appfolio.simulator",
    capabilities=Capabilities(changed_since=False, webhooks=False),
    rate_limits=(
        # "7 requests per 15 seconds", next_page_url requests exempt: AppFolio's Reports
        # API notes as quoted in StantonManagement/SupabaseAF_appfolo
        # developer_docs/appfolio-api-knowledge.md (fixtures/README.md, A3). The client
        # takes no budget for next_page_url pages.
        RateLimit(7, 15, source="AppFolio Reports API: 7 requests per 15 s (A3)"),
    ),
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
