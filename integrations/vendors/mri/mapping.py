"""MRI rows (JSON, field names exactly as MRI sends them) → normalized types.

One resident row per person; the people of one lease share PropertyID/BuildingID/UnitID/
LeaseID. Every field read here appears in a public sample (fixtures/ names each source);
names are matched case-sensitively — MRI writes "Zipcode" on these rows and "ZipCode" on
property rows, and both are read as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from integrations.pms.fields import RecordProblem, date_field, flag, text
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
from integrations.vendors.mri.statuses import ROLE_STATUSES, STATUS_MAP

DATE_FORMATS = ISO_DATE_FORMATS + US_DATE_FORMATS
STATUSES = VocabularyTable("MRI", "resident status", STATUS_MAP)
ROLES = VocabularyTable("MRI", "resident status", ROLE_STATUSES)


def unit_key(property_id: str, building_id: str, unit_id: str) -> str:
    """MRI numbers units within a building of a property, so both are part of a unit's id.

    Without the building, "A/101" and "B/101" would be one unit; without the property, the
    "A/101" of two PMS properties would be.
    """
    return "/".join(part for part in (property_id, building_id, unit_id) if part)


def mri_date(record: Mapping[str, Any], key: str) -> date | None:
    """A date field: "2024-05-01T00:00:00", with seven fractional digits on some installs
    ("…T00:00:00.0000000", Credit-Jeeves' public sample); the day is what counts."""
    return date_field(record, key, DATE_FORMATS)


# LastUpdateDate has no offset: the MRI database server's local time, which no client can
# know. Read as the earliest instant it can be (a server at UTC+14), so a cursor built on
# it never passes a change (integrations/sync/changes.py).
_EARLIEST_ZONE = timedelta(hours=14)
_FRACTION = re.compile(r"(\.\d{6})\d+")


def last_update(raw: Mapping[str, Any]) -> datetime | None:
    """When MRI last updated the row ("2020-02-25T19:46:00": mri_hook's public sample), as
    an aware UTC time no later than the real one; None when absent or unreadable — a row
    without it is still a row, only no evidence of MRI's clock."""
    value = raw.get("LastUpdateDate")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        # Seven fractional digits on some installs: Python reads at most six.
        found = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    except ValueError:
        return None
    if found.tzinfo is not None:
        return found.astimezone(UTC)
    return found.replace(tzinfo=UTC) - _EARLIEST_ZONE


def map_property(raw: Mapping[str, Any]) -> PMSProperty | None:
    # MRI_S-PMRM_PropertyIDByNameOrAddress rows: PropertyID, PropertyName, Address1, City,
    # State, ZipCode (the public Python MRIIntegration script reads exactly these).
    property_id = text(raw, "PropertyID")
    if not property_id:
        return None
    city_line = " ".join(
        p for p in (text(raw, "City"), text(raw, "State"), text(raw, "ZipCode")) if p
    )
    address = ", ".join(p for p in (text(raw, "Address1"), city_line) if p)
    return PMSProperty(
        id=property_id, name=text(raw, "PropertyName") or property_id, address=address
    )


def map_unit(raw: Mapping[str, Any], pms_property_id: str) -> PMSUnit | None:
    # MRI_S-PMRM_ResidentialRentRoll rows (or resident rows, when the rent roll is not
    # available to the key): PropertyID, BuildingID, UnitID (Credit-Jeeves Model/MRI/Value.php).
    unit_id = text(raw, "UnitID")
    if not unit_id:
        return None
    building = text(raw, "BuildingID")
    return PMSUnit(
        id=unit_key(text(raw, "PropertyID") or pms_property_id, building, unit_id),
        pms_property_id=pms_property_id,
        name=unit_id,
        building=building,
    )


def role_of(raw: Mapping[str, Any]) -> ResidentRole:
    """Guarantor "Y" first (a guarantor must never get keys), then what the status says."""
    if flag(raw, "Guarantor"):
        return ResidentRole.GUARANTOR
    found = ROLES.get(text(raw, "ResidentStatus"))
    if found is not None:
        return found
    # A lease holder's row names itself as the household (Namegroup = ResidentNameID).
    group = text(raw, "Namegroup")
    if group and group != text(raw, "ResidentNameID"):
        return ResidentRole.ROOMMATE
    return ResidentRole.PRIMARY


def lifecycle_of(raw: Mapping[str, Any]) -> tuple[Lifecycle, StatusReading]:
    """Where the person stands, and how that was read (pms/lifecycle.py)."""
    status = text(raw, "ResidentStatus")
    vacated = mri_date(raw, "ResidentVacateDate")
    planned = mri_date(raw, "LeaseMoveOut")
    leaving = planned or mri_date(raw, "DateNotified")
    current = flag(raw, "IsCurrent")
    if ROLES.get(status) is not None:
        # Co-Resident / Other Resident are known statuses that say who, not where: IsCurrent
        # says whether they live there now.
        if current is True:
            living = Lifecycle.NOTICE if leaving and not vacated else Lifecycle.CURRENT
            return living, StatusReading.KNOWN
        if current is False:
            ended = Lifecycle.PAST if vacated or planned else Lifecycle.FUTURE
            return ended, StatusReading.KNOWN
    signals = Signals(move_in=mri_date(raw, "OccupyDate"), move_out=vacated or planned,
                      current=current)  # fmt: skip
    lifecycle, reading = status_lifecycle(STATUSES, status, signals)
    if lifecycle is Lifecycle.CURRENT and leaving and not vacated:
        # A Current row with a planned move-out or a notice date: on notice.
        return Lifecycle.NOTICE, reading
    return lifecycle, reading


def _resident(raw: Mapping[str, Any], pms_property_id: str) -> list[PMSResident]:
    external_id = text(raw, "ResidentNameID")
    if not external_id:
        raise RecordProblem("row has no ResidentNameID")
    raw_status = text(raw, "ResidentStatus")
    email, raw_email = first_email([text(raw, "Email")])
    unit_id = text(raw, "UnitID")
    property_id = text(raw, "PropertyID") or pms_property_id
    unit = unit_key(property_id, text(raw, "BuildingID"), unit_id) if unit_id else ""
    lease = text(raw, "LeaseID")
    lifecycle, reading = lifecycle_of(raw)
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
            lease_start=mri_date(raw, "LeaseStart"),
            lease_end=mri_date(raw, "LeaseEnd"),
            move_in=mri_date(raw, "OccupyDate"),
            # The actual vacate date when there is one, else the planned move-out.
            move_out=mri_date(raw, "ResidentVacateDate") or mri_date(raw, "LeaseMoveOut"),
            unit_id=unit,
            unit_name=unit_id,
            raw_status=raw_status,
            lifecycle=lifecycle,
            status_reading=reading,
            role=role_of(raw),
            # LeaseID counts leases within one unit ("1", "2", …): the unit makes it unique.
            lease_id=f"{unit}#{lease}" if lease else "",
            raw_email=raw_email,
            modified_at=last_update(raw),
        )
    ]


