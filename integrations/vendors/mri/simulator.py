"""MRI's api.asp JSON API, as the simulator speaks it: the public shapes of fixtures/
(field names and case as MRI's public clients read them), rendered from the data set."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import LINKS, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS
from integrations.simulator.data import SimResident, SimUnit
from integrations.simulator.render import iso_datetime
from integrations.simulator.server import SimRequest, SimResponse, SimState

MAX_TOP = 1000
# The zone the simulated MRI database server keeps its clock in: LastUpdateDate is written
# and read as its local time, with no offset (as in mri_hook's public sample).
SERVER_ZONE = ZoneInfo("America/Chicago")
PROPERTIES_API = "MRI_S-PMRM_PropertyIDByNameOrAddress"
UNITS_API = "MRI_S-PMRM_ResidentialRentRoll"
RESIDENTS_API = "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID"
# The lease holder's ResidentStatus, written from the vendor's side (public samples:
# Current, Old; New for a pending move-in). A notice is a Current row with a planned move-out.
# MRI's resident-lease rows hold no applicants or cancelled leases.
RAW_STATUSES: dict[Lifecycle, tuple[str, ...]] = {
    Lifecycle.FUTURE: ("New",),
    Lifecycle.CURRENT: ("Current",),
    Lifecycle.NOTICE: ("Current",),
    Lifecycle.PAST: ("Old",),
}
# Everyone else on the lease is named by role, whatever their standing.
ROLE_STATUSES: dict[ResidentRole, str] = {
    ResidentRole.ROOMMATE: "Co-Resident",
    ResidentRole.OCCUPANT: "Other Resident",
    ResidentRole.GUARANTOR: "Other Resident",
}


ROLE_NAMES: dict[ResidentRole, tuple[str, ...]] = {
    ResidentRole.PRIMARY: ("Current",),
    **{role: (name,) for role, name in ROLE_STATUSES.items()},
}


def record_id(resident: SimResident) -> str:
    """MRI's ResidentNameID: ten digits ("0000000412" in the public samples)."""
    return f"{resident.id:010d}"


def status_of(resident: SimResident) -> str | None:
    names = RAW_STATUSES.get(resident.lifecycle)
    if not names:
        return None
    return ROLE_STATUSES.get(resident.role, names[0])


# How this wire expresses the adversarial behaviours (integrations/simulator/adversary.py).
TRAITS = WireTraits(
    paging=LINKS,
    date_fields=frozenset(
        {
            "LeaseStart",
            "OccupyDate",
            "LeaseEnd",
            "LeaseMoveOut",
            "ResidentVacateDate",
            "DateNotified",
        }
    ),
    date_styles=(
        iso_datetime,
        lambda day: f"{day.isoformat()}T00:00:00.000",
        # Seven fractional digits (Credit-Jeeves' public sample).
        lambda day: f"{day.isoformat()}T00:00:00.0000000",
        lambda day: f"{day.isoformat()}T00:00:00-06:00",
        lambda day: day.isoformat(),
    ),
    optional_fields=frozenset({"Email", "PhoneNumber", "CellPhoneNumber"}),
)


def failure(kind: str, retry_after: int) -> SimResponse:
    if kind == "5xx":
        return SimResponse(
            503, b'{"error":{"code":"ServiceUnavailable","message":"Try again later"}}'
        )
    if kind == "error_200":
        return SimResponse(200, b'{"error":{"code":"InternalError","message":"Query failed"}}')
    if kind == "429":
        return SimResponse(429, b'{"error":{"code":"TooManyRequests","message":"Rate limit exceeded"}}',
                           headers={"Retry-After": str(retry_after)})  # fmt: skip
    return SimResponse(200, b'{"value":[{"ResidentNameID":"0000000001","FirstName":"Ana"},{"Resid')


def _authorised(request: SimRequest, state: SimState) -> bool:
    if state.faults.credential_expired("mri"):
        return False
    d = DEMO_CREDENTIALS["mri"]
    user = f"{d['client_id']}/{d['database']}/{d['username']}/{d['partner_key']}"
    token = base64.b64encode(f"{user}:{d['password']}".encode()).decode()
    return request.headers.get("authorization") == f"Basic {token}"


def _error(status: int, code: str, message: str) -> SimResponse:
    return SimResponse.of_json({"error": {"code": code, "message": message}}, status)


def _date(value: Any, variant: int) -> str | None:
    text = iso_datetime(value)
    if not text:
        return None
    # Some MRI installs write seven fractional digits (Credit-Jeeves' public sample).
    return text + ".0000000" if variant % 2 else text


def _unit_parts(unit: SimUnit | None) -> tuple[str, str]:
    """(BuildingID, UnitID): the simulator's "A-101" is unit 101 of building A."""
    if unit is None:
        return "", ""
    return unit.building, unit.name.split("-", 1)[-1]


