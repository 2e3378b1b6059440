"""Rent Manager 12 rows → normalized types: one Tenants row (with its Contacts and Leases
embedded) per resident.

Field names are Rent Manager's PascalCase, read exactly; each is listed with its public
source in fixtures/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

from integrations.pms.fields import RecordProblem, date_field, flag, items, mapping, text
from integrations.pms.lifecycle import Signals, status_lifecycle
from integrations.pms.mapping import MappingResult, VocabularyTable, guarded
from integrations.pms.normalize import ISO_DATE_FORMATS, US_DATE_FORMATS, first_email, pick_phone
from integrations.pms.types import (
    Lifecycle,
    PMSProperty,
    PMSResident,
    PMSUnit,
    ResidentRole,
    StatusReading,
)
from integrations.pms.vendor import VendorMapping
from integrations.vendors.rentmanager.statuses import STATUS_MAP

# DateTime values are ISO ("2024-08-14T00:00:00", or with fractions and an offset,
# which parse_date drops: lease dates are calendar days).
DATE_FORMATS = ISO_DATE_FORMATS + US_DATE_FORMATS
STATUSES = VocabularyTable("Rent Manager", "tenant status", STATUS_MAP)


def map_property(raw: Mapping[str, Any]) -> PMSProperty | None:
    # PropertyModel: PropertyID, Name, ShortName; Addresses embed (Street, City, State,
    # PostalCode, IsPrimary) — R2, R8.
    property_id = text(raw, "PropertyID")
    if not property_id:
        return None
    addresses = items(raw, "Addresses")
    primary = next(
        (a for a in addresses if flag(a, "IsPrimary")), addresses[0] if addresses else {}
    )
    city_line = " ".join(
        p for p in (text(primary, "City"), text(primary, "State"), text(primary, "PostalCode")) if p
    )
    address = ", ".join(p for p in (text(primary, "Street"), city_line) if p)
    return PMSProperty(
        id=property_id,
        name=text(raw, "Name") or text(raw, "ShortName") or property_id,
        address=address,
    )


def map_unit(raw: Mapping[str, Any], pms_property_id: str) -> PMSUnit | None:
    # UnitModel: UnitID, PropertyID, Name (R2, R6). Rent Manager names no building or
    # floor on the unit itself, so none is made up.
    unit_id = text(raw, "UnitID")
    if not unit_id:
        return None
    return PMSUnit(
        id=unit_id,
        pms_property_id=text(raw, "PropertyID") or pms_property_id,
        name=text(raw, "Name") or unit_id,
    )


def _lease(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """The tenant's lease that says where they are: the latest move-in (a transfer leaves
    the old unit's lease behind), then the highest LeaseID."""
    leases = items(raw, "Leases")
    if not leases:
        return {}

    def order(lease: Mapping[str, Any]) -> tuple[date, int]:
        moved_in = date_field(lease, "MoveInDate", DATE_FORMATS) or date.min
        lease_id = text(lease, "LeaseID")
        return moved_in, int(lease_id) if lease_id.isdigit() else -1

    return max(leases, key=order)


def _term(lease: Mapping[str, Any]) -> tuple[date | None, date | None]:
    """Lease term dates: StartDate/EndDate are calculated from the LeaseRenewals embed
    (R1); when only the renewals came, the latest renewal's."""
    start = date_field(lease, "StartDate", DATE_FORMATS)
    end = date_field(lease, "EndDate", DATE_FORMATS)
    if start or end:
        return start, end
    renewals = items(lease, "LeaseRenewals")
    if not renewals:
        return None, None
    latest = max(renewals, key=lambda r: date_field(r, "StartDate", DATE_FORMATS) or date.min)
    return date_field(latest, "StartDate", DATE_FORMATS), date_field(
        latest, "EndDate", DATE_FORMATS
    )


def _contact(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """The tenant's primary contact (the person the tenant record is); {} when none came."""
    contacts = items(raw, "Contacts")
    return next((c for c in contacts if flag(c, "IsPrimary")), contacts[0] if contacts else {})


def _noticed(lifecycle: Lifecycle, reading: StatusReading, notice: date | None,
             move_out: date | None, today: date) -> Lifecycle:  # fmt: skip
    """A Current tenant whose lease has a notice date or a move-out still ahead is on
    notice: Rent Manager records notice on the lease, not as a status (statuses.py)."""
    ahead = notice is not None or (move_out is not None and move_out >= today)
    if lifecycle is Lifecycle.CURRENT and reading is StatusReading.KNOWN and ahead:
        return Lifecycle.NOTICE
    return lifecycle


def _tenant(raw: Mapping[str, Any], pms_property_id: str) -> list[PMSResident]:
    external_id = text(raw, "TenantID")
    if not external_id:
        raise RecordProblem("row has no TenantID")
    raw_status = text(raw, "Status")
    lease = _lease(raw)
    move_in = date_field(lease, "MoveInDate", DATE_FORMATS)
    # MoveOutDate is the planned or confirmed move-out; ExpectedMoveOutDate the estimate.
    move_out = date_field(lease, "MoveOutDate", DATE_FORMATS) or date_field(
        lease, "ExpectedMoveOutDate", DATE_FORMATS
    )
    notice = date_field(lease, "NoticeDate", DATE_FORMATS)
    today = date.today()
    lifecycle, reading = status_lifecycle(
        STATUSES, raw_status, Signals(move_in=move_in, move_out=move_out), today=today
    )
    lifecycle = _noticed(lifecycle, reading, notice, move_out, today)
    lease_start, lease_end = _term(lease)
    contact = _contact(raw)
    email, raw_email = first_email([text(contact, "Email")])
    phones = [
        (text(mapping(phone, "PhoneNumberType"), "Name"), text(phone, "PhoneNumber"))
        for phone in items(contact, "PhoneNumbers")
    ]
    first_name = text(raw, "FirstName") or text(contact, "FirstName")
    last_name = text(raw, "LastName") or text(contact, "LastName")
    if not (first_name or last_name):
        # A company tenant has only a Name.
        last_name = text(raw, "Name")
    return [
        PMSResident(
            external_id=external_id,
            pms_property_id=text(raw, "PropertyID") or text(lease, "PropertyID") or pms_property_id,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=pick_phone(phones),
            lease_start=lease_start,
            lease_end=lease_end,
            move_in=move_in,
            move_out=move_out,
            unit_id=text(lease, "UnitID"),
            unit_name=text(mapping(lease, "Unit"), "Name"),
            raw_status=raw_status,
            lifecycle=lifecycle,
            status_reading=reading,
            # Every Rent Manager tenant holds a lease of their own (statuses.py).
            role=ResidentRole.PRIMARY,
            lease_id=text(lease, "LeaseID"),
            raw_email=raw_email,
        )
    ]


def map_tenant(raw: Mapping[str, Any], pms_property_id: str = "") -> MappingResult:
    try:
        external_id = text(raw, "TenantID")
    except RecordProblem:
        external_id = ""
    return guarded(external_id, pms_property_id, partial(_tenant, raw, pms_property_id))


MAPPING = VendorMapping(map_property, map_unit, map_tenant, STATUS_MAP)
