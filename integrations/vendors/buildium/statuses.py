"""Buildium's vocabulary. Correct here, and only here, when a customer's differs.

Buildium keeps two statuses: the lease's (`LeaseStatus`: Active, Past, Future — the
OpenAPI LeaseMessage enum and the `leasestatuses` filter) and each tenant's own standing
on the lease (`Tenants[].Status`: Current, Future, MovedOut — the LeaseTenantMessage enum).
doorsync follows each person by their own dates, so the tenant's status is the raw status
shown and excluded; the lease's status and the tenant's move-out data refine it (see
mapping.lifecycle_of). Leases hold no applicants (Buildium keeps them apart, under
/v1/applicants), so APPLICANT and CANCELLED never come from Buildium.
"""

from __future__ import annotations

from integrations.pms.types import Lifecycle

# LeaseTenantMessage.Status (OpenAPI enum "MovedOut", "Current", "Future").
STATUS_MAP: dict[str, Lifecycle] = {
    # Lives there. With a move-out date recorded for them (MoveOutData), on notice.
    "Current": Lifecycle.CURRENT,
    "Future": Lifecycle.FUTURE,
    "MovedOut": Lifecycle.PAST,
}

# LeaseMessage.LeaseStatus (OpenAPI enum) → what the lease says about everyone on it. A
# Past lease ends everyone's stay whatever their own status says; a Future lease has
# nobody living under it yet.
LEASE_STATUS_MAP: dict[str, Lifecycle] = {
    "Active": Lifecycle.CURRENT,
    "Future": Lifecycle.FUTURE,
    "Past": Lifecycle.PAST,
}

# A cosigner (LeaseMessage.Cosigners) has no status of their own: the raw status shown for
# them is the one a tenant on the same lease would have.
COSIGNER_STATUS: dict[str, str] = {"Active": "Current", "Future": "Future", "Past": "MovedOut"}
