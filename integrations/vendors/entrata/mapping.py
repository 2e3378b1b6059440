"""Entrata leases (JSON) → normalized types: one lease holds several customers.

Names are read exactly as Entrata spells them, which differs by method: getProperties
answers in PascalCase (PropertyID, MarketingName), getPropertyUnits and getLeases in
camelCase. Every name read here is in a public shape — see fixtures/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

from integrations.pms.fields import RecordProblem, date_field, items, mapping, text
from integrations.pms.lifecycle import Signals, status_lifecycle
from integrations.pms.mapping import MappingResult, VocabularyTable, guarded, role_for
from integrations.pms.normalize import ISO_DATE_FORMATS, US_DATE_FORMATS, first_email, pick_phone
from integrations.pms.types import (
    PMSProperty,
    PMSResident,
    PMSUnit,
    RecordError,
    ResidentRole,
)
from integrations.pms.vendor import VendorMapping
from integrations.vendors.entrata.statuses import (
    RENEWAL_INTERVAL_TYPES,
    ROLE_MAP,
    STATUS_MAP,
    STATUS_TYPE_IDS,
)

# Entrata writes MM/DD/YYYY (Mountain Time calendar days); ISO is accepted as a fallback.
DATE_FORMATS = US_DATE_FORMATS + ISO_DATE_FORMATS
STATUSES = VocabularyTable("Entrata", "lease status", STATUS_MAP)
ROLES = VocabularyTable("Entrata", "customer type", ROLE_MAP)


def map_property(raw: Mapping[str, Any]) -> PMSProperty | None:
    # getProperties: result.PhysicalProperty.Property[] (mo05mAn/entrata_api_client
    # models/get_properties_success_response_result_physical_property_property_inner.py).
    property_id = text(raw, "PropertyID")
    if not property_id:
        return None
    address = mapping(raw, "Address")
    city_line = " ".join(
        p for p in (text(address, "City"), text(address, "State"), text(address, "PostalCode")) if p
    )
    street = text(address, "Address")
    return PMSProperty(
        id=property_id,
        name=text(raw, "MarketingName") or property_id,
        address=", ".join(p for p in (street, city_line) if p),
    )


def map_unit(raw: Mapping[str, Any], pms_property_id: str) -> PMSUnit | None:
    # getPropertyUnits: units.unit{id, unitNumber, buildingId, buildingName, …}
    # (entrata_api_client models/get_property_units_success_response_response_result_
    # properties_property_units_unit.py). No public shape carries a floor number.
    unit_id = text(raw, "id")
    if not unit_id:
        return None
    return PMSUnit(
        id=unit_id,
        pms_property_id=pms_property_id,
        name=text(raw, "unitNumber") or unit_id,
        building=text(raw, "buildingName"),
    )


def _interval(lease: Mapping[str, Any]) -> Mapping[str, Any]:
    """The lease interval that holds the dates: the one the lease names (leaseIntervalId),
    else the one whose status is Current, else the latest listed."""
    intervals = items(mapping(lease, "leaseIntervals"), "leaseInterval")
    named = text(lease, "leaseIntervalId")
    if named:
        for interval in intervals:
            if text(interval, "id") == named:
                return interval
    for interval in intervals:
        if text(interval, "leaseIntervalStatusTypeName") == "Current":
            return interval
    return intervals[-1] if intervals else {}


def _lease_status(lease: Mapping[str, Any]) -> str:
    return text(lease, "leaseIntervalStatus") or STATUS_TYPE_IDS.get(
        text(lease, "leaseStatusTypeId"), ""
    )


def renews_residency(interval: Mapping[str, Any], move_in: date | None) -> bool:
    """Whether this lease interval renews the residency of someone who already lives there.

    Entrata shows a renewal signed ahead of its start as a "Future" interval of type
    Renewal. Someone whose move-in is before that interval starts already lives there:
    their access must go on (pms/lifecycle.py reads them as Current). A roommate joining
    at the renewal moves in on or after its start and stays Future — the recorded
    getLeases answer holds exactly such a Co-Applicant.
    """
    if text(interval, "leaseIntervalTypeName") not in RENEWAL_INTERVAL_TYPES:
        return False
    starts = date_field(interval, "startDate", DATE_FORMATS)
    return move_in is not None and starts is not None and move_in < starts


def _customer(
    customer: Mapping[str, Any], lease: Mapping[str, Any], pms_property_id: str
) -> list[PMSResident]:
    external_id = text(customer, "id")
    if not external_id:
        raise RecordProblem("customer has no id")
    # A roommate who left early is "Past" on a lease that is still "Current".
    raw_status = text(customer, "leaseCustomerStatus") or _lease_status(lease)
    interval = _interval(lease)
    spaces = items(mapping(lease, "unitSpaces"), "unitSpace")
    unit_name = text(spaces[0], "unitSpace") if spaces else ""
    email, raw_email = first_email([text(customer, "emailAddress")])
    # phoneType is lower-case in the recorded answer (mobile, personal, work).
    phones = items(mapping(customer, "phones"), "phone")
    move_in = date_field(customer, "moveInDate", DATE_FORMATS) or date_field(
        lease, "moveInDate", DATE_FORMATS
    )
    move_out = date_field(customer, "moveOutDate", DATE_FORMATS) or date_field(
        lease, "moveOutDate", DATE_FORMATS
    )
    lifecycle, reading = status_lifecycle(
        STATUSES,
        raw_status,
        Signals(move_in=move_in, move_out=move_out, renewal=renews_residency(interval, move_in)),
    )
    return [
        PMSResident(
            external_id=external_id,
            pms_property_id=text(lease, "propertyId") or pms_property_id,
            first_name=text(customer, "firstName"),
            last_name=text(customer, "lastName"),
            email=email,
            phone=pick_phone((text(p, "phoneType"), text(p, "phoneNumber")) for p in phones),
            lease_start=date_field(interval, "startDate", DATE_FORMATS),
            lease_end=date_field(interval, "endDate", DATE_FORMATS),
            move_in=move_in,
            move_out=move_out,
            unit_id=text(lease, "unitId"),
            unit_name=unit_name,
            raw_status=raw_status,
            lifecycle=lifecycle,
            status_reading=reading,
            role=role_for(ROLES, text(customer, "customerType"), default=ResidentRole.PRIMARY),
            lease_id=text(lease, "id"),
            raw_email=raw_email,
        )
    ]


def map_lease(lease: Mapping[str, Any], pms_property_id: str) -> MappingResult:
    """Every customer on one lease; each that cannot be mapped is its own RecordError."""
    try:
        lease_id = text(lease, "id")
        customers = items(mapping(lease, "customers"), "customer")
    except (RecordProblem, TypeError, AttributeError) as exc:
        return [], [RecordError("(lease)", f"lease cannot be read: {exc}", pms_property_id)]
    if not customers:
        return [], [
            RecordError(f"lease {lease_id or '?'}", "lease has no customers", pms_property_id)
        ]
    records: list[PMSResident] = []
    errors: list[RecordError] = []
    for customer in customers:
        try:
            customer_id = text(customer, "id")
        except RecordProblem:
            customer_id = ""
        built, failed = guarded(
            customer_id or f"lease {lease_id}",
            pms_property_id,
            partial(_customer, customer, lease, pms_property_id),
        )
        records.extend(built)
        errors.extend(failed)
    return records, errors


MAPPING = VendorMapping(map_property, map_unit, map_lease, STATUS_MAP)
