"""RealPage OneSite's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, RateLimit, VendorInfo

_UNPUBLISHED = "RealPage RPX publishes no limit: doorsync's conservative default"

VENDOR = VendorInfo(
    code="realpage",
    display_name="RealPage OneSite",
    client="integrations.vendors.realpage.client:RealPageClient",
    mapping="integrations.vendors.realpage.mapping:MAPPING",
    simulator="integrations.vendors.realpage.simulator",
    capabilities=Capabilities(changed_since=False, webhooks=False),
    # RPX publishes no limit; under load the gateway answers 503 (fixtures/README.md):
    # doorsync's conservative default, as pms/budget.py DEFAULT_LIMITS.
    rate_limits=(
        RateLimit(60, 60, source=_UNPUBLISHED),
        RateLimit(1500, 3600, source=_UNPUBLISHED),
    ),
    account_fields=("pmc_id",),
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
)
