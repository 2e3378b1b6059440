"""MRI Residential's ResidentStatus vocabulary. Correct here, and only here.

MRI_S-PMRM_ResidentLeaseDetailsByPropertyID gives one row per person. Public samples of it
(MicaTechnology/mri_hook spec/request_handlers/resident_lease_details_by_property_handler_spec.rb;
Credit-Jeeves/validation-bundle src/RentJeeves/ImportBundle/Tests/Fixtures/
MriResponseForProperty500.xml) show four ResidentStatus values: Current, Old, Co-Resident and
Other Resident; mri_hook's PendingMoveIns sample adds New. Two of them say where the person
stands, two say who the person is on the lease — their lifecycle comes from the row's
IsCurrent flag and dates (see mapping.lifecycle_of).
"""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole

# ResidentStatus values that say where the lease holder stands.
STATUS_MAP: dict[str, Lifecycle] = {
    # The lease holder of a lease in force (IsCurrent "Y" in both public samples). With a
    # planned move-out (LeaseMoveOut) or a notice date (DateNotified) and no vacate date
    # yet, they are on notice.
    "Current": Lifecycle.CURRENT,
    # A former resident: the public samples show IsCurrent "N", a LeaseMoveOut and a
    # ResidentVacateDate on these rows.
    "Old": Lifecycle.PAST,
    # A pending move-in (mri_hook PendingMoveIns: ScheduledMoveInDate in the future). A
    # renewal of someone who already lives there is not a move-in: the connector keeps
    # their current lease's row instead (mapping.collapse_renewals).
    "New": Lifecycle.FUTURE,
}

# ResidentStatus values that say who the person is on the lease; their lifecycle is read
# from IsCurrent ("Y": lives there) and the move-out/vacate dates.
ROLE_STATUSES: dict[str, ResidentRole] = {
    # On the lease with the lease holder (Credit-Jeeves sample: same LeaseID and dates as
    # the Current row, IsCurrent "Y").
    "Co-Resident": ResidentRole.ROOMMATE,
    # Someone else in the household (mri_hook sample: shares the lease holder's Namegroup).
    # A row with Guarantor "Y" is a guarantor instead, whatever its status.
    "Other Resident": ResidentRole.OCCUPANT,
}
