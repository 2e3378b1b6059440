"""MRI's api.asp JSON API, as the simulator speaks it."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import LINKS, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS
from integrations.simulator.data import SimResident
from integrations.simulator.render import iso_datetime
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import external_id, raw_status, role_name

MAX_TOP = 1000
RAW_STATUSES: dict[Lifecycle, tuple[str, ...]] = {
    Lifecycle.APPLICANT: ("Applicant",),
    Lifecycle.FUTURE: ("Future",),
    Lifecycle.CURRENT: ("Current",),
    Lifecycle.NOTICE: ("Notice Given",),
    Lifecycle.PAST: ("Former",),
    Lifecycle.CANCELLED: ("Cancelled",),
}
ROLE_NAMES: dict[ResidentRole, tuple[str, ...]] = {
    ResidentRole.PRIMARY: ("Primary",),
    ResidentRole.ROOMMATE: ("Roommate",),
    ResidentRole.OCCUPANT: ("Occupant",),
    ResidentRole.GUARANTOR: ("Guarantor",),
}


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
    return SimResponse(200, b'{"value":[{"ResidentNameID":"1","FirstName":"Ana"},{"Resid')


def _authorised(request: SimRequest, state: SimState) -> bool:
    if state.faults.credential_expired("mri"):
        return False
    d = DEMO_CREDENTIALS["mri"]
    user = f"{d['client_id']}/{d['database']}/{d['username']}/{d['partner_key']}"
    token = base64.b64encode(f"{user}:{d['password']}".encode()).decode()
    return request.headers.get("authorization") == f"Basic {token}"


def _error(status: int, code: str, message: str) -> SimResponse:
    return SimResponse.of_json({"error": {"code": code, "message": message}}, status)


def _resident(r: SimResident, units: dict[int, tuple[str, str]]) -> dict[str, Any]:
    building, number = units.get(r.unit_id, ("", ""))
    return {
        "ResidentNameID": external_id("mri", r),
        "PropertyID": r.property_id,
        "BuildingID": building,
        "UnitID": number,
        "LeaseID": str(r.lease_id),
        "ResidentType": role_name("mri", r.role),
        "FirstName": r.first_name,
        "LastName": r.last_name,
        "Email": r.email or None,
        "PhoneNumber": r.home or None,
        "CellPhoneNumber": r.mobile or None,
        "ResidentStatus": raw_status("mri", r),
        "LeaseStart": iso_datetime(r.lease_start) or None,
        "OccupyDate": iso_datetime(r.move_in) or None,
        "LeaseEnd": iso_datetime(r.lease_end) or None,
        "LeaseMoveOut": iso_datetime(r.move_out) or None,
        "ResidentVacateDate": iso_datetime(r.move_out) if r.lifecycle.value == "past" else None,
        "DateNotified": iso_datetime(r.notice_date) or None,
        "IsCurrent": "Y" if r.lifecycle.value in ("current", "notice") else "N",
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
    rows: list[Any]
    if api == "MRI_S-PMRM_PropertyList":
        rows = [
            {"PropertyID": p.id, "PropertyName": p.name, "Address": p.street, "City": p.city,
             "State": p.state, "ZipCode": p.postal_code}
            for p in state.dataset.properties.values()
        ]  # fmt: skip
        return _page(request, state, rows, top, skip, lambda row: row, truncate=False)
    property_id = query.get("RMPROPID", "")
    if api not in ("MRI_S-PMRM_UnitsByPropertyID", "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID"):
        return _error(400, "InvalidApi", f"API {api} is not available")
    if property_id not in state.dataset.properties:
        return _error(400, "InvalidParameter", f"RMPROPID {property_id} does not exist")
    units = {
        u.id: (u.building, u.name.split("-", 1)[-1]) for u in state.dataset.units_of(property_id)
    }
    if api == "MRI_S-PMRM_UnitsByPropertyID":
        unit_rows = [
            {"PropertyID": property_id, "BuildingID": u.building,
             "UnitID": u.name.split("-", 1)[-1], "FloorID": str(u.floor)}
            for u in state.dataset.units_of(property_id)
        ]  # fmt: skip
        return _page(request, state, unit_rows, top, skip, lambda row: row, truncate=False)
    truncate = state.faults.take_truncation("mri")
    residents = state.dataset.residents_of(property_id)
    render = lambda r: _resident(r, units)  # noqa: E731
    return _page(request, state, residents, top, skip, render, truncate=truncate)


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
        following = dict(request.query, **{"$skip": str(page.next_start), "$top": str(top)})
        payload["nextLink"] = f"{request.base}/mriapiservices/api.asp?{urlencode(following)}"
    response = SimResponse.of_json(payload)
    if truncate:
        assert isinstance(response.body, bytes)
        response.body = response.body[: len(response.body) // 2]
    return response
