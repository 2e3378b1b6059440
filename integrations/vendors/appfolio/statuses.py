"""AppFolio's vocabulary. Correct here, and only here, when a customer's differs.

The tenant directory holds tenants only: applicants live in rental applications, which
doorsync does not read, so APPLICANT and CANCELLED never come from AppFolio.
"""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole

# tenant_directory `status`; the codes are what `tenant_statuses` filters on.
STATUS_MAP: dict[str, Lifecycle] = {
    "Current": Lifecycle.CURRENT,
    "Notice": Lifecycle.NOTICE,
    # Still in the unit until the eviction completes.
    "Evict": Lifecycle.NOTICE,
    "Future": Lifecycle.FUTURE,
    "Past": Lifecycle.PAST,
}
STATUS_CODES: dict[str, str] = {
    "Current": "0",
    "Past": "1",
    "Future": "2",
    "Evict": "3",
    "Notice": "4",
}

# tenant_directory `tenant_type`; `primary_tenant` = "Yes" marks the lease holder.
ROLE_MAP: dict[str, ResidentRole] = {
    "Financially Responsible": ResidentRole.ROOMMATE,
    "Occupant": ResidentRole.OCCUPANT,
    "Guarantor": ResidentRole.GUARANTOR,
}
