"""How each simulated vendor spells things. Written from the vendor's side on purpose —
not derived from the connectors' STATUS_MAPs — so contract tests catch a mapping that
drifts from what the wire says."""

from __future__ import annotations

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.data import SimResident

L = Lifecycle
RAW_STATUSES: dict[str, dict[Lifecycle, tuple[str, ...]]] = {
    "yardi": {
        L.APPLICANT: ("Applicant", "Wait List"),
        L.FUTURE: ("Future",),
        L.CURRENT: ("Current",),
        L.NOTICE: ("Notice", "Notice", "Eviction"),
        L.PAST: ("Past",),
        L.CANCELLED: ("Canceled", "Cancelled", "Denied"),
    },
    "realpage": {
        L.APPLICANT: ("Applicant",),
        L.FUTURE: ("Future Lease", "Applicant - Lease Signed"),
        # OneSite has no notice status: a current lease with a notice date is on notice.
        L.CURRENT: ("Current",),
        L.NOTICE: ("Current",),
        L.PAST: ("Former",),
        L.CANCELLED: ("Former Applicant",),
    },
    "entrata": {
        L.APPLICANT: ("Applicant",),
        L.FUTURE: ("Future",),
        L.CURRENT: ("Current",),
        L.NOTICE: ("Notice",),
        L.PAST: ("Past",),
        L.CANCELLED: ("Cancelled", "Denied"),
    },
    "mri": {
        L.APPLICANT: ("Applicant",),
        L.FUTURE: ("Future",),
        L.CURRENT: ("Current",),
        L.NOTICE: ("Notice Given",),
        L.PAST: ("Former",),
        L.CANCELLED: ("Cancelled",),
    },
    # AppFolio's tenant directory has no applicants or cancelled leases (those live in
    # rental applications), so the simulator leaves them out of its AppFolio answers.
    "appfolio": {
        L.FUTURE: ("Future",),
        L.CURRENT: ("Current",),
        L.NOTICE: ("Notice", "Notice", "Evict"),
        L.PAST: ("Past",),
    },
}

ENTRATA_STATUS_IDS = {
    "Applicant": 1,
    "Cancelled": 2,
    "Future": 3,
    "Current": 4,
    "Notice": 5,
    "Past": 6,
    "Denied": 7,
}
APPFOLIO_STATUS_CODES = {"Current": "0", "Past": "1", "Future": "2", "Evict": "3", "Notice": "4"}


def raw_status(vendor: str, resident: SimResident) -> str | None:
    """The vendor's name for the resident's status; None if the vendor would not list them."""
    names = RAW_STATUSES[vendor].get(resident.lifecycle)
    if not names:
        return None
    return names[resident.variant % len(names)]


def serves(vendor: str, resident: SimResident) -> bool:
    return resident.lifecycle in RAW_STATUSES[vendor]


def external_id(vendor: str, resident: SimResident) -> str:
    if vendor == "yardi":
        return f"t{resident.id:07d}"
    if vendor == "realpage":
        # The connector's form: household (reshid) and member (resmid).
        return f"{resident.lease_id}:{resident.id}"
    return str(resident.id)


def role_name(vendor: str, role: ResidentRole, variant: int = 0) -> str:
    names = {
        "yardi": {
            ResidentRole.PRIMARY: "Lease Holder",
            ResidentRole.ROOMMATE: ("Roommate", "Spouse")[variant % 2],
            ResidentRole.OCCUPANT: "Occupant",
            ResidentRole.GUARANTOR: "Guarantor",
        },
        "realpage": {
            ResidentRole.PRIMARY: "Head of Household",
            ResidentRole.ROOMMATE: "Co-Head",
            ResidentRole.OCCUPANT: "Occupant",
            ResidentRole.GUARANTOR: "Guarantor",
        },
        "entrata": {
            ResidentRole.PRIMARY: "Primary",
            ResidentRole.ROOMMATE: "Responsible",
            ResidentRole.OCCUPANT: "Non-Responsible",
            ResidentRole.GUARANTOR: "Guarantor",
        },
        "mri": {
            ResidentRole.PRIMARY: "Primary",
            ResidentRole.ROOMMATE: "Roommate",
            ResidentRole.OCCUPANT: "Occupant",
            ResidentRole.GUARANTOR: "Guarantor",
        },
        "appfolio": {
            ResidentRole.PRIMARY: "Financially Responsible",
            ResidentRole.ROOMMATE: "Financially Responsible",
            ResidentRole.OCCUPANT: "Occupant",
            ResidentRole.GUARANTOR: "Guarantor",
        },
    }
    return names[vendor][role]
