"""Entrata's JSON-RPC API, as the simulator speaks it."""

from __future__ import annotations

import base64
from typing import Any

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import NUMBERED, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS, ENTRATA_DEMO_API_KEY
from integrations.simulator.data import SimResident
from integrations.simulator.render import us_date
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import raw_status

_METHODS = {
    "properties": "getProperties",
    "propertyunits": "getPropertyUnits",
    "leases": "getLeases",
}
DEFAULT_PER_PAGE = 500
RAW_STATUSES: dict[Lifecycle, tuple[str, ...]] = {
    Lifecycle.APPLICANT: ("Applicant",),
    Lifecycle.FUTURE: ("Future",),
    Lifecycle.CURRENT: ("Current",),
    Lifecycle.NOTICE: ("Notice",),
    Lifecycle.PAST: ("Past",),
    Lifecycle.CANCELLED: ("Cancelled", "Denied"),
}
STATUS_IDS = {
    "Applicant": 1,
    "Cancelled": 2,
    "Future": 3,
    "Current": 4,
    "Notice": 5,
    "Past": 6,
    "Denied": 7,
}
ROLE_NAMES: dict[ResidentRole, str] = {
    ResidentRole.PRIMARY: "Primary",
    ResidentRole.ROOMMATE: "Responsible",
    ResidentRole.OCCUPANT: "Non-Responsible",
    ResidentRole.GUARANTOR: "Guarantor",
}


def external_id(resident: SimResident) -> str:
    return str(resident.id)


def role_name(role: ResidentRole, variant: int = 0) -> str:
    return ROLE_NAMES[role]


def _rpc(request_id: str, *, result: Any = None, error: tuple[int, str] | None = None,
         code: int = 200) -> SimResponse:  # fmt: skip
    response: dict[str, Any] = {"requestId": request_id, "code": code}
    if error is not None:
        response["error"] = {"code": error[0], "message": error[1]}
    else:
        response["result"] = result
    return SimResponse.of_json({"response": response})


# How this wire expresses the adversarial behaviours (integrations/simulator/adversary.py).
TRAITS = WireTraits(
    paging=NUMBERED,
    date_fields=frozenset({"moveInDate", "moveOutDate", "startDate", "endDate"}),
    date_styles=(us_date, lambda day: f"{day.month}/{day.day}/{day.year}"),
    optional_fields=frozenset({"emailAddress", "middleName", "phones"}),
)


def failure(kind: str, retry_after: int) -> SimResponse:
    if kind == "5xx":
        return SimResponse(
            503, b'{"response":{"code":503,"error":{"code":503,"message":"Service unavailable"}}}'
        )
    if kind == "error_200":
        body = b'{"response":{"requestId":"1","code":200,"error":{"code":500,"message":"Internal error"}}}'
        return SimResponse(200, body)
    if kind == "429":
        body = b'{"response":{"code":429,"error":{"code":429,"message":"API rate limit exceeded"}}}'
        return SimResponse(429, body, headers={"Retry-After": str(retry_after)})
    return SimResponse(
        200, b'{"response":{"requestId":"1","code":200,"result":{"leases":{"lease":[{"id":'
    )


