"""AppFolio report rows → normalized types: one tenant_directory row per tenant.

Field names are AppFolio's snake_case, read exactly; each is listed with its public
source in fixtures/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from integrations.pms.fields import RecordProblem, date_field, flag, text
from integrations.pms.lifecycle import Signals, status_lifecycle
from integrations.pms.mapping import MappingResult, VocabularyTable, guarded, role_for
from integrations.pms.normalize import ISO_DATE_FORMATS, US_DATE_FORMATS, first_email, pick_phone
from integrations.pms.types import PMSProperty, PMSResident, PMSUnit, ResidentRole
from integrations.pms.vendor import VendorMapping
from integrations.vendors.appfolio.statuses import ROLE_MAP, STATUS_MAP

DATE_FORMATS = ISO_DATE_FORMATS + US_DATE_FORMATS
STATUSES = VocabularyTable("AppFolio", "tenant status", STATUS_MAP)
ROLES = VocabularyTable("AppFolio", "tenant type", ROLE_MAP)
# "Mobile: (415) 263-0187, Home: 212-555-0199" — a label, a colon, a number.
_LABELLED = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.+?)\s*$")
# emails and phone_numbers hold several values in one string, separated by ";" or ","
# (a public client confirmed against a live database splits on both).
_SEPARATORS = re.compile(r"[;,]")


def phone_pairs(raw: str) -> list[tuple[str, str]]:
    """(label, number) pairs from AppFolio's one-string phone list."""
    pairs = []
    for part in _SEPARATORS.split(raw):
        if not part.strip():
            continue
        match = _LABELLED.match(part)
        pairs.append((match.group(1), match.group(2)) if match else ("", part.strip()))
    return pairs


def map_property(raw: Mapping[str, Any]) -> PMSProperty | None:
    # property_directory.json: property_id, property_name, property_street, property_city,
    # property_state, property_zip (StantonManagement/SupabaseAF_appfolo
    # app/helpers/constants.py FIELD_MAP["property_directory"]).
    property_id = text(raw, "property_id")
    if not property_id:
        return None
    city_line = " ".join(
        p
        for p in (
            text(raw, "property_city"),
            text(raw, "property_state"),
            text(raw, "property_zip"),
        )
        if p
    )
    street = ", ".join(
        p for p in (text(raw, "property_street"), text(raw, "property_street2")) if p
    )
    return PMSProperty(
        id=property_id,
        name=text(raw, "property_name") or property_id,
        address=", ".join(p for p in (street, city_line) if p),
    )


def map_unit(raw: Mapping[str, Any], pms_property_id: str) -> PMSUnit | None:
    # unit_directory.json: unit_id, unit_name, property_id (SupabaseAF_appfolo
    # developer_docs/TABLES.md AF_UnitDirectory). AppFolio names no building and no floor
    # on a unit, so none is made up.
    unit_id = text(raw, "unit_id")
    if not unit_id:
        return None
    return PMSUnit(
        id=unit_id,
        pms_property_id=text(raw, "property_id") or pms_property_id,
        name=text(raw, "unit_name") or unit_id,
    )


def _role(raw: Mapping[str, Any]) -> ResidentRole:
    role = role_for(ROLES, text(raw, "tenant_type"), default=ResidentRole.ROOMMATE)
    # The primary tenant flag marks the lease holder — never turning a guarantor into one.
    if flag(raw, "primary_tenant") and role is not ResidentRole.GUARANTOR:
        return ResidentRole.PRIMARY
    return role


def _tenant(raw: Mapping[str, Any], pms_property_id: str) -> list[PMSResident]:
    external_id = text(raw, "selected_tenant_id")
    if not external_id:
        raise RecordProblem("row has no selected_tenant_id")
    raw_status = text(raw, "status")
    # emails may hold several addresses ("a@x.com; b@y.com"); first_email splits them.
    email, raw_email = first_email([text(raw, "emails")])
    move_in = date_field(raw, "move_in", DATE_FORMATS)
    move_out = date_field(raw, "move_out", DATE_FORMATS)
    lifecycle, reading = status_lifecycle(
        STATUSES, raw_status, Signals(move_in=move_in, move_out=move_out)
    )
    return [
        PMSResident(
            external_id=external_id,
            pms_property_id=text(raw, "property_id") or pms_property_id,
            first_name=text(raw, "first_name"),
            last_name=text(raw, "last_name"),
            email=email,
            phone=pick_phone(phone_pairs(text(raw, "phone_numbers"))),
            lease_start=date_field(raw, "lease_from", DATE_FORMATS),
            lease_end=date_field(raw, "lease_to", DATE_FORMATS),
            move_in=move_in,
            move_out=move_out,
            unit_id=text(raw, "unit_id"),
            unit_name=text(raw, "unit"),
            raw_status=raw_status,
            lifecycle=lifecycle,
            status_reading=reading,
            role=_role(raw),
            lease_id=text(raw, "occupancy_id"),
            raw_email=raw_email,
        )
    ]


def map_tenant(raw: Mapping[str, Any], pms_property_id: str = "") -> MappingResult:
    try:
        external_id = text(raw, "selected_tenant_id")
    except RecordProblem:
        external_id = ""
    return guarded(external_id, pms_property_id, partial(_tenant, raw, pms_property_id))


MAPPING = VendorMapping(map_property, map_unit, map_tenant, STATUS_MAP)