def map_resident(raw: Mapping[str, Any], pms_property_id: str) -> MappingResult:
    try:
        external_id = text(raw, "ResidentNameID")
    except RecordProblem:
        external_id = ""
    return guarded(external_id, pms_property_id, partial(_resident, raw, pms_property_id))


def one_row_per_person(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One row per ResidentNameID, where MRI lists a person on more than one lease.

    A renewal shows the people of a household twice: on the lease in force (IsCurrent "Y")
    and on the next one ("New", or a Co-Resident row not yet current). They live there; the
    next lease is not a move-in, and must never interrupt their access. So the row of the
    lease they live under now wins; else a lease yet to start (a transfer to another unit
    after moving out) over one that ended; among equals, the later LeaseStart. Rows of people
    listed once pass unchanged, in MRI's order.
    """
    rows = list(rows)
    best: dict[str, tuple[tuple[int, str], int]] = {}
    for index, row in enumerate(rows):
        try:
            person = text(row, "ResidentNameID")
            rank = (_standing(row), text(row, "LeaseStart"))
        except RecordProblem:
            continue
        if not person:
            continue
        held = best.get(person)
        if held is None or (-rank[0], rank[1]) > (-held[0][0], held[0][1]):
            best[person] = (rank, index)
    kept = []
    for index, row in enumerate(rows):
        try:
            person = text(row, "ResidentNameID")
        except RecordProblem:
            person = ""
        if not person or person not in best or best[person][1] == index:
            kept.append(row)
    return kept


def _standing(row: Mapping[str, Any]) -> int:
    """0: lives there now, 1: lease yet to start, 2: lease over — from IsCurrent and dates."""
    if flag(row, "IsCurrent"):
        return 0
    ended = text(row, "ResidentVacateDate") or text(row, "LeaseMoveOut")
    if ended or text(row, "ResidentStatus") == "Old":
        return 2
    return 1


MAPPING = VendorMapping(map_property, map_unit, map_resident, STATUS_MAP)
