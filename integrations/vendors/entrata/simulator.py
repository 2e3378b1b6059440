"""Entrata's JSON-RPC API, as the simulator speaks it: the public shapes of
fixtures/ (names, letter case and types as Entrata sends them), nothing the connector
alone would expect."""

from __future__ import annotations

import base64
from typing import Any

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import NUMBERED, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS, ENTRATA_DEMO_API_KEY
from integrations.simulator.data import SimResident
from integrations.simulator.render import us_date
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import external_id, raw_status, role_name

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
    Lifecycle.CANCELLED: ("Cancelled",),
}
STATUS_IDS = {
    "Applicant": 1,
    "Cancelled": 2,
    "Future": 3,
    "Current": 4,
    "Notice": 5,
    "Past": 6,
}
ROLE_NAMES: dict[ResidentRole, tuple[str, ...]] = {
    ResidentRole.PRIMARY: ("Primary",),
    ResidentRole.ROOMMATE: ("Co-Applicant",),
    ResidentRole.OCCUPANT: ("Occupant",),
    ResidentRole.GUARANTOR: ("Guarantor",),
}


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
            {"PropertyID": p.id, "MarketingName": p.name, "Type": "Apartment", "IsDisabled": "0",
             "Address": {"Address": p.street, "City": p.city, "State": p.state,
                         "PostalCode": p.postal_code, "Country": "US"}}
            for p in state.dataset.properties.values()
        ]}})  # fmt: skip
    # getPropertyUnits takes propertyIds (comma-separated); getLeases takes one propertyId.
    # The other spelling is not a parameter of the method, as with Entrata.
    wanted = "propertyIds" if method == "getPropertyUnits" else "propertyId"
    if not str(params.get(wanted) or "").strip():
        return _rpc(request_id, error=(400, f"{wanted} is a required field."), code=400)
    property_ids = [p.strip() for p in str(params[wanted]).split(",") if p.strip()]
    unknown = [p for p in property_ids if p not in state.dataset.properties]
    if unknown:
        return _rpc(
            request_id, error=(404, f"Invalid property id(s): {', '.join(unknown)}."), code=400
        )
    if method == "getPropertyUnits":
        return _rpc(request_id, result={"properties": {"property": [
            _property_units(state, pid) for pid in property_ids]}})  # fmt: skip
    return _leases(request, state, request_id, property_ids[0])


def _property_units(state: SimState, property_id: str) -> dict[str, Any]:
    units = state.dataset.units_of(property_id)
    buildings = sorted({u.building for u in units})
    return {
        "propertyId": int(property_id),
        "propertyName": state.dataset.properties[property_id].name,
        "unitCount": len(units),
        "buildingCount": len(buildings),
        "units": {"unit": [
            {"id": u.id, "unitNumber": u.name, "buildingId": 70 + buildings.index(u.building),
             "buildingName": f"Building {u.building}", "floorplanName": f"Plan {u.floor}",
             "unitSpaces": {"unitSpace": {"id": u.id, "unitSpace": u.name}}}
            for u in units
        ]},
    }  # fmt: skip


def _customer(resident: SimResident) -> dict[str, Any]:
    # phoneType is lower-case in Entrata's recorded answers (mobile, personal, work).
    phones = []
    if resident.home:
        phones.append({"phoneTypeName": "Home", "phoneType": "personal",
                       "phoneNumber": resident.home, "countryCode": 1})  # fmt: skip
    if resident.mobile:
        phones.append({"phoneTypeName": "Primary", "phoneType": "mobile",
                       "phoneNumber": resident.mobile, "countryCode": 1})  # fmt: skip
    customer: dict[str, Any] = {
        "id": int(external_id("entrata", resident)),
        "customerType": role_name("entrata", resident.role),
        "firstName": resident.first_name,
        "lastName": resident.last_name,
        "nameFull": f"{resident.last_name}, {resident.first_name}",
        "emailAddress": resident.email,
        "leaseCustomerStatus": raw_status("entrata", resident),
        "relationshipName": role_name("entrata", resident.role),
        "moveInDate": us_date(resident.move_in),
        "moveOutDate": us_date(resident.move_out),
        "phones": {"phone": phones},
    }
    # Entrata leaves out what it does not have.
    for key in ("emailAddress", "moveInDate", "moveOutDate"):
        if not customer[key]:
            del customer[key]
    return customer


def _lease(lease: list[SimResident], units: dict[int, str]) -> dict[str, Any]:
    # Ids are strings on the lease and numbers on customers and intervals, as recorded.
    holder = lease[0]
    status = raw_status("entrata", holder) or ""
    interval_id = holder.lease_id * 10
    return {
        "id": str(holder.lease_id),
        "leaseStatusTypeId": str(STATUS_IDS.get(status, 0)),
        "propertyId": holder.property_id,
        "leaseType": "Standard",
        "moveInDate": us_date(holder.move_in),
        "leaseIntervalStatus": status,
        "leaseIntervalId": str(interval_id),
        "customers": {"customer": [_customer(r) for r in lease]},
        "unitId": str(holder.unit_id),
        "unitSpaces": {"unitSpace": [{"unitSpaceId": holder.unit_id, "unitSpace": units.get(holder.unit_id, "")}]},
        "leaseIntervals": {"leaseInterval": [{
            "id": interval_id, "startDate": us_date(holder.lease_start),
            "endDate": us_date(holder.lease_end), "leaseIntervalTypeId": 1,
            "leaseIntervalTypeName": "Application",
            "leaseIntervalStatusTypeId": STATUS_IDS.get(status, 0),
            "leaseIntervalStatusTypeName": status}]},
    }  # fmt: skip


def _leases(request: SimRequest, state: SimState, request_id: str, property_id: str) -> SimResponse:
    try:
        page_no = max(1, int(request.query.get("page_no", 1)))
        # per_page runs 5..1000 (entrata_api_client api/leases_api.py).
        per_page = max(5, min(1000, int(request.query.get("per_page", DEFAULT_PER_PAGE))))
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
