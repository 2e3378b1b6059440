"""Rent Manager 12's registry entry."""

from __future__ import annotations

from integrations.pms.vendor import Capabilities, CredentialField, RateLimit, VendorInfo

VENDOR = VendorInfo(
    code="rentmanager",
    display_name="Rent Manager",
    client="integrations.vendors.rentmanager.client:RentManagerClient",
    mapping="integrations.vendors.rentmanager.mapping:MAPPING",
    simulator="integrations.vendors.rentmanager.simulator",
    # Tenants and Leases honour `filters=UpdateDate,ge,…` (seen on a live instance, see
    # fixtures/README.md R1); Rent Manager's webhooks carry no signature, so no push.
    capabilities=Capabilities(changed_since=True, webhooks=False),
    rate_limits=(
        RateLimit(
            500,
            60,
            "credential",
            source=(
                "x-ratelimit-limit: 500 per rolling minute on every Rent Manager 12 answer, "
                "shared by every login to the company database (fixtures/README.md R1, R4)"
            ),
        ),
    ),
    # The company database and the location inside it: two credentials equal on both read
    # the same properties, whichever Rent Manager user logs in.
    account_fields=("company", "location_id"),
    fields=(
        CredentialField(
            "company",
            "Company code",
            help_text="yourcompany in yourcompany.api.rentmanager.com",
            kind="label",
        ),
        CredentialField(
            "username",
            "User name",
            help_text="A Rent Manager user with API Access (read-only is enough)",
        ),
        CredentialField("password", "Password", secret=True),
        CredentialField(
            "location_id",
            "Location ID",
            help_text="The Rent Manager location (database) to read; 1 unless you have several",
            default="1",
            kind="number",
        ),
        CredentialField(
            "partner_token",
            "Partner token",
            secret=True,
            required=False,
            help_text="Only if Rent Manager issued doorsync's integration a partner token",
        ),
    ),
    note=(
        "Rent Manager logs the user in once per sync and reuses that token; the user needs "
        "the API Access box ticked in Rent Manager (Admin → Setup → Users)."
    ),
)
