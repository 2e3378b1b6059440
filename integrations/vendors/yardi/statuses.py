"""Yardi Voyager's resident status vocabulary. Correct here, and only here, when a
customer's differs.

The names are Voyager's tenant statuses as public clients list them for the <Status> of a
resident record (neerajrana8/GetCovered app/interactions/integrations/yardi/sync/leases.rb,
RESIDENT_STATUSES: past, present, "nonfuture", future, potential, null groups); the Python
PMS client that calls GetResidentsByStatus uses Current, Past, Future and Notice. The
meaning column says what each tells us about who lives in the unit.
"""

from __future__ import annotations

from integrations.pms.types import Lifecycle

STATUS_MAP: dict[str, Lifecycle] = {
    # The lease is in force and the resident lives there.
    "Current": Lifecycle.CURRENT,
    # Gave notice; lives there until the move-out date (GetCovered: "nonfuture" — present
    # while MoveOut is blank or not yet reached).
    "Notice": Lifecycle.NOTICE,
    # Being evicted: still in the unit until the eviction completes (same "nonfuture" group).
    "Eviction": Lifecycle.NOTICE,
    # Signed a lease, not moved in yet. Voyager keeps one tenant code through renewals, so a
    # renewal does not show up as a second, Future record of someone who lives there.
    "Future": Lifecycle.FUTURE,
    # Moved out.
    "Past": Lifecycle.PAST,
    # Prospects: applied, or waiting for a unit (GetCovered: "potential").
    "Applicant": Lifecycle.APPLICANT,
    "Wait List": Lifecycle.APPLICANT,
    # A lease that never started (GetCovered files both spellings under "past"; nobody moved
    # in or out) and a refused application (GetCovered: "null").
    "Canceled": Lifecycle.CANCELLED,
    "Cancelled": Lifecycle.CANCELLED,
    "Denied": Lifecycle.CANCELLED,
}
