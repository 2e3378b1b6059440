"""RealPage records (XML read into dicts) → normalized types.

Element names are read exactly as RPX sends them: PascalCase in getsitelist and the unit
lists, lower case in getresidentlist. fixtures/README.md lists each with its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import partial
from typing import Any

from integrations.pms.fields import RecordProblem, date_field, mapping, text
from integrations.pms.lifecycle import Signals, status_lifecycle
from integrations.pms.mapping import MappingResult, VocabularyTable, guarded, role_for
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
from integrations.vendors.realpage.statuses import ROLE_MAP, STATUS_MAP

DATE_FORMATS = ISO_DATE_FORMATS + US_DATE_FORMATS
STATUSES = VocabularyTable("RealPage", "lease status", STATUS_MAP)
ROLES = VocabularyTable("RealPage", "relationship", ROLE_MAP)


def map_site(raw: Mapping[str, Any]) -> PMSProperty | None:
    # getsitelist Site{SiteID, SiteName, Adr1, City, State, Zip} (NASAdash
    # realpage_client.py and REALPAGE_FIELD_MAPPING.md).
    site_id = text(raw, "SiteID")
    if not site_id:
        return None
    city_line = " ".join(p for p in (text(raw, "City"), text(raw, "State"), text(raw, "Zip")) if p)
    address = ", ".join(p for p in (text(raw, "Adr1"), city_line) if p)
    return PMSProperty(id=site_id, name=text(raw, "SiteName") or site_id, address=address)


def map_unit(raw: Mapping[str, Any], pms_property_id: str) -> PMSUnit | None:
    """A getunitlist UnitObject, or a unitlist Unit when the license fell back to it."""
    if "Address" in raw or "UnitDetails" in raw:
        # UnitObject{Address{UnitID, UnitNumber, BuildingID}, UnitDetails{FloorNumber}}
        # (quext-qio/integrations-iti DataRealpage.py; tghp/realpage-api).
        address, details = mapping(raw, "Address"), mapping(raw, "UnitDetails")
        unit_id, number = text(address, "UnitID"), text(address, "UnitNumber")
        building, floor = text(address, "BuildingID"), text(details, "FloorNumber")
    else:
        # Unit{UnitID, UnitNumber, BuildingName, Floor} (NASAdash realpage_client.py).
        unit_id, number = text(raw, "UnitID"), text(raw, "UnitNumber")
        building, floor = text(raw, "BuildingName"), text(raw, "Floor")
    unit_id = unit_id or number
    if not unit_id:
        return None
    return PMSUnit(
        id=unit_id,
        pms_property_id=pms_property_id,
        name=number or unit_id,
        building=building,
        floor=floor or None,
    )


def lifecycle_for(
    raw_status: str, notice_given: date | None, signals: Signals
) -> tuple[Lifecycle, StatusReading]:
    lifecycle, reading = status_lifecycle(STATUSES, raw_status, signals)
    if lifecycle is Lifecycle.CURRENT and notice_given is not None:
        return Lifecycle.NOTICE, reading
    return lifecycle, reading


def _resident(raw: Mapping[str, Any], pms_property_id: str) -> list[PMSResident]:
    external_id = _external_id(raw)
    if not external_id:
        raise RecordProblem("record has no resident member id (resmid)")
    raw_status = text(raw, "leasestatus")
    email, raw_email = first_email([text(raw, "email")])
    phone = pick_phone([("cell", text(raw, "cellphone")), ("home", text(raw, "homephone"))])
    move_in = date_field(raw, "moveindate", DATE_FORMATS)
    move_out = date_field(raw, "moveoutdate", DATE_FORMATS)
    lifecycle, reading = lifecycle_for(
        raw_status,
        date_field(raw, "noticegivendate", DATE_FORMATS),
        Signals(move_in=move_in, move_out=move_out),
    )
    return [
        PMSResident(
            external_id=external_id,
            pms_property_id=pms_property_id,
            first_name=text(raw, "firstname"),
            last_name=text(raw, "lastname"),
            email=email,
            phone=phone,
            lease_start=date_field(raw, "begindate", DATE_FORMATS),
            lease_end=date_field(raw, "enddate", DATE_FORMATS),
            move_in=move_in,
            move_out=move_out,
            unit_id=text(raw, "unitid") or text(raw, "unitnumber"),
            unit_name=text(raw, "unitnumber"),
            raw_status=raw_status,
            lifecycle=lifecycle,
            status_reading=reading,
            role=role_for(ROLES, text(raw, "relationship"), default=ResidentRole.PRIMARY),
            lease_id=text(raw, "leaseid") or text(raw, "reshid"),
            raw_email=raw_email,
        )
    ]


def _external_id(raw: Mapping[str, Any]) -> str:
    """household:member — member ids are only unique within a household (reshid)."""
    member = text(raw, "resmid")
    if not member:
        return ""
    household = text(raw, "reshid")
    return f"{household}:{member}" if household else member


def map_resident(raw: Mapping[str, Any], pms_property_id: str) -> MappingResult:
    try:
        external_id = _external_id(raw)
    except RecordProblem:
        external_id = ""
    return guarded(external_id, pms_property_id, partial(_resident, raw, pms_property_id))


MAPPING = VendorMapping(map_site, map_unit, map_resident, STATUS_MAP)
