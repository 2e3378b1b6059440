"""Yardi records (XML read into dicts, element names exactly as Voyager sends them) →
normalized types.

Every element read here appears in a public source; fixtures/ holds a sample of each
answer naming them. Names are matched case-sensitively: <UnitCode>, not <UnitCODE>.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

from integrations.pms.fields import RecordProblem, date_field, items, mapping, text
from integrations.pms.lifecycle import Signals, status_lifecycle
from integrations.pms.mapping import MappingResult, VocabularyTable, guarded
from integrations.pms.normalize import ISO_DATE_FORMATS, US_DATE_FORMATS, first_email, pick_phone
from integrations.pms.types import (
    PMSProperty,
    PMSResident,
    PMSUnit,
    RecordError,
    ResidentRole,
)
from integrations.pms.vendor import VendorMapping
from integrations.vendors.yardi.statuses import STATUS_MAP

# GetResidents writes dates the US way (a public Ruby client turns "m/d/Y" around);
# Voyager's MITS answers elsewhere use ISO (GetResidentData sample), so both are read.
DATE_FORMATS = US_DATE_FORMATS + ISO_DATE_FORMATS
STATUSES = VocabularyTable("Yardi", "resident status", STATUS_MAP)


def map_property(raw: Mapping[str, Any]) -> PMSProperty | None:
    # Property{Code, MarketingName, AddressLine1, City, State, PostalCode}:
    # Credit-Jeeves …/Yardi/Soap/Property.php; GetCovered …/yardi/sync/communities.rb.
    code = text(raw, "Code")
    if not code:
        return None
    city_line = " ".join(
        part for part in (text(raw, "City"), text(raw, "State"), text(raw, "PostalCode")) if part
    )
    address = ", ".join(part for part in (text(raw, "AddressLine1"), city_line) if part)
    return PMSProperty(id=code, name=text(raw, "MarketingName") or code, address=address)


def unit_key(pms_property_id: str, code: str) -> str:
    """A unit code is unique within one Voyager property only: the property is part of the
    id, or "A-101" of two properties would be one unit."""
    return f"{pms_property_id}/{code}" if code else ""


def map_unit(raw: Mapping[str, Any], pms_property_id: str) -> PMSUnit | None:
    """One <UnitInfo> of GetUnitInformation (or a {"UnitID": code} named by GetResidents).

    The unit code (<UnitID>'s text) names the unit: it is what a resident's <UnitCode>
    names, and it is unique within a Voyager property. The building is
    <Unit><BuildingName> (GetCovered's format example); Voyager publishes no floor here.
    """
    code = text(raw, "UnitID")
    if not code:
        return None
    details = mapping(raw, "Unit")
    return PMSUnit(
        id=unit_key(pms_property_id, code),
        pms_property_id=pms_property_id,
        name=code,
        building=text(details, "BuildingName"),
    )


def map_resident(raw: Mapping[str, Any], pms_property_id: str) -> MappingResult:
    """One <Resident> of GetResidents: the lease holder, and each <OtherOccupant> of the
    lease (Credit-Jeeves reads those as the lease's roommates: MappingYardi.php)."""
    records: list[PMSResident] = []
    errors: list[RecordError] = []
    household_id = _safe(raw, "@tCode")
    primary = partial(_holder, raw, pms_property_id=pms_property_id)
    built, failed = guarded(household_id, pms_property_id, primary)
    records.extend(built)
    errors.extend(failed)
    try:
        others = [
            person
            for group in items(raw, "OtherOccupants")
            for person in items(group, "OtherOccupant")
        ]
    except RecordProblem as exc:
        errors.append(RecordError(household_id or "(no id)", str(exc), pms_property_id))
        return records, errors
    for person in others:
        build = partial(_occupant, person, household=raw, pms_property_id=pms_property_id)
        built, failed = guarded(_safe(person, "@Code"), pms_property_id, build)
        records.extend(built)
        errors.extend(failed)
    return records, errors


def _holder(raw: Mapping[str, Any], *, pms_property_id: str) -> list[PMSResident]:
    tenant_code = text(raw, "@tCode")
    if not tenant_code:
        raise RecordProblem("record has no tCode")
    phone = pick_phone(_phones(raw))
    return [
        _resident(
            raw,
            external_id=tenant_code,
            household=raw,
            pms_property_id=pms_property_id,
            role=ResidentRole.PRIMARY,
            phone=phone,
            move_in=date_field(raw, "MoveInDate", DATE_FORMATS),
            move_out=date_field(raw, "MoveOutDate", DATE_FORMATS),
        )
    ]


def _occupant(
    person: Mapping[str, Any], *, household: Mapping[str, Any], pms_property_id: str
) -> list[PMSResident]:
    code = text(person, "@Code")
    if not code:
        raise RecordProblem("other occupant has no Code")
    # An occupant without dates of their own moves with the lease holder.
    move_in = date_field(person, "MoveInDate", DATE_FORMATS) or date_field(
        household, "MoveInDate", DATE_FORMATS
    )
    move_out = date_field(person, "MoveOutDate", DATE_FORMATS) or date_field(
        household, "MoveOutDate", DATE_FORMATS
    )
    return [
        _resident(
            person,
            external_id=code,
            household=household,
            pms_property_id=pms_property_id,
            # GetResidents says nothing of an occupant's relationship; they live in the unit.
            role=ResidentRole.ROOMMATE,
            # No public source shows phones on an <OtherOccupant>.
            phone="",
            move_in=move_in,
            move_out=move_out,
        )
    ]


def _resident(
    person: Mapping[str, Any],
    *,
    external_id: str,
    household: Mapping[str, Any],
    pms_property_id: str,
    role: ResidentRole,
    phone: str,
    move_in: date | None,
    move_out: date | None,
) -> PMSResident:
    # An <OtherOccupant> has no <Status>: the lease's status is theirs (their own move-out
    # date, kept above, says when they left before the others). A status the vocabulary
    # lacks is read from the dates (pms/lifecycle.py); Yardi sends no "is current" flag.
    raw_status = text(household, "Status")
    lifecycle, reading = status_lifecycle(
        STATUSES, raw_status, Signals(move_in=move_in, move_out=move_out)
    )
    email, raw_email = first_email([text(person, "Email")])
    unit_code = text(household, "UnitCode")
    return PMSResident(
        external_id=external_id,
        pms_property_id=pms_property_id,
        first_name=text(person, "FirstName"),
        last_name=text(person, "LastName"),
        email=email,
        phone=phone,
        lease_start=date_field(household, "LeaseFromDate", DATE_FORMATS),
        lease_end=date_field(household, "LeaseToDate", DATE_FORMATS),
        move_in=move_in,
        move_out=move_out,
        unit_id=unit_key(pms_property_id, unit_code),
        unit_name=unit_code,
        raw_status=raw_status,
        lifecycle=lifecycle,
        status_reading=reading,
        role=role,
        lease_id=text(household, "@tCode"),
        raw_email=raw_email,
    )


def _phones(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, number) of each <Phone>: the PhoneType attribute, else its PhoneDescription."""
    found = []
    for phone in items(raw, "Phone"):
        kind = text(phone, "@PhoneType") or text(phone, "PhoneDescription")
        found.append((kind, text(phone, "PhoneNumber")))
    return found


def _safe(record: Mapping[str, Any], key: str) -> str:
    try:
        return text(record, key)
    except RecordProblem:
        return ""


MAPPING = VendorMapping(map_property, map_unit, map_resident, STATUS_MAP)
