"""Entrata's vocabulary. Correct here, and only here, when a customer's differs.

Every name below appears in a public source (fixtures/README.md lists them); a name
Entrata sends that is not here goes through the unknown-status fallback rather than being
guessed at.
"""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole

# leaseIntervalStatus (lease) and leaseCustomerStatus (customer). Current, Past, Future and
# Cancelled are in a recorded getLeases r2 answer (noclocks/gmhleasr tests/testthat/…/
# leases-*.json); Notice and Applicant are the names of lease status ids 5 and 1.
STATUS_MAP: dict[str, Lifecycle] = {
    "Applicant": Lifecycle.APPLICANT,
    "Future": Lifecycle.FUTURE,
    "Current": Lifecycle.CURRENT,
    "Notice": Lifecycle.NOTICE,
    "Past": Lifecycle.PAST,
    "Cancelled": Lifecycle.CANCELLED,
}

# leaseStatusTypeId → name, for a lease that carries only the id (and for the
# leaseStatusTypeIds filter). 4, 5 and 6 (Current, Notice, Past) are published
# (shared/PMS_FORMATS.md); 1, 2 and 3 are inferred from Entrata's lifecycle order.
STATUS_TYPE_IDS: dict[str, str] = {
    "1": "Applicant",
    "2": "Cancelled",
    "3": "Future",
    "4": "Current",
    "5": "Notice",
    "6": "Past",
}

# leaseIntervals.leaseInterval[].leaseIntervalTypeName of an interval that continues an
# existing residency: a "Future" lease whose interval is a renewal belongs to people who
# already live there — not a move-in (recorded values: Application, Renewal, Transfer).
RENEWAL_INTERVAL_TYPES = frozenset({"Renewal"})

# customers.customer[].customerType, as recorded in the getLeases r2 answer above.
ROLE_MAP: dict[str, ResidentRole] = {
    "Primary": ResidentRole.PRIMARY,
    "Co-Applicant": ResidentRole.ROOMMATE,
    "Occupant": ResidentRole.OCCUPANT,
    "Guarantor": ResidentRole.GUARANTOR,
}
