"""AppFolio's Reports API v2, as the simulator speaks it."""

from __future__ import annotations

import base64
import json
from typing import Any

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import LINKS, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS
from integrations.simulator.data import SimResident
from integrations.simulator.render import iso_date, us_date
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import raw_status

PAGE_SIZE = 500
# The tenant directory has no applicants or cancelled leases (those live in rental
# applications), so the simulator leaves them out of its AppFolio answers.
RAW_STATUSES: dict[Lifecycle, tuple[str, ...]] = {
    Lifecycle.FUTURE: ("Future",),
    Lifecycle.CURRENT: ("Current",),
    Lifecycle.NOTICE: ("Notice", "Notice", "Evict"),
    Lifecycle.PAST: ("Past",),
}
ROLE_NAMES: dict[ResidentRole, str] = {
    ResidentRole.PRIMARY: "Financially Responsible",
    ResidentRole.ROOMMATE: "Financially Responsible",
    ResidentRole.OCCUPANT: "Occupant",
    ResidentRole.GUARANTOR: "Guarantor",
}


def external_id(resident: SimResident) -> str:
    return str(resident.id)


def role_name(role: ResidentRole, variant: int = 0) -> str:
    return ROLE_NAMES[role]


_REPORTS = ("property_directory", "unit_directory", "tenant_directory")


# How this wire expresses the adversarial behaviours (integrations/simulator/adversary.py).
TRAITS = WireTraits(
    paging=LINKS,
    date_fields=frozenset({"lease_from", "lease_to", "move_in", "move_out"}),
    date_styles=(iso_date, us_date),
    optional_fields=frozenset({"emails", "phone_numbers", "tenant"}),
)


def failure(kind: str, retry_after: int) -> SimResponse:
    if kind == "5xx":
        return SimResponse(502, b"<html><body>502 Bad Gateway</body></html>", "text/html")
    if kind == "429":
        return SimResponse(
            429, b'{"error":"rate limited"}', headers={"Retry-After": str(retry_after)}
        )
    if kind == "error_200":
        return SimResponse(200, b'{"error":"Report generation failed, please retry"}')
    return SimResponse(200, b'{"results":[{"first_name":"Ana","last_na')


def _authorised(request: SimRequest, state: SimState) -> bool:
    if state.faults.credential_expired("appfolio"):
        return False
    d = DEMO_CREDENTIALS["appfolio"]
    token = base64.b64encode(f"{d['client_id']}:{d['client_secret']}".encode()).decode()
    return request.headers.get("authorization") == f"Basic {token}"


def _token(report: str, property_ids: list[str], offset: int) -> str:
    raw = json.dumps({"r": report, "p": property_ids, "o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _tenant(r: SimResident, units: dict[int, str]) -> dict[str, Any]:
    phones = ", ".join(
        f"{label}: {number}" for label, number in (("Home", r.home), ("Mobile", r.mobile)) if number
    )
    return {
        "selected_tenant_id": int(external_id(r)),
        "occupancy_id": r.lease_id,
        "property_id": int(r.property_id),
        "unit_id": r.unit_id,
        "unit": units.get(r.unit_id, ""),
        "first_name": r.first_name,
        "last_name": r.last_name,
        "tenant": f"{r.first_name} {r.last_name}",
        "emails": r.email,
        "phone_numbers": phones,
        "status": raw_status("appfolio", r),
        "tenant_type": role_name(r.role),
        "primary_tenant": "Yes" if r.role.value == "primary" else "No",
        "lease_from": iso_date(r.lease_start) or None,
        "lease_to": iso_date(r.lease_end) or None,
        "move_in": iso_date(r.move_in) or None,
        "move_out": iso_date(r.move_out) or None,
    }


def handle(request: SimRequest, state: SimState) -> SimResponse:
    prefix, _, name = request.path.rpartition("/")
    report = name.removesuffix(".json")
    if prefix != "/api/v2/reports" or report not in _REPORTS:
        return SimResponse.of_json({"error": "Not found"}, 404)
    if not _authorised(request, state):
        return SimResponse.of_json({"error": "Unauthorized"}, 401)
    if request.method == "GET" and "page_token" in request.query:
        try:
            cursor = json.loads(base64.urlsafe_b64decode(request.query["page_token"]))
            property_ids, offset = [str(p) for p in cursor["p"]], int(cursor["o"])
        except (ValueError, KeyError, TypeError):
            return SimResponse.of_json({"error": "Invalid page token"}, 400)
    elif request.method == "POST":
        try:
            body = request.json() or {}
            property_ids = [
                str(p) for p in (body.get("properties") or {}).get("properties_ids", [])
            ]
        except (ValueError, AttributeError, TypeError):
            return SimResponse.of_json({"error": "Invalid JSON body"}, 400)
        offset = 0
    else:
        return SimResponse.of_json({"error": "Method not allowed"}, 405)
    unknown = [p for p in property_ids if p not in state.dataset.properties]
    if unknown:
        return SimResponse.of_json({"error": f"Unknown property id(s): {', '.join(unknown)}"}, 422)
    property_ids = property_ids or list(state.dataset.properties)
    rows: list[Any]
    truncate = False
    if report == "property_directory":
        rows = [
            {"property_id": int(p.id), "property_name": p.name,
             "property_address": f"{p.street}, {p.city} {p.state} {p.postal_code}"}
            for p in state.dataset.properties.values()
        ]  # fmt: skip
        page = state.adversary.window("appfolio", rows, offset, PAGE_SIZE)
        window = list(page.rows)
    elif report == "unit_directory":
        rows = [u for p in property_ids for u in state.dataset.units_of(p)]
        page = state.adversary.window("appfolio", rows, offset, PAGE_SIZE)
        window = [
            {"unit_id": u.id, "unit_name": u.name, "property_id": int(u.property_id),
             "building": u.building, "floor": str(u.floor)}
            for u in page.rows
        ]  # fmt: skip
    else:
        rows = [
            r for p in property_ids for r in state.dataset.residents_of(p)
            if raw_status("appfolio", r) is not None
        ]  # fmt: skip
        units = {u.id: u.name for p in property_ids for u in state.dataset.units_of(p)}
        page = state.adversary.window("appfolio", rows, offset, PAGE_SIZE)
        window = [_tenant(r, units) for r in page.rows]
        truncate = state.faults.take_truncation("appfolio")
    next_url = None
    if page.next_start is not None:
        token = _token(report, property_ids, page.next_start)
        next_url = f"{request.base}/api/v2/reports/{report}.json?page_token={token}"
    response = SimResponse.of_json({"results": window, "next_page_url": next_url})
    if truncate:
        assert isinstance(response.body, bytes)
        response.body = response.body[: len(response.body) // 2]
    return response
