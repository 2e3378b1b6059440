"""How each simulated vendor spells things, looked up in the vendor's own simulator module
(integrations/vendors/<vendor>/simulator.py): RAW_STATUSES and ROLE_NAMES (lifecycle or
role → the vendor's names, served in turn by resident.variant), and `record_id(resident)`
where the vendor's record id is not the simulator's resident id.

Those tables are written from the vendor's side on purpose — not derived from the
connectors' STATUS_MAPs — so contract tests catch a mapping that drifts from the wire.
"""

from __future__ import annotations

from types import ModuleType

from integrations.pms.registry import VENDORS
from integrations.pms.types import ResidentRole
from integrations.simulator.data import SimResident


def wire(vendor: str) -> ModuleType:
    """The vendor's simulator module."""
    return VENDORS[vendor].simulator_module()


def raw_status(vendor: str, resident: SimResident) -> str | None:
    """The vendor's name for the resident's status; None if the vendor would not list them."""
    names: tuple[str, ...] = wire(vendor).RAW_STATUSES.get(resident.lifecycle, ())
    if not names:
        return None
    return names[resident.variant % len(names)]


def serves(vendor: str, resident: SimResident) -> bool:
    return resident.lifecycle in wire(vendor).RAW_STATUSES


def external_id(vendor: str, resident: SimResident) -> str:
    own = getattr(wire(vendor), "record_id", None)
    return str(own(resident)) if own is not None else str(resident.id)


def role_name(vendor: str, role: ResidentRole, variant: int = 0) -> str:
    names: tuple[str, ...] = wire(vendor).ROLE_NAMES[role]
    return names[variant % len(names)]
