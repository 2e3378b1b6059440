"""Buildium's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, RateLimit, VendorInfo

VENDOR = VendorInfo(
    code="buildium",
    display_name="Buildium",
    client="integrations.vendors.buildium.client:BuildiumClient",
    mapping="integrations.vendors.buildium.mapping:MAPPING",
    simulator="integrations.vendors.buildium.simulator",
    # `lastupdatedfrom`/`lastupdatedto` on /v1/leases, /v1/leases/tenants and
    # /v1/rentals/units; webhooks signed with HMAC-SHA256 (Buildium's OpenAPI document,
    # "Webhooks" section). See fixtures/README.md.
    capabilities=Capabilities(changed_since=True, webhooks=True),
    rate_limits=(
        RateLimit(
            10,
            1,
            "credential",
            source="Buildium OpenAPI v1, API Overview → Rate Limiting: 10 concurrent requests "
            "per second, 429 past it; retry after ~200 ms",
        ),
    ),
    # One Buildium account per client id: the key is issued per account.
    account_fields=("client_id",),
    fields=(
        CredentialField(
            "client_id",
            "Client ID",
            help_text="Settings → Application settings → API settings in Buildium",
        ),
        CredentialField("client_secret", "Client secret", secret=True),
    ),
    note="Buildium signs its webhooks with a key of its own: after set-up, paste it under "
    "Manage Settings → Instant updates to have move-outs applied within seconds.",
)
