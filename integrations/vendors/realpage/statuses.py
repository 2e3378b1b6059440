"""RealPage OneSite's vocabulary. Correct here, and only here, when a customer's differs."""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole

# <leasestatus>. OneSite has no notice status: a Current lease with a notice date is on
# notice (see mapping.lifecycle_for).
STATUS_MAP: dict[str, Lifecycle] = {
    "Applicant": Lifecycle.APPLICANT,
    "Applicant - Lease Signed": Lifecycle.FUTURE,
    "Future Lease": Lifecycle.FUTURE,
    "Current": Lifecycle.CURRENT,
    "Former": Lifecycle.PAST,
    "Former Applicant": Lifecycle.CANCELLED,
}

# <relationship> of a household member.
ROLE_MAP: dict[str, ResidentRole] = {
    "Head of Household": ResidentRole.PRIMARY,
    "Head": ResidentRole.PRIMARY,
    "Co-Head": ResidentRole.ROOMMATE,
    "Roommate": ResidentRole.ROOMMATE,
    "Spouse": ResidentRole.ROOMMATE,
    "Occupant": ResidentRole.OCCUPANT,
    "Minor": ResidentRole.OCCUPANT,
    "Guarantor": ResidentRole.GUARANTOR,
}
