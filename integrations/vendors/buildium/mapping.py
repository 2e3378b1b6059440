"""Buildium rows (JSON, field names exactly as Buildium's OpenAPI document spells them) →
normalized types.

A resident row is one lease (LeaseMessage) with the details of its tenants joined in by the
client under DETAILS_KEY: a lease names every tenant ever on it in `Tenants` (Id, Status,
MoveInDate) but carries names and contacts only for its `CurrentTenants`; the others come
from /v1/leases/tenants. One row holds several people, like a Yardi unit: each tenant on
the lease, and each cosigner (a guarantor: never given keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from integrations.pms.fields import RecordProblem, date_field, items, mapping, text
from integrations.pms.lifecycle import Signals, status_lifecycle
from integrations.pms.mapping import MappingResult, VocabularyTable, guarded
from integrations.pms.normalize import ISO_DATE_FORMATS, US_DATE_FORMATS, first_email, pick_phone
from integrations.pms.types import (
    Lifecycle,
    PMSProperty,
    PMSResident,
    PMSUnit,
    RecordError,
    ResidentRole,
    StatusReading,
)
from integrations.pms.vendor import VendorMapping
from integrations.vendors.buildium.statuses import COSIGNER_STATUS, LEASE_STATUS_MAP, STATUS_MAP

DATE_FORMATS = ISO_DATE_FORMATS + US_DATE_FORMATS
STATUSES = VocabularyTable("Buildium", "tenant status", STATUS_MAP)
LEASE_STATUSES = VocabularyTable("Buildium", "lease status", LEASE_STATUS_MAP)
# Where the client puts the TenantMessage of each tenant of a lease it read.
DETAILS_KEY = "_TenantDetails"


def buildium_date(record: Mapping[str, Any], key: str) -> date | None:
    # "2024-05-01" (OpenAPI format: date); date-times are read for their day.
    return date_field(record, key, DATE_FORMATS)


def map_property(raw: Mapping[str, Any]) -> PMSProperty | None:
    # RentalMessage: Id, Name, Address{AddressLine1, City, State, PostalCode}.
    property_id = text(raw, "Id")
    if not property_id:
        return None
    address = mapping(raw, "Address")
    city_line = " ".join(
        p for p in (text(address, "City"), text(address, "State"), text(address, "PostalCode")) if p
    )
    street = text(address, "AddressLine1")
    return PMSProperty(
        id=property_id,
        name=text(raw, "Name") or property_id,
        address=", ".join(p for p in (street, city_line) if p),
    )


def map_unit(raw: Mapping[str, Any], pms_property_id: str) -> PMSUnit | None:
    # RentalUnitMessage: Id (unique across the account), PropertyId, BuildingName, UnitNumber.
    unit_id = text(raw, "Id")
    if not unit_id:
        return None
    return PMSUnit(
        id=unit_id,
        pms_property_id=text(raw, "PropertyId") or pms_property_id,
        name=text(raw, "UnitNumber") or unit_id,
        building=text(raw, "BuildingName"),
    )


def _phone(person: Mapping[str, Any]) -> str:
    # PhoneNumbers: [{Number, Type}] with Type Home, Office, Cell, … (PhoneNumberMessage).
    return pick_phone(
        (text(phone, "Type"), text(phone, "Number")) for phone in items(person, "PhoneNumbers")
    )


def lifecycle_of(
    lease_status: str, tenant_status: str, move_out: date | None, notice: date | None,
    move_in: date | None,
) -> tuple[Lifecycle, StatusReading]:  # fmt: skip
    """Where one tenant stands: their own status, bounded by the lease's.

    A Past lease ends everyone's stay (a tenant left "Current" on it has not been moved out
    in Buildium, but lives under no lease); a tenant on an Active lease with a move-out
    recorded for them (MoveOutData) is on notice until the move-out is done ("MovedOut").
    """
    signals = Signals(move_in=move_in, move_out=move_out)
    lifecycle, reading = status_lifecycle(STATUSES, tenant_status, signals)
    on_lease = LEASE_STATUSES.get(lease_status)
    if on_lease is Lifecycle.PAST and lifecycle is not Lifecycle.PAST:
        return Lifecycle.PAST, StatusReading.KNOWN
    if lifecycle is Lifecycle.CURRENT and (move_out or notice):
        return Lifecycle.NOTICE, reading
    return lifecycle, reading


def _tenants(lease: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Tenant details by id: the lease's CurrentTenants over what the client joined in
    (the lease is the fresher read of the two)."""
    found = {text(t, "Id"): t for t in items(lease, DETAILS_KEY)}
    found.update({text(t, "Id"): t for t in items(lease, "CurrentTenants")})
    return found


