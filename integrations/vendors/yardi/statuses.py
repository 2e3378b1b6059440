"""Yardi Voyager's vocabulary. Correct here, and only here, when a customer's differs."""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole

# Resident <Status>. Both spellings of cancelled occur in the wild.
STATUS_MAP: dict[str, Lifecycle] = {
    "Applicant": Lifecycle.APPLICANT,
    "Wait List": Lifecycle.APPLICANT,
    "Future": Lifecycle.FUTURE,
    "Current": Lifecycle.CURRENT,
    "Notice": Lifecycle.NOTICE,
    # Still in the unit until the eviction completes.
    "Eviction": Lifecycle.NOTICE,
    "Past": Lifecycle.PAST,
    "Canceled": Lifecycle.CANCELLED,
    "Cancelled": Lifecycle.CANCELLED,
    "Denied": Lifecycle.CANCELLED,
}

# <Roommate><Relationship>. The lease holder (<Resident>) is always PRIMARY.
ROLE_MAP: dict[str, ResidentRole] = {
    "Roommate": ResidentRole.ROOMMATE,
    "Spouse": ResidentRole.ROOMMATE,
    "Partner": ResidentRole.ROOMMATE,
    "Co-Tenant": ResidentRole.ROOMMATE,
    "Occupant": ResidentRole.OCCUPANT,
    "Child": ResidentRole.OCCUPANT,
    "Dependent": ResidentRole.OCCUPANT,
    "Guarantor": ResidentRole.GUARANTOR,
    "Co-Signer": ResidentRole.GUARANTOR,
    "Cosigner": ResidentRole.GUARANTOR,
}
