"""MRI resident-lease rows → normalized types: one row per person, roommates share LeaseID."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from integrations.pms.fields import RecordProblem, date_field, text
from integrations.pms.lifecycle import Signals, status_lifecycle
from integrations.pms.mapping import MappingResult, VocabularyTable, guarded, role_for
from integrations.pms.normalize import ISO_DATE_FORMATS, US_DATE_FORMATS, first_email, pick_phone
from integrations.pms.types import PMSProperty, PMSResident, PMSUnit, ResidentRole
from integrations.pms.vendor import VendorMapping
from integrations.vendors.mri.statuses import ROLE_MAP, STATUS_MAP

DATE_FORMATS = ISO_DATE_FORMATS + US_DATE_FORMATS
STATUSES = VocabularyTable("MRI", "resident status", STATUS_MAP)
ROLES = VocabularyTable("MRI", "resident type", ROLE_MAP)


def unit_key(property_id: str, building_id: str, unit_id: str) -> str:
    """MRI numbers units within a building of a property, so both are part of a unit's id.

    Without the property, "A/101" of two PMS properties would be one PMS unit.
    """
    return "/".join(part for part in (property_id, building_id, unit_id) if part)


def map_property(raw: Mapping[str, Any]) -> PMSProperty | None:
    property_id = text(raw, "PropertyID")
    if not property_id:
        return None
    city_line = " ".join(
        p for p in (text(raw, "City"), text(raw, "State"), text(raw, "ZipCode")) if p
    )
    address = ", ".join(p for p in (text(raw, "Address"), city_line) if p)
    return PMSProperty(
        id=property_id, name=text(raw, "PropertyName") or property_id, address=address
    )


def map_unit(raw: Mapping[str, Any], pms_property_id: str) -> PMSUnit | None:
    unit_id = text(raw, "UnitID")
    if not unit_id:
        return None
    building = text(raw, "BuildingID")
    return PMSUnit(
        id=unit_key(pms_property_id, building, unit_id),
        pms_property_id=pms_property_id,
        name=unit_id,
        building=building,
        floor=text(raw, "FloorID") or None,
    )


def _resident(raw: Mapping[str, Any], pms_property_id: str) -> list[PMSResident]:
    external_id = text(raw, "ResidentNameID")
    if not external_id:
        raise RecordProblem("row has no ResidentNameID")
    raw_status = text(raw, "ResidentStatus")
    email, raw_email = first_email([text(raw, "Email")])
    unit_id = text(raw, "UnitID")
    property_id = text(raw, "PropertyID") or pms_property_id
    move_in = date_field(raw, "OccupyDate", DATE_FORMATS)
    # The actual vacate date when there is one, else the planned move-out.
    move_out = date_field(raw, "ResidentVacateDate", DATE_FORMATS) or date_field(
        raw, "LeaseMoveOut", DATE_FORMATS
    )
    current = {"Y": True, "N": False}.get(text(raw, "IsCurrent"))
    lifecycle, reading = status_lifecycle(
        STATUSES, raw_status, Signals(move_in=move_in, move_out=move_out, current=current)
    )
    return [
        PMSResident(
            external_id=external_id,
            pms_property_id=property_id,
            first_name=text(raw, "FirstName"),
            last_name=text(raw, "LastName"),
            email=email,
            phone=pick_phone(
                [("cell", text(raw, "CellPhoneNumber")), ("phone", text(raw, "PhoneNumber"))]
            ),
            lease_start=date_field(raw, "LeaseStart", DATE_FORMATS),
            lease_end=date_field(raw, "LeaseEnd", DATE_FORMATS),
            move_in=move_in,
            move_out=move_out,
            unit_id=unit_key(property_id, text(raw, "BuildingID"), unit_id) if unit_id else "",
            unit_name=unit_id,
            raw_status=raw_status,
            lifecycle=lifecycle,
            status_reading=reading,
            role=role_for(ROLES, text(raw, "ResidentType"), default=ResidentRole.PRIMARY),
            lease_id=text(raw, "LeaseID"),
            raw_email=raw_email,
        )
    ]


def map_resident(raw: Mapping[str, Any], pms_property_id: str) -> MappingResult:
    try:
        external_id = text(raw, "ResidentNameID")
    except RecordProblem:
        external_id = ""
    return guarded(external_id, pms_property_id, partial(_resident, raw, pms_property_id))


MAPPING = VendorMapping(map_property, map_unit, map_resident, STATUS_MAP)
