"""Buildium's Open API v1, as the simulator speaks it: the public shapes of fixtures/
(field names and case as Buildium's OpenAPI document spells them), rendered from the data
set — and Buildium's signed webhooks, posted when a resident changes (off unless a target
is set: POST /_sim/webhooks)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import NUMBERED, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS
from integrations.simulator.data import SimResident, SimUnit
from integrations.simulator.render import iso_date
from integrations.simulator.server import SimRequest, SimResponse, SimState

MAX_LIMIT = 1000
DEFAULT_LIMIT = 50
ACCOUNT_ID = 100200
# The tenant's own status on the lease, written from the vendor's side (LeaseTenantMessage
# Status enum). A notice is a Current tenant with a move-out recorded. Leases hold no
# applicants or cancelled leases.
RAW_STATUSES: dict[Lifecycle, tuple[str, ...]] = {
    Lifecycle.FUTURE: ("Future",),
    Lifecycle.CURRENT: ("Current",),
    Lifecycle.NOTICE: ("Current",),
    Lifecycle.PAST: ("MovedOut",),
}
# Buildium names no roles: a lease lists its tenants (the first taken for the holder) and,
# apart, its cosigners.
ROLE_NAMES: dict[ResidentRole, tuple[str, ...]] = {
    ResidentRole.PRIMARY: ("Tenant",),
    ResidentRole.ROOMMATE: ("Tenant",),
    ResidentRole.OCCUPANT: ("Tenant",),
    ResidentRole.GUARANTOR: ("Cosigner",),
}
LIVING = (Lifecycle.CURRENT, Lifecycle.NOTICE)

# How this wire expresses the adversarial behaviours (integrations/simulator/adversary.py):
# offset/limit pages whose whole size rides in X-Total-Count.
TRAITS = WireTraits(
    paging=NUMBERED,
    date_fields=frozenset(
        {"LeaseFromDate", "LeaseToDate", "MoveInDate", "MoveOutDate", "NoticeGivenDate"}
    ),
    date_styles=(
        iso_date,
        lambda day: f"{day.isoformat()}T00:00:00",
    ),
    optional_fields=frozenset({"Email", "AlternateEmail", "PhoneNumbers"}),
)


def record_id(resident: SimResident) -> str:
    """Tenant ids are Buildium's; a cosigner (another list, other ids) is told apart."""
    if resident.role is ResidentRole.GUARANTOR:
        return f"cosigner-{resident.id}"
    return str(resident.id)


def as_served(resident: SimResident) -> SimResident:
    """What Buildium's wire can say of the resident: no occupants (every tenant is a
    tenant), and a cosigner has no dates or notice of their own — their standing is the
    lease's."""
    if resident.role is ResidentRole.OCCUPANT:
        return replace(resident, role=ResidentRole.ROOMMATE)
    if resident.role is ResidentRole.GUARANTOR:
        lifecycle = (
            Lifecycle.CURRENT if resident.lifecycle is Lifecycle.NOTICE else resident.lifecycle
        )
        return replace(resident, lifecycle=lifecycle, move_in=None, move_out=None)
    return resident


def failure(kind: str, retry_after: int) -> SimResponse:
    if kind == "5xx":
        return SimResponse(503, b"<html><body>Service Unavailable</body></html>", "text/html")
    if kind == "429":
        # Buildium documents the 429, not its body or a Retry-After; both are assumed.
        return SimResponse(
            429,
            b'{"UserMessage":"Too many requests","ErrorCode":"TooManyRequests"}',
            headers={"Retry-After": str(retry_after)},
        )
    if kind == "error_200":
        return SimResponse(
            200, b'{"UserMessage":"An unexpected error occurred","ErrorCode":"InternalError"}'
        )
    return SimResponse(200, b'[{"Id":1,"FirstName":"Ana","LastName":"Ab')


def _authorised(request: SimRequest, state: SimState) -> bool:
    if state.faults.credential_expired("buildium"):
        return False
    d = DEMO_CREDENTIALS["buildium"]
    return (
        request.headers.get("x-buildium-client-id") == d["client_id"]
        and request.headers.get("x-buildium-client-secret") == d["client_secret"]
    )


def _error(status: int, code: str, message: str) -> SimResponse:
    return SimResponse.of_json({"UserMessage": message, "ErrorCode": code, "Errors": []}, status)


def _phones(r: SimResident) -> list[dict[str, str]]:
    found = []
    if r.mobile:
        found.append({"Number": r.mobile, "Type": "Cell"})
    if r.home:
        found.append({"Number": r.home, "Type": "Home"})
    return found


def _person(r: SimResident) -> dict[str, Any]:
    return {
        "Id": r.id,
        "FirstName": r.first_name,
        "LastName": r.last_name,
        "Email": r.email or None,
        "AlternateEmail": None,
        "PhoneNumbers": _phones(r),
    }


