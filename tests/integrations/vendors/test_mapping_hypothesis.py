"""Each vendor's mapping survives whatever a PMS sends: a record or a RecordError, never
an exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.pms import PMSResident, RecordError
from integrations.pms.normalize import normalize_email
from integrations.vendors.appfolio.mapping import map_tenant
from integrations.vendors.buildium.mapping import map_resident as map_buildium
from integrations.vendors.entrata.mapping import map_lease
from integrations.vendors.mri.mapping import map_resident as map_mri
from integrations.vendors.realpage.mapping import map_resident as map_realpage
from integrations.vendors.rentmanager.mapping import map_tenant as map_rentmanager
from integrations.vendors.yardi.mapping import map_resident as map_yardi

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Plausible values mixed with junk, so both the happy path and every odd shape get hit.
plausible = st.sampled_from(
    ["Current", "Past", "Notice", "Future", "Former", "Applicant", "Guarantor", "Primary", "Old",
     "Co-Resident", "Other Resident", "New", "Y", "N",
     "Roommate", "Yes", "No", "08/14/2024", "2024-08-14T00:00:00", "1900-01-01", "13/45/2024",
     "(415) 263-0187", "+44 20 7946 0958", " A@B.CO ", "a@", "Cell", "Mobile", "Home", ""]
)  # fmt: skip
scalar = st.one_of(
    st.none(), plausible, st.text(max_size=12), st.integers(), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
)  # fmt: skip
junk = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


def record(keys: list[str], **nested: st.SearchStrategy) -> st.SearchStrategy:
    """Dicts with any subset of `keys`, each a scalar, junk, or its nested shape."""
    optional = {
        key: st.one_of(scalar, junk, *([nested[key]] if key in nested else [])) for key in keys
    }
    return st.fixed_dictionaries({}, optional=optional)


def one_or_many(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(strategy, st.lists(strategy, max_size=3))


def check(result: tuple[list, list]) -> None:
    records, errors = result
    assert all(isinstance(r, PMSResident) for r in records)
    assert all(isinstance(e, RecordError) and e.message for e in errors)
    for r in records:
        assert r.external_id
        assert r.phone == "" or r.phone.startswith("+")
        assert r.email == "" or normalize_email(r.email) == r.email


yardi_phone = record(["@PhoneType", "PhoneDescription", "PhoneNumber"])
yardi_occupant = record(["@Code", "FirstName", "LastName", "Email", "MoveInDate", "MoveOutDate"])
yardi_resident = record(
    ["@tCode", "Status", "FirstName", "LastName", "Email", "Phone", "UnitCode", "LeaseFromDate",
     "LeaseToDate", "MoveInDate", "MoveOutDate", "NoticeDate", "OtherOccupants"],
    Phone=one_or_many(yardi_phone),
    OtherOccupants=record(["OtherOccupant"], OtherOccupant=one_or_many(yardi_occupant)),
)  # fmt: skip


@SETTINGS
@given(yardi_resident)
def test_yardi(resident):
    records, errors = map_yardi(resident, "p")
    check((records, errors))
    assert records or errors  # a lease holder is never silently dropped


@SETTINGS
@given(junk)
def test_yardi_arbitrary(value):
    if isinstance(value, dict):
        check(map_yardi(value, "p"))


entrata_phone = record(["phoneType", "phoneNumber"])
entrata_customer = record(
    ["id", "customerType", "firstName", "lastName", "emailAddress", "leaseCustomerStatus",
     "moveInDate", "moveOutDate", "phones"],
    phones=record(["phone"], phone=one_or_many(entrata_phone)),
)  # fmt: skip
entrata_lease = record(
    ["id", "propertyId", "leaseStatusTypeId", "leaseIntervalStatus", "unitId", "moveInDate",
     "unitSpaces", "customers", "leaseIntervals"],
    customers=record(["customer"], customer=one_or_many(entrata_customer)),
    unitSpaces=record(["unitSpace"], unitSpace=one_or_many(record(["unitSpace"]))),
    leaseIntervals=record(
        ["leaseInterval"],
        leaseInterval=one_or_many(record(["startDate", "endDate", "leaseIntervalStatusTypeName"])),
    ),
)  # fmt: skip


@SETTINGS
@given(entrata_lease)
def test_entrata(lease):
    records, errors = map_lease(lease, pms_property_id="p")
    check((records, errors))
    assert records or errors  # a lease is never silently dropped


realpage_resident = record(
    ["reshid", "resmid", "relationship", "firstname", "lastname", "unitid", "unitnumber",
     "begindate", "enddate", "moveindate", "moveoutdate", "noticegivendate", "email",
     "homephone", "cellphone", "workphone", "leasestatus"]
)  # fmt: skip
mri_row = record(
    ["ResidentNameID", "PropertyID", "BuildingID", "UnitID", "LeaseID", "FirstName",
     "LastName", "Email", "PhoneNumber", "CellPhoneNumber", "ResidentStatus", "LeaseStart",
     "OccupyDate", "LeaseEnd", "LeaseMoveOut", "ResidentVacateDate", "DateNotified",
     "IsCurrent", "Guarantor", "Namegroup"]
)  # fmt: skip
appfolio_row = record(
    ["selected_tenant_id", "occupancy_id", "property_id", "unit_id", "unit", "first_name",
     "last_name", "emails", "phone_numbers", "status", "tenant_type", "primary_tenant",
     "lease_from", "lease_to", "move_in", "move_out"]
)  # fmt: skip


@SETTINGS
@given(realpage_resident)
def test_realpage(raw):
    result = map_realpage(raw, pms_property_id="p")
    check(result)
    assert len(result[0]) + len(result[1]) == 1


@SETTINGS
@given(mri_row)
def test_mri(raw):
    result = map_mri(raw, "p")
    check(result)
    assert len(result[0]) + len(result[1]) == 1


@SETTINGS
@given(appfolio_row)
def test_appfolio(raw):
    result = map_tenant(raw, pms_property_id="p")
    check(result)
    assert len(result[0]) + len(result[1]) == 1


buildium_phone = record(["Number", "Type"])
buildium_person = record(
    ["Id", "FirstName", "LastName", "Email", "AlternateEmail", "PhoneNumbers"],
    PhoneNumbers=st.lists(buildium_phone, max_size=3),
)
buildium_lease = record(
    ["Id", "PropertyId", "UnitId", "UnitNumber", "LeaseFromDate", "LeaseToDate", "LeaseStatus",
     "CurrentTenants", "Tenants", "MoveOutData", "Cosigners", "_TenantDetails"],
    CurrentTenants=st.lists(buildium_person, max_size=3),
    _TenantDetails=st.lists(buildium_person, max_size=3),
    Cosigners=st.lists(buildium_person, max_size=2),
    Tenants=st.lists(record(["Id", "Status", "MoveInDate"]), max_size=4),
    MoveOutData=st.lists(record(["TenantId", "MoveOutDate", "NoticeGivenDate"]), max_size=3),
)  # fmt: skip
rentmanager_phone = record(
    ["PhoneNumberID", "PhoneNumber", "IsPrimary", "PhoneNumberType"],
    PhoneNumberType=record(["Name"]),
)
rentmanager_lease = record(
    ["LeaseID", "UnitID", "PropertyID", "MoveInDate", "MoveOutDate", "ExpectedMoveOutDate",
     "NoticeDate", "StartDate", "EndDate", "Unit", "LeaseRenewals"],
    Unit=record(["UnitID", "Name"]),
    LeaseRenewals=one_or_many(record(["StartDate", "EndDate"])),
)  # fmt: skip
rentmanager_tenant = record(
    ["TenantID", "Name", "FirstName", "LastName", "Status", "PropertyID", "Contacts", "Leases"],
    Contacts=one_or_many(
        record(["FirstName", "LastName", "IsPrimary", "Email", "PhoneNumbers"],
               PhoneNumbers=one_or_many(rentmanager_phone))
    ),
    Leases=one_or_many(rentmanager_lease),
)  # fmt: skip


@SETTINGS
@given(buildium_lease)
def test_buildium(lease):
    records, errors = map_buildium(lease, "p")
    check((records, errors))
    # Whatever else a lease holds, a guarantor never lives there and a Past lease houses
    # nobody.
    for r in records:
        assert not (r.is_guarantor and r.lifecycle.value == "notice")
        if lease.get("LeaseStatus") == "Past":
            assert r.lifecycle.value == "past"


@SETTINGS
@given(junk)
def test_buildium_arbitrary(value):
    if isinstance(value, dict):
        check(map_buildium(value, "p"))


@SETTINGS
@given(rentmanager_tenant)
def test_rentmanager(raw):
    result = map_rentmanager(raw, pms_property_id="p")
    check(result)
    assert len(result[0]) + len(result[1]) == 1