def _person(
    lease: Mapping[str, Any],
    pms_property_id: str,
    person: Mapping[str, Any],
    *,
    external_id: str,
    raw_status: str,
    lifecycle: Lifecycle,
    reading: StatusReading,
    role: ResidentRole,
    move_in: date | None,
    move_out: date | None,
) -> PMSResident:
    email, raw_email = first_email([text(person, "Email"), text(person, "AlternateEmail")])
    unit_id = text(lease, "UnitId")
    return PMSResident(
        external_id=external_id,
        pms_property_id=text(lease, "PropertyId") or pms_property_id,
        first_name=text(person, "FirstName"),
        last_name=text(person, "LastName"),
        email=email,
        phone=_phone(person),
        lease_start=buildium_date(lease, "LeaseFromDate"),
        lease_end=buildium_date(lease, "LeaseToDate"),
        move_in=move_in,
        move_out=move_out,
        unit_id=unit_id,
        unit_name=text(lease, "UnitNumber") or unit_id,
        raw_status=raw_status,
        lifecycle=lifecycle,
        status_reading=reading,
        role=role,
        lease_id=text(lease, "Id"),
        raw_email=raw_email,
    )


def _lease_people(lease: Mapping[str, Any], pms_property_id: str) -> MappingResult:
    lease_id = text(lease, "Id")
    if not lease_id:
        raise RecordProblem("lease has no Id")
    lease_status = text(lease, "LeaseStatus")
    details = _tenants(lease)
    move_outs = {text(m, "TenantId"): m for m in items(lease, "MoveOutData")}
    people: list[PMSResident] = []
    errors: list[RecordError] = []
    # Tenants lists everyone ever on the lease, in Buildium's order; the first is taken
    # for the lease holder (Buildium names none; an assumption, see fixtures/README.md).
    for index, entry in enumerate(items(lease, "Tenants")):
        tenant_id = text(entry, "Id")

        def build(entry: Mapping[str, Any] = entry, index: int = index) -> list[PMSResident]:
            tenant_id = text(entry, "Id")
            if not tenant_id:
                raise RecordProblem(f"lease {lease_id} lists a tenant without an Id")
            person = details.get(tenant_id)
            if person is None:
                raise RecordProblem(f"tenant {tenant_id} of lease {lease_id} was not found")
            moving = move_outs.get(tenant_id, {})
            move_out = buildium_date(moving, "MoveOutDate")
            move_in = buildium_date(entry, "MoveInDate")
            status = text(entry, "Status")
            lifecycle, reading = lifecycle_of(
                lease_status, status, move_out, buildium_date(moving, "NoticeGivenDate"), move_in
            )
            return [
                _person(
                    lease, pms_property_id, person, external_id=tenant_id, raw_status=status,
                    lifecycle=lifecycle, reading=reading,
                    role=ResidentRole.PRIMARY if index == 0 else ResidentRole.ROOMMATE,
                    move_in=move_in, move_out=move_out,
                )
            ]  # fmt: skip

        built, failed = guarded(tenant_id, pms_property_id, build)
        people.extend(built)
        errors.extend(failed)
    # Cosigners sign for the lease and never live there: guarantors, never given keys.
    for cosigner in items(lease, "Cosigners"):
        cosigner_id = text(cosigner, "Id")

        def guarantor(cosigner: Mapping[str, Any] = cosigner) -> list[PMSResident]:
            cosigner_id = text(cosigner, "Id")
            if not cosigner_id:
                raise RecordProblem(f"lease {lease_id} lists a cosigner without an Id")
            status = COSIGNER_STATUS.get(lease_status, "")
            lifecycle, reading = lifecycle_of(lease_status, status, None, None, None)
            return [
                _person(
                    lease, pms_property_id, cosigner, external_id=f"cosigner-{cosigner_id}",
                    raw_status=status, lifecycle=lifecycle, reading=reading,
                    role=ResidentRole.GUARANTOR, move_in=None, move_out=None,
                )
            ]  # fmt: skip

        built, failed = guarded(f"cosigner-{cosigner_id}", pms_property_id, guarantor)
        people.extend(built)
        errors.extend(failed)
    return people, errors


def map_resident(raw: Mapping[str, Any], pms_property_id: str) -> MappingResult:
    try:
        lease_id = text(raw, "Id")
    except RecordProblem:
        lease_id = ""
    people: MappingResult = ([], [])

    def build() -> list[PMSResident]:
        found, failed = _lease_people(raw, pms_property_id)
        people[1].extend(failed)
        return found

    built, failed = guarded(f"lease {lease_id}", pms_property_id, build)
    return built, people[1] + failed


MAPPING = VendorMapping(map_property, map_unit, map_resident, STATUS_MAP)