def _tenants_of(lease: Sequence[SimResident]) -> list[SimResident]:
    return [
        r for r in lease if r.role is not ResidentRole.GUARANTOR and r.lifecycle in RAW_STATUSES
    ]


def lease_status(lease: Sequence[SimResident]) -> str | None:
    tenants = _tenants_of(lease)
    if not tenants:
        return None
    if any(r.lifecycle in LIVING for r in tenants):
        return "Active"
    if any(r.lifecycle is Lifecycle.FUTURE for r in tenants):
        return "Future"
    return "Past"


def _lease(lease: Sequence[SimResident], unit: SimUnit | None) -> dict[str, Any]:
    holder = lease[0]
    tenants = _tenants_of(lease)
    status = lease_status(lease)
    move_outs = [
        {"TenantId": r.id, "MoveOutDate": iso_date(r.move_out) or None,
         "NoticeGivenDate": iso_date(r.notice_date) or None}
        for r in tenants
        if r.lifecycle in (Lifecycle.NOTICE, Lifecycle.PAST) and (r.move_out or r.notice_date)
    ]  # fmt: skip
    return {
        "Id": holder.lease_id,
        "PropertyId": int(holder.property_id),
        "UnitId": holder.unit_id,
        "UnitNumber": unit.name if unit else "",
        "LeaseFromDate": iso_date(holder.lease_start) or None,
        "LeaseToDate": iso_date(holder.lease_end) or None,
        "LeaseType": "Fixed",
        "LeaseStatus": status,
        "IsEvictionPending": False,
        "TermType": "Standard",
        "CurrentTenants": [
            {**_person(r), "Leases": None} for r in tenants if r.lifecycle in LIVING
        ],
        "CurrentNumberOfOccupants": sum(1 for r in tenants if r.lifecycle in LIVING),
        "Cosigners": [
            _person(r)
            for r in lease
            if r.role is ResidentRole.GUARANTOR and r.lifecycle in RAW_STATUSES
        ],
        "AutomaticallyMoveOutTenants": False,
        "MoveOutData": move_outs,
        "Tenants": [
            {
                "Id": r.id,
                "Status": RAW_STATUSES[r.lifecycle][0],
                "MoveInDate": iso_date(r.move_in) or None,
            }
            for r in tenants
        ],
    }


def _tenant(r: SimResident, lease: Sequence[SimResident], unit: SimUnit | None) -> dict[str, Any]:
    holder = lease[0]
    return {
        **_person(r),
        "Leases": [
            {
                "Id": holder.lease_id,
                "PropertyId": int(holder.property_id),
                "UnitId": holder.unit_id,
                "UnitNumber": unit.name if unit else "",
                "LeaseStatus": lease_status(lease),
            }
        ],
    }


def _rental(p: Any) -> dict[str, Any]:
    return {
        "Id": int(p.id),
        "Name": p.name,
        "IsActive": True,
        "RentalType": "Residential",
        "RentalSubType": "MultiFamily",
        "Address": {"AddressLine1": p.street, "AddressLine2": None, "City": p.city,
                    "State": p.state, "PostalCode": p.postal_code, "Country": "UnitedStates"},
    }  # fmt: skip


def _unit(u: SimUnit) -> dict[str, Any]:
    return {"Id": u.id, "PropertyId": int(u.property_id), "BuildingName": u.building,
            "UnitNumber": u.name, "IsUnitOccupied": None}  # fmt: skip


def _leases_of(state: SimState, property_id: str) -> list[list[SimResident]]:
    return [lease for lease in state.dataset.leases_of(property_id) if lease_status(lease)]


def _find_lease(state: SimState, lease_id: int) -> list[SimResident] | None:
    for property_id in state.dataset.properties:
        for lease in _leases_of(state, property_id):
            if lease[0].lease_id == lease_id:
                return lease
    return None


