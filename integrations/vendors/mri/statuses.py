"""MRI Residential's vocabulary (inferred). Correct here, and only here."""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole

# ResidentStatus.
STATUS_MAP: dict[str, Lifecycle] = {
    "Applicant": Lifecycle.APPLICANT,
    "Future": Lifecycle.FUTURE,
    "Current": Lifecycle.CURRENT,
    "Notice": Lifecycle.NOTICE,
    "Notice Given": Lifecycle.NOTICE,
    "Former": Lifecycle.PAST,
    "Past": Lifecycle.PAST,
    "Cancelled": Lifecycle.CANCELLED,
    "Canceled": Lifecycle.CANCELLED,
    "Denied": Lifecycle.CANCELLED,
}

# ResidentType.
ROLE_MAP: dict[str, ResidentRole] = {
    "Primary": ResidentRole.PRIMARY,
    "Head of Household": ResidentRole.PRIMARY,
    "Roommate": ResidentRole.ROOMMATE,
    "Co-Resident": ResidentRole.ROOMMATE,
    "Occupant": ResidentRole.OCCUPANT,
    "Guarantor": ResidentRole.GUARANTOR,
}
