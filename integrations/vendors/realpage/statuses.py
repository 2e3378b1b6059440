"""RealPage OneSite's vocabulary. Correct here, and only here, when a customer's differs."""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole

# <leasestatus>, as counted on a live site (bary249/NASAdash REALPAGE_FIELD_MAPPING.md:
# Current, Future Lease, Applicant, Applicant - Lease Signed, Former, Former Applicant).
# OneSite has no notice status: a Current lease with a notice date is on notice (see
# mapping.lifecycle_for).
STATUS_MAP: dict[str, Lifecycle] = {
    "Applicant": Lifecycle.APPLICANT,
    # A new resident who signed and has not moved in ("Pending move-ins").
    "Applicant - Lease Signed": Lifecycle.FUTURE,
    # A renewal signed ahead of its start. The household's current row decides while it
    # lives there (client.renewals_folded drops this row then); alone, the row is read as
    # a future lease.
    "Future Lease": Lifecycle.FUTURE,
    "Current": Lifecycle.CURRENT,
    "Former": Lifecycle.PAST,
    "Former Applicant": Lifecycle.CANCELLED,
}

# <relationship> of a household member. Not confirmed by any public sample (fixtures/
# README.md): kept so a guarantor is never handed keys; an unknown name is a roommate.
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