def handle(request: SimRequest, state: SimState) -> SimResponse:
    if request.method != "GET":
        return _error(405, "MethodNotAllowed", "Only GET is simulated")
    if not _authorised(request, state):
        return _error(401, "Unauthorized", "The API key couldn't be authorized.")
    path = request.path.rstrip("/").lower()
    units = state.dataset.units
    parts = path.split("/")
    if len(parts) == 4 and parts[:3] == ["", "v1", "leases"] and parts[3].isdigit():
        lease = _find_lease(state, int(parts[3]))
        if lease is None:
            return _error(404, "NotFound", "Resource not found.")
        return SimResponse.of_json(_lease(lease, units.get(lease[0].unit_id)))
    if len(parts) == 5 and parts[:4] == ["", "v1", "leases", "tenants"] and parts[4].isdigit():
        resident = state.dataset.residents.get(int(parts[4]))
        lease = _find_lease(state, resident.lease_id) if resident else None
        if resident is None or lease is None or resident not in _tenants_of(lease):
            return _error(404, "NotFound", "Resource not found.")
        return SimResponse.of_json(_tenant(resident, lease, units.get(resident.unit_id)))
    if path not in ("/v1/rentals", "/v1/rentals/units", "/v1/leases", "/v1/leases/tenants"):
        return _error(404, "NotFound", "Resource not found.")
    query = request.query
    try:
        offset = max(0, int(query.get("offset", 0)))
        limit = int(query.get("limit", DEFAULT_LIMIT))
    except ValueError:
        return _error(400, "InvalidParameter", "offset and limit must be integers")
    if not 1 <= limit <= MAX_LIMIT:
        return _error(400, "InvalidParameter", "limit can range between 1 and 1000")
    wanted = [p for p in query.get("propertyids", "").split(",") if p]
    property_ids = [
        p for p in (wanted or list(state.dataset.properties)) if p in state.dataset.properties
    ]
    rows: list[Any]
    truncate = False
    if path == "/v1/rentals":
        rows = [_rental(p) for p in state.dataset.properties.values()]
        render: Any = lambda row: row  # noqa: E731
    elif path == "/v1/rentals/units":
        rows = [u for p in property_ids for u in state.dataset.units_of(p)]
        render = _unit
    elif path == "/v1/leases":
        rows = [lease for p in property_ids for lease in _leases_of(state, p)]
        since = query.get("lastupdatedfrom")
        if since and not _since_ok(since):
            return _error(400, "InvalidParameter", "lastupdatedfrom must be YYYY-MM-DDTHH:MM:SSZ")
        render = lambda lease: _lease(lease, units.get(lease[0].unit_id))  # noqa: E731
        truncate = state.faults.take_truncation("buildium")
    else:
        rows = [
            (r, lease) for p in property_ids for lease in _leases_of(state, p)
            for r in _tenants_of(lease)
        ]  # fmt: skip
        render = lambda pair: _tenant(pair[0], pair[1], units.get(pair[0].unit_id))  # noqa: E731
    page = state.adversary.window("buildium", rows, offset, limit)
    response = SimResponse.of_json([render(row) for row in page.rows])
    response.headers["X-Total-Count"] = str(page.total)
    if truncate:
        assert isinstance(response.body, bytes)
        response.body = response.body[: len(response.body) // 2]
    return response


def _since_ok(value: str) -> bool:
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


# -- webhooks -----------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Buildium's signature: base64(HMAC-SHA256(secret, "<timestamp>.<body>")) (OpenAPI
    document, Webhooks → Signature Checks)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def webhook_events(
    before: SimResident | None, after: SimResident, *, now: datetime
) -> list[dict[str, Any]]:
    """The events Buildium would send for one resident's change: a move-out recorded
    (Lease.MoveOut.Created) or any other lease change (Lease.Updated), and a tenant's own
    details (LeaseTenant.Updated / LeaseTenant.Created)."""
    stamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    common = {"EventDateTime": stamp, "AccountId": ACCOUNT_ID}
    if after.role is ResidentRole.GUARANTOR:
        return [{"EventName": "Lease.Updated", **common, "LeaseId": after.lease_id}]
    if before is None:
        return [{"EventName": "LeaseTenant.Created", **common, "TenantId": after.id}]
    events: list[dict[str, Any]] = []
    if after.lifecycle is Lifecycle.PAST and before.lifecycle is not Lifecycle.PAST:
        events.append(
            {"EventName": "Lease.MoveOut.Created", **common, "LeaseId": after.lease_id,
             "TenantId": after.id}
        )  # fmt: skip
    else:
        events.append({"EventName": "Lease.Updated", **common, "LeaseId": after.lease_id})
    if (before.first_name, before.last_name, before.email, before.mobile, before.home) != (
        after.first_name, after.last_name, after.email, after.mobile, after.home
    ):  # fmt: skip
        events.append({"EventName": "LeaseTenant.Updated", **common, "TenantId": after.id})
    return events


def webhook_requests(
    events: Sequence[dict[str, Any]], *, secret: str, now: datetime
) -> list[tuple[dict[str, str], bytes]]:
    """(headers, body) for each event, signed as Buildium signs them: the body without
    newlines or spaces after the colons, the UNIX time of sending."""
    timestamp = str(int(now.timestamp()))
    out = []
    for event in events:
        body = json.dumps(event, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "buildium-webhook-timestamp": timestamp,
            "buildium-webhook-signature": sign(secret, timestamp, body),
        }
        out.append((headers, body))
    return out