def _resident(r: SimResident, unit: SimUnit | None, street: str) -> dict[str, Any]:
    building, number = _unit_parts(unit)
    current = r.lifecycle in (Lifecycle.CURRENT, Lifecycle.NOTICE)
    moved_out = r.move_out if r.lifecycle is Lifecycle.PAST else None
    return {
        "ResidentNameID": record_id(r),
        "PropertyID": r.property_id,
        "BuildingID": building,
        "UnitID": number,
        "LeaseID": str(r.lease_id),
        "Address": None,
        "BuildingAddress": street,
        "FirstName": r.first_name,
        "LastName": r.last_name,
        "ResidentStatus": status_of(r),
        "Email": r.email or None,
        "LeaseStart": _date(r.lease_start, r.variant),
        "OccupyDate": _date(r.move_in, r.variant),
        "LeaseEnd": _date(r.lease_end, r.variant),
        "LeaseMoveOut": _date(r.move_out, r.variant),
        "IsCurrent": "Y" if current else "N",
        "Guarantor": "Y" if r.role is ResidentRole.GUARANTOR else "N",
        "DateNotified": _date(r.notice_date, r.variant),
        "ResidentVacateDate": _date(moved_out, r.variant),
        "Namegroup": f"{r.lease_id:010d}",
        "PhoneNumber": r.home or None,
        "CellPhoneNumber": r.mobile or None,
        "Minor": "False",
        "LastUpdateDate": _local(r.modified_at),
    }


def _local(moment: datetime) -> str:
    """A time as MRI writes LastUpdateDate: the server's local time, to the second."""
    return moment.astimezone(SERVER_ZONE).replace(tzinfo=None).isoformat(timespec="seconds")


def _last_update_since(value: str) -> datetime | None:
    """LastUpdateDate as asked: a day ("2020-02-25", mri_hook's spec) or a local date and
    time; None when it is neither."""
    value = value.strip()
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        found = datetime(day.year, day.month, day.day)
    return found if found.tzinfo is not None else found.replace(tzinfo=SERVER_ZONE)


def _rent_roll_row(unit: SimUnit, holder: SimResident | None, street: str) -> dict[str, Any]:
    building, number = _unit_parts(unit)
    return {
        "PropertyID": unit.property_id,
        "BuildingID": building,
        "UnitID": number,
        "LeaseID": str(holder.lease_id) if holder else None,
        "ResidentNameID": record_id(holder) if holder else None,
        "BuildingAddress": street,
        "Residents": (
            [{"ResidentID": record_id(holder), "ResidentStatus": status_of(holder)}]
            if holder
            else None
        ),
    }


def handle(request: SimRequest, state: SimState) -> SimResponse:
    if request.path.lower() != "/mriapiservices/api.asp" or request.method != "GET":
        return _error(404, "NotFound", "No such resource")
    if not _authorised(request, state):
        return _error(401, "Unauthorized", "Invalid credentials")
    query = request.query
    api = query.get("$api", "")
    try:
        top = max(1, min(MAX_TOP, int(query.get("$top", 300))))
        skip = max(0, int(query.get("$skip", 0)))
    except ValueError:
        return _error(400, "InvalidParameter", "$top and $skip must be numbers")
    if api == PROPERTIES_API:
        rows: list[Any] = [
            {"PropertyID": p.id, "PropertyName": p.name, "Address1": p.street, "Address2": None,
             "City": p.city, "State": p.state, "ZipCode": p.postal_code, "EntityId": p.id}
            for p in state.dataset.properties.values()
        ]  # fmt: skip
        return _page(request, state, rows, top, skip, lambda row: row, truncate=False)
    if api not in (UNITS_API, RESIDENTS_API):
        return _error(400, "InvalidApi", f"API {api} is not available")
    parameter = "PROPERTYID" if api == UNITS_API else "RMPROPID"
    property_id = query.get(parameter, "")
    if property_id not in state.dataset.properties:
        return _error(400, "InvalidParameter", f"{parameter} {property_id} does not exist")
    street = state.dataset.properties[property_id].street
    units = {u.id: u for u in state.dataset.units_of(property_id)}
    if api == UNITS_API:
        holders: dict[int, SimResident] = {}
        for r in state.dataset.residents_of(property_id):
            if r.role is ResidentRole.PRIMARY and r.lifecycle in (
                Lifecycle.CURRENT,
                Lifecycle.NOTICE,
            ):
                holders.setdefault(r.unit_id, r)
        unit_rows = [_rent_roll_row(u, holders.get(u.id), street) for u in units.values()]
        return _page(request, state, unit_rows, top, skip, lambda row: row, truncate=False)
    since: datetime | None = None
    if "LastUpdateDate" in query:
        since = _last_update_since(query["LastUpdateDate"])
        if since is None:
            return _error(400, "InvalidParameter", "LastUpdateDate must be a date")
    truncate = state.faults.take_truncation("mri")
    residents = [
        r
        for r in state.dataset.residents_of(property_id)
        if status_of(r) and (since is None or r.modified_at >= since)
    ]
    return _page(
        request,
        state,
        residents,
        top,
        skip,
        lambda r: _resident(r, units.get(r.unit_id), street),
        truncate=truncate,
    )


def _page(
    request: SimRequest,
    state: SimState,
    rows: list[Any],
    top: int,
    skip: int,
    render: Any,
    *,
    truncate: bool,
) -> SimResponse:
    page = state.adversary.window("mri", rows, skip, top)
    payload: dict[str, Any] = {"value": [render(row) for row in page.rows]}
    if page.next_start is not None:
        # urlencode writes "$" as "%24", as MRI's own nextLinks do.
        following = dict(request.query, **{"$skip": str(page.next_start), "$top": str(top)})
        payload["nextLink"] = f"{request.base}/mriapiservices/api.asp?{urlencode(following)}"
    response = SimResponse.of_json(payload)
    if truncate:
        assert isinstance(response.body, bytes)
        response.body = response.body[: len(response.body) // 2]
    return response
