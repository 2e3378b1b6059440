"""AppFolio's Reports API v2, as the simulator speaks it: the public shapes of fixtures/
(report names, filters, snake_case columns, next_page_url as a same-host path read with a
POST), nothing the connector alone would expect."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlsplit

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import LINKS, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS
from integrations.simulator.data import SimResident
from integrations.simulator.render import iso_date, us_date
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import external_id, raw_status, role_name

PAGE_SIZE = 500
# The tenant directory has no applicants or cancelled leases (those live in rental
# applications), so the simulator leaves them out of its AppFolio answers.
RAW_STATUSES: dict[Lifecycle, tuple[str, ...]] = {
    Lifecycle.FUTURE: ("Future",),
    Lifecycle.CURRENT: ("Current",),
    Lifecycle.NOTICE: ("Notice", "Notice", "Evict"),
    Lifecycle.PAST: ("Past",),
}
ROLE_NAMES: dict[ResidentRole, tuple[str, ...]] = {
    ResidentRole.PRIMARY: ("Financially Responsible",),
    ResidentRole.ROOMMATE: ("Financially Responsible",),
    ResidentRole.OCCUPANT: ("Occupant",),
    ResidentRole.GUARANTOR: ("Guarantor",),
}


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


def _property(p: Any) -> dict[str, Any]:
    return {
        "property": f"{p.name} - {p.street} {p.city}, {p.state} {p.postal_code}",
        "property_name": p.name,
        "property_id": int(p.id),
        "property_integration_id": None,
        "property_address": f"{p.street}\n{p.city}, {p.state} {p.postal_code}",
        "property_street": p.street,
        "property_street2": None,
        "property_city": p.city,
        "property_state": p.state,
        "property_zip": p.postal_code,
    }


def _unit(u: Any, state: SimState) -> dict[str, Any]:
    # AppFolio names no building or floor on a unit: the unit name carries them.
    p = state.dataset.properties[u.property_id]
    return {
        "property": p.name,
        "property_name": p.name,
        "property_id": int(u.property_id),
        "unit_address": f"{p.street} #{u.name}\n{p.city}, {p.state} {p.postal_code}",
        "unit_street": p.street,
        "unit_street2": f"#{u.name}",
        "unit_city": p.city,
        "unit_state": p.state,
        "unit_zip": p.postal_code,
        "unit_name": u.name,
        "unit_id": u.id,
        "unit_type": None,
        "visibility": "Active",
    }


def _tenant(r: SimResident, units: dict[int, str]) -> dict[str, Any]:
    phones = ", ".join(
        f"{label}: {number}" for label, number in (("Home", r.home), ("Mobile", r.mobile)) if number
    )
    return {
        "selected_tenant_id": int(external_id("appfolio", r)),
        "occupancy_id": r.lease_id,
        "property_id": int(r.property_id),
        "property_name": "",
        "unit_id": r.unit_id,
        "unit": units.get(r.unit_id, ""),
        "first_name": r.first_name,
        "last_name": r.last_name,
        "tenant": f"{r.first_name} {r.last_name}",
        "emails": r.email,
        "phone_numbers": phones,
        "status": raw_status("appfolio", r),
        "tenant_type": role_name("appfolio", r.role),
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
        # Rails' stock refusal of HTTP Basic credentials.
        return SimResponse(
            401,
            b"HTTP Basic: Access denied.\n",
            "text/html; charset=utf-8",
            {"WWW-Authenticate": 'Basic realm="Application"'},
        )
    if request.method != "POST":
        return SimResponse.of_json({"error": "Method not allowed"}, 405)
    if "page_token" in request.query:
        # A next_page_url: POSTed with an empty body, the filters ride in the token.
        try:
            cursor = json.loads(base64.urlsafe_b64decode(request.query["page_token"]))
            property_ids, offset = [str(p) for p in cursor["p"]], int(cursor["o"])
        except (ValueError, KeyError, TypeError):
            return SimResponse.of_json({"error": "Invalid page token"}, 400)
    else:
        try:
            body = request.json() or {}
            property_ids = [
                str(p) for p in (body.get("properties") or {}).get("properties_ids", [])
            ]
        except (ValueError, AttributeError, TypeError):
            return SimResponse.of_json({"error": "Invalid JSON body"}, 400)
        offset = 0
    # An id AppFolio does not hold matches nothing: no error, just no rows.
    known = [p for p in property_ids if p in state.dataset.properties]
    property_ids = known if property_ids else list(state.dataset.properties)
    rows: list[Any]
    truncate = False
    if report == "property_directory":
        rows = [_property(p) for p in state.dataset.properties.values()]
        page = state.adversary.window("appfolio", rows, offset, PAGE_SIZE)
        window = list(page.rows)
    elif report == "unit_directory":
        rows = [u for p in property_ids for u in state.dataset.units_of(p)]
        page = state.adversary.window("appfolio", rows, offset, PAGE_SIZE)
        window = [_unit(u, state) for u in page.rows]
    else:
        rows = [
            r for p in property_ids for r in state.dataset.residents_of(p)
            if raw_status("appfolio", r) is not None
        ]  # fmt: skip
        units = {u.id: u.name for p in property_ids for u in state.dataset.units_of(p)}
        names = {p: state.dataset.properties[p].name for p in property_ids}
        page = state.adversary.window("appfolio", rows, offset, PAGE_SIZE)
        window = [_tenant(r, units) | {"property_name": names[r.property_id]} for r in page.rows]
        truncate = state.faults.take_truncation("appfolio")
    next_url = None
    if page.next_start is not None:
        # A path on the same host (under the simulator's vendor prefix).
        token = _token(report, property_ids, page.next_start)
        mount = urlsplit(request.base).path
        next_url = f"{mount}/api/v2/reports/{report}.json?page_token={token}"
    response = SimResponse.of_json({"results": window, "next_page_url": next_url})
    if truncate:
        assert isinstance(response.body, bytes)
        response.body = response.body[: len(response.body) // 2]
    return response
