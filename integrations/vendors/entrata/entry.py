"""Entrata's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, RateLimit, VendorInfo

_HEADERS = "Entrata X-RateLimit-Limit header: 15000/DAY;1000/HOUR;150/MINUTE"

VENDOR = VendorInfo(
    code="entrata",
    display_name="Entrata",
    client="integrations.vendors.entrata.client:EntrataClient",
    mapping="integrations.vendors.entrata.mapping:MAPPING",
    simulator="integrations.vendors.entrata.simulator",
    capabilities=Capabilities(changed_since=False, webhooks=False),
    rate_limits=(
        # Entrata sends its limits with every answer: X-RateLimit-Limit
        # "15000/DAY;1000/HOUR;150/MINUTE", X-RateLimit-Remaining and X-RateLimit-Reset
        # (seconds to each window's reset), as recorded from a live API in
        # noclocks/gmhleasr (R/entrata headers); entrata_api_client's README says each
        # service has its own per-minute, hour and day limits. The budget also honours the
        # headers live (pms/budget.py exhausted_for). Older Entrata terms said one call per
        # property per minute per service; not declared here: getLeases ends on an empty
        # page, so it would cost every property a minute's wait in every sync.
        RateLimit(150, 60, source=_HEADERS),
        RateLimit(1000, 3600, source=_HEADERS),
        RateLimit(15000, 86400, source=_HEADERS),
    ),
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