def _authorised(request: SimRequest, state: SimState) -> bool:
    if state.faults.credential_expired("entrata"):
        return False
    demo = DEMO_CREDENTIALS["entrata"]
    subdomain = demo["subdomain"]
    if request.path.startswith(f"/ext/orgs/{subdomain}/v1/"):
        return request.headers.get("x-api-key") == ENTRATA_DEMO_API_KEY
    if request.path.startswith("/api/v1/"):
        expected = base64.b64encode(f"{demo['username']}:{demo['password']}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"
    return False


def handle(request: SimRequest, state: SimState) -> SimResponse:
    endpoint = request.path.rstrip("/").rsplit("/", 1)[-1]
    if request.method != "POST" or endpoint not in _METHODS:
        return SimResponse.of_json(
            {"response": {"code": 404, "error": {"code": 404, "message": "Not found"}}}, 404
        )
    try:
        body = request.json()
        request_id = str(body.get("requestId", ""))
        method = body["method"]["name"]
        params = body["method"].get("params") or {}
    except (ValueError, KeyError, TypeError, AttributeError):
        return _rpc("", error=(400, "Invalid JSON request."), code=400)
    if not _authorised(request, state):
        return _rpc(
            request_id,
            error=(113, "Authorization failed: username and/or password is incorrect."),
            code=401,
        )
    if method != _METHODS[endpoint]:
        return _rpc(
            request_id, error=(301, f"Method {method} is not available on {endpoint}."), code=400
        )
    if method == "getProperties":
        return _rpc(request_id, result={"PhysicalProperty": {"Property": [
            {"PropertyID": int(p.id), "MarketingName": p.name, "Type": "Apartment",
             "Address": {"Address": p.street, "City": p.city, "State": p.state, "PostalCode": p.postal_code}}
            for p in state.dataset.properties.values()
        ]}})  # fmt: skip
    property_id = str(params.get("propertyId") or params.get("propertyIds") or "")
    if property_id not in state.dataset.properties:
        return _rpc(request_id, error=(404, f"Invalid property id {property_id}."), code=404)
    if method == "getPropertyUnits":
        units = [
            {"id": u.id, "unitNumber": u.name, "buildingName": f"Building {u.building}", "floorNumber": u.floor}
            for u in state.dataset.units_of(property_id)
        ]  # fmt: skip
        return _rpc(request_id, result={"properties": {"property": [
            {"propertyId": int(property_id), "units": {"unit": units}}]}})  # fmt: skip
    return _leases(request, state, request_id, property_id)


def _customer(resident: SimResident) -> dict[str, Any]:
    phones = []
    if resident.home:
        phones.append({"phoneType": "Home", "phoneNumber": resident.home})
    if resident.mobile:
        phones.append({"phoneType": "Mobile", "phoneNumber": resident.mobile})
    customer: dict[str, Any] = {
        "id": int(external_id(resident)),
        "customerType": role_name(resident.role),
        "firstName": resident.first_name,
        "middleName": "",
        "lastName": resident.last_name,
        "emailAddress": resident.email,
        "leaseCustomerStatus": raw_status("entrata", resident),
        "moveInDate": us_date(resident.move_in),
        "moveOutDate": us_date(resident.move_out),
        "phones": {"phone": phones},
    }
    if not resident.email:
        del customer["emailAddress"]  # Entrata leaves out what it does not have
    return customer


def _lease(lease: list[SimResident], units: dict[int, str]) -> dict[str, Any]:
    holder = lease[0]
    status = raw_status("entrata", holder) or ""
    return {
        "id": holder.lease_id,
        "propertyId": int(holder.property_id),
        "leaseStatusTypeId": STATUS_IDS.get(status, 0),
        "leaseIntervalStatus": status,
        "moveInDate": us_date(holder.move_in),
        "unitId": holder.unit_id,
        "unitSpaces": {"unitSpace": [{"unitSpaceId": holder.unit_id, "unitSpace": units.get(holder.unit_id, "")}]},
        "customers": {"customer": [_customer(r) for r in lease]},
        "leaseIntervals": {"leaseInterval": [{
            "id": holder.lease_id * 10, "startDate": us_date(holder.lease_start),
            "endDate": us_date(holder.lease_end), "leaseIntervalStatusTypeName": status}]},
    }  # fmt: skip


def _leases(request: SimRequest, state: SimState, request_id: str, property_id: str) -> SimResponse:
    try:
        page_no = max(1, int(request.query.get("page_no", 1)))
        per_page = max(1, min(2000, int(request.query.get("per_page", DEFAULT_PER_PAGE))))
    except ValueError:
        return _rpc(request_id, error=(400, "page_no and per_page must be numbers."), code=400)
    leases = state.dataset.leases_of(property_id)
    window = state.adversary.page("entrata", leases, page_no, per_page).rows
    if not window:
        return _rpc(request_id, result="No records found with mentioned preferences.")
    units = {u.id: u.name for u in state.dataset.units_of(property_id)}
    response = _rpc(
        request_id, result={"leases": {"lease": [_lease(lease, units) for lease in window]}}
    )
    if state.faults.take_truncation("entrata"):
        assert isinstance(response.body, bytes)
        response.body = response.body[: len(response.body) // 2]
    return response
