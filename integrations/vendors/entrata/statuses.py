"""Entrata's vocabulary. Correct here, and only here, when a customer's differs."""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole

# leaseIntervalStatus / leaseCustomerStatus names.
STATUS_MAP: dict[str, Lifecycle] = {
    "Applicant": Lifecycle.APPLICANT,
    "Future": Lifecycle.FUTURE,
    "Current": Lifecycle.CURRENT,
    "Notice": Lifecycle.NOTICE,
    "Past": Lifecycle.PAST,
    "Cancelled": Lifecycle.CANCELLED,
    "Denied": Lifecycle.CANCELLED,
}

# leaseStatusTypeId → name, for leases that carry only the id. 4, 5 and 6 are documented;
# the rest are inferred.
STATUS_TYPE_IDS: dict[str, str] = {
    "1": "Applicant",
    "2": "Cancelled",
    "3": "Future",
    "4": "Current",
    "5": "Notice",
    "6": "Past",
    "7": "Denied",
}

# customers.customer[].customerType
ROLE_MAP: dict[str, ResidentRole] = {
    "Primary": ResidentRole.PRIMARY,
    "Responsible": ResidentRole.ROOMMATE,
    "Co-Applicant": ResidentRole.ROOMMATE,
    "Non-Responsible": ResidentRole.OCCUPANT,
    "Occupant": ResidentRole.OCCUPANT,
    "Guarantor": ResidentRole.GUARANTOR,
}
