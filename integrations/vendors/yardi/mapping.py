"""Yardi records (XML read into dicts) → normalized types."""

from __future__ import annotations

from collections.abc import Mapping
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
from integrations.vendors.yardi.statuses import ROLE_MAP, STATUS_MAP

# Voyager sends ISO dates, with a time part from some interfaces; older exports use US.
DATE_FORMATS = ISO_DATE_FORMATS + US_DATE_FORMATS
STATUSES = VocabularyTable("Yardi", "resident status", STATUS_MAP)
ROLES = VocabularyTable("Yardi", "roommate relationship", ROLE_MAP)


def map_property(raw: Mapping[str, Any]) -> PMSProperty | None:
    code = text(raw, "Code")
    if not code:
        return None
    city_line = " ".join(
        part for part in (text(raw, "City"), text(raw, "State"), text(raw, "PostalCode")) if part
    )
    address = ", ".join(part for part in (text(raw, "AddressLine1"), city_line) if part)
    return PMSProperty(id=code, name=text(raw, "MarketingName") or code, address=address)


def _unit_identity(unit: Mapping[str, Any]) -> tuple[str, str]:
    """(id, name): the stable UniqueID attribute when present, else the unit code."""
    element = unit.get("UnitID")
    name = text(unit, "UnitID")
    unique = text(element, "@UniqueID") if isinstance(element, Mapping) else ""
    return unique or name, name


def map_unit_info(raw: Mapping[str, Any], pms_property_id: str) -> PMSUnit | None:
    unit_id, name = _unit_identity(raw)
    if not unit_id:
        return None
    details = mapping(raw, "Unit")
    floor = text(details, "FloorID") or text(raw, "FloorID")
    return PMSUnit(
        id=unit_id,
        pms_property_id=pms_property_id,
        name=name or unit_id,
        building=text(details, "BuildingID") or text(raw, "BuildingID"),
        floor=floor or None,
    )


def _role(relationship: str) -> ResidentRole:
    return role_for(ROLES, relationship, default=ResidentRole.ROOMMATE)


def _person(
    person: Mapping[str, Any],
    *,
    household: Mapping[str, Any],
    unit: tuple[str, str],
    pms_property_id: str,
    role: ResidentRole,
) -> PMSResident:
    external_id = text(person, "Id")
    if not external_id:
        raise RecordProblem("record has no Id")
    raw_status = text(person, "Status") or text(household, "Status")
    email, raw_email = first_email([text(person, "Email")])
    phone = pick_phone(
        (text(p, "PhoneDescription"), text(p, "PhoneNumber")) for p in items(person, "Phone")
    )
    move_in = date_field(person, "MoveIn", DATE_FORMATS)
    move_out = date_field(person, "MoveOut", DATE_FORMATS)
    if person is not household:
        # A roommate without own dates moves with the household.
        move_in = move_in or date_field(household, "MoveIn", DATE_FORMATS)
        move_out = move_out or date_field(household, "MoveOut", DATE_FORMATS)
    lifecycle, reading = status_lifecycle(
        STATUSES, raw_status, Signals(move_in=move_in, move_out=move_out)
    )
    return PMSResident(
        external_id=external_id,
        pms_property_id=pms_property_id,
        first_name=text(person, "FirstName"),
        last_name=text(person, "LastName"),
        email=email,
        phone=phone,
        lease_start=date_field(household, "LeaseFrom", DATE_FORMATS),
        lease_end=date_field(household, "LeaseTo", DATE_FORMATS),
        move_in=move_in,
        move_out=move_out,
        unit_id=unit[0],
        unit_name=unit[1],
        raw_status=raw_status,
        lifecycle=lifecycle,
        role=role,
        lease_id=text(household, "Id"),
        raw_email=raw_email,
        status_reading=reading,
    )


def map_unit_residents(unit: Mapping[str, Any], pms_property_id: str) -> MappingResult:
    """Every lease holder and roommate in one <Unit> of GetUnitConfiguration."""
    records: list[PMSResident] = []
    errors: list[RecordError] = []

    def collect(result: MappingResult) -> None:
        records.extend(result[0])
        errors.extend(result[1])

    try:
        identity = _unit_identity(unit)
        households = items(unit, "Resident")
    except (RecordProblem, TypeError, ValueError, AttributeError) as exc:
        where = str(unit.get("UnitID", "")) if isinstance(unit, Mapping) else ""
        return [], [RecordError(where or "(unit)", f"unit cannot be read: {exc}", pms_property_id)]

    for household in households:
        household_id = _safe_id(household)
        primary = partial(
            _person_list,
            household,
            household=household,
            unit=identity,
            pms_property_id=pms_property_id,
            role=ResidentRole.PRIMARY,
        )
        collect(guarded(household_id, pms_property_id, primary))
        try:
            roommates = items(household, "Roommate")
        except RecordProblem as exc:
            errors.append(RecordError(household_id, str(exc), pms_property_id))
            continue
        for roommate in roommates:
            build = partial(
                _roommate_list,
                roommate,
                household=household,
                unit=identity,
                pms_property_id=pms_property_id,
            )
            collect(guarded(_safe_id(roommate), pms_property_id, build))
    return records, errors


def _person_list(person: Mapping[str, Any], **context: Any) -> list[PMSResident]:
    return [_person(person, **context)]


def _roommate_list(roommate: Mapping[str, Any], **context: Any) -> list[PMSResident]:
    role = _role(text(roommate, "Relationship"))
    return [_person(roommate, role=role, **context)]


def _safe_id(record: Mapping[str, Any]) -> str:
    try:
        return text(record, "Id")
    except RecordProblem:
        return ""


MAPPING = VendorMapping(map_property, map_unit_info, map_unit_residents, STATUS_MAP)
