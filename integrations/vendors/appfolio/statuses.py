"""AppFolio's vocabulary. Correct here, and only here, when a customer's differs.

The tenant directory holds tenants only: applicants live in rental applications, which
doorsync does not read, so APPLICANT and CANCELLED never come from AppFolio. Each name's
public source is in fixtures/README.md.
"""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole

# tenant_directory `status`: Current, Past, Future, Evict, Notice (skywalkapi.com's AppFolio
# tenant status filter; a public client sends tenant_statuses 0, 4, 3 where the Stack API
# filter says Current, Notice, Evict).
STATUS_MAP: dict[str, Lifecycle] = {
    "Current": Lifecycle.CURRENT,
    "Notice": Lifecycle.NOTICE,
    # Still in the unit until the eviction completes.
    "Evict": Lifecycle.NOTICE,
    "Future": Lifecycle.FUTURE,
    "Past": Lifecycle.PAST,
    # AppFolio's rent roll calls a tenant who is moving out "Vacating" (a public client's
    # status list confirmed against a live database): still there, leaving.
    "Vacating": Lifecycle.NOTICE,
}
# What `tenant_statuses` filters on. 0, 3 and 4 are confirmed as above; 1 (Past) and
# 2 (Future) are inferred (shared/PMS_FORMATS.md).
STATUS_CODES: dict[str, str] = {
    "Current": "0",
    "Past": "1",
    "Future": "2",
    "Evict": "3",
    "Notice": "4",
}

# tenant_directory `tenant_type`; `primary_tenant` = "Yes" marks the lease holder
# (skywalkapi.com's AppFolio tenant: type "Financially Responsible", primaryTenant "Yes").
# Occupant is AppFolio's non-responsible household member; Guarantor is not confirmed
# publicly and is kept so that one is never handed keys.
ROLE_MAP: dict[str, ResidentRole] = {
    "Financially Responsible": ResidentRole.ROOMMATE,
    "Occupant": ResidentRole.OCCUPANT,
    "Guarantor": ResidentRole.GUARANTOR,
}
