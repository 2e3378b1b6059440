"""Rent Manager's vocabulary. Correct here, and only here, when a customer's differs.

A Rent Manager tenant is one lease holder (roommates are tenants of their own on the same
unit; guarantors and occupants are contacts of a tenant, which doorsync does not read).
Its `Status` says where the tenancy stands; notice is not a status of its own in the
confirmed vocabulary but a lease with a NoticeDate or a move-out date ahead (mapping.py).
Each name's public source is in fixtures/README.md.
"""

from __future__ import annotations

from integrations.pms.types import Lifecycle

# TenantModel `Status` (eTenantStatus). Current, Past and Future are confirmed: public
# clients filter `Status,eq,Current|Past|Future` against live databases (R5, R6). The
# others come from a transcription of the Help portal that calls its list "best effort"
# (R3): kept so that a database using them still maps, and marked here as unconfirmed.
STATUS_MAP: dict[str, Lifecycle] = {
    "Current": Lifecycle.CURRENT,
    "Future": Lifecycle.FUTURE,
    "Past": Lifecycle.PAST,
    # Unconfirmed (R3 only).
    "Notice": Lifecycle.NOTICE,
    # Still in the unit until the eviction completes.
    "Eviction": Lifecycle.NOTICE,
    "Prospect": Lifecycle.APPLICANT,
    "Applicant": Lifecycle.APPLICANT,
    "Canceled": Lifecycle.CANCELLED,
}
