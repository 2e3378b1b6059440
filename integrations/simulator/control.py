"""The simulator's own surface: the JSON control API under /_sim and the page at /."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote

from integrations.pms.registry import VENDORS
from integrations.simulator import page
from integrations.simulator.data import InvalidEdit
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import external_id, raw_status


def resident_json(resident: Any) -> dict[str, Any]:
    out: dict[str, Any] = resident.as_json()
    out["external_ids"] = {vendor: external_id(vendor, resident) for vendor in VENDORS}
    out["raw_statuses"] = {vendor: raw_status(vendor, resident) for vendor in VENDORS}
    return out


def _error(message: str, status: int = 400) -> SimResponse:
    return SimResponse.of_json({"error": message}, status)


def _body(request: SimRequest) -> dict[str, Any] | None:
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    try:
        payload = request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def handle(request: SimRequest, state: SimState) -> SimResponse:
    path, method = request.path.rstrip("/") or "/", request.method
    if path == "/" and method == "GET":
        return page.render(state, request.query)
    if path == "/_sim/form" and method == "POST":
        return page.submit(state, _body(request) or {})
    if path == "/_sim/residents" and method == "GET":
        return _list(state, request.query)
    if path == "/_sim/residents" and method == "POST":
        return _create(state, _body(request))
    if path.startswith("/_sim/residents/") and method == "PATCH":
        return _update(state, path.rsplit("/", 1)[-1], _body(request))
    if path == "/_sim/units" and method == "GET":
        units = state.dataset.units_of(request.query.get("property", ""))
        return SimResponse.of_json([vars_of(u) for u in units])
    if path == "/_sim/faults":
        return _faults(state, method, _body(request))
    if path == "/_sim/adversary":
        return _adversary(state, method, request)
    if path == "/_sim/webhooks":
        return _webhooks(state, method, _body(request))
    if path == "/_sim/reset" and method == "POST":
        state.reset()
        return SimResponse.of_json({"reset": True, "residents": len(state.dataset.residents)})
    return _error(f"no route {method} {path}", 404)


def vars_of(unit: Any) -> dict[str, Any]:
    return {
        "id": unit.id,
        "property_id": unit.property_id,
        "name": unit.name,
        "building": unit.building,
        "floor": unit.floor,
    }


def _list(state: SimState, query: dict[str, str]) -> SimResponse:
    property_id = query.get("property")
    if property_id:
        found = state.dataset.residents_of(property_id)
    else:
        with state.dataset.lock:
            found = list(state.dataset.residents.values())
    try:
        offset = int(query.get("offset", 0))
        limit = int(query.get("limit", len(found) or 1))
    except ValueError:
        return _error("offset and limit must be numbers")
    window = found[offset : offset + limit]
    return SimResponse.of_json({"count": len(found), "results": [resident_json(r) for r in window]})


def _modified_at(body: dict[str, Any]) -> datetime | None:
    """An edit's own moment, when the caller names one ("modified_at": an ISO time with its
    offset): a benchmark or a test places a move-out at an exact instant of the PMS's
    clock instead of the simulator's clock's now. Taken out of the edit itself."""
    raw = body.pop("modified_at", None)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        raise InvalidEdit(f"modified_at: {raw!r} is not an ISO date and time") from None
    if moment.tzinfo is None:
        raise InvalidEdit("modified_at: give the offset too (e.g. 2026-12-06T10:42:00+00:00)")
    return moment


def _create(state: SimState, body: dict[str, Any] | None) -> SimResponse:
    if body is None:
        return _error("send a JSON object")
    try:
        resident = state.dataset.create(body, at=_modified_at(body))
    except InvalidEdit as exc:
        return _error(str(exc))
    state.pushes.changed(None, resident)
    return SimResponse.of_json(resident_json(resident), 201)


def _update(state: SimState, raw_id: str, body: dict[str, Any] | None) -> SimResponse:
    if body is None:
        return _error("send a JSON object")
    try:
        before = state.dataset.residents.get(int(raw_id))
        resident = state.dataset.update(int(raw_id), body, at=_modified_at(body))
    except (KeyError, ValueError) as exc:
        if isinstance(exc, InvalidEdit):
            return _error(str(exc))
        return _error(f"no resident {raw_id}", 404)
    state.pushes.changed(before, resident)
    return SimResponse.of_json(resident_json(resident))


def _adversary(state: SimState, method: str, request: SimRequest) -> SimResponse:
    """GET: every vendor's adversarial behaviours (and which its wire can express).
    POST {vendor, behaviour: value, …} (JSON, or the page's form, which is sent back)."""
    if method == "GET":
        return SimResponse.of_json(page.adversary_snapshot(state))
    body = _body(request)
    if method != "POST" or body is None:
        return _error("POST a JSON object: {vendor, page_cap, reordered, …}")
    settings = dict(body)
    vendor = str(settings.pop("vendor", ""))
    from_form = settings.pop("_form", None) is not None
    try:
        if from_form:
            settings = page.adversary_form_settings(settings)
        current = state.adversary.set(vendor, settings)
    except (TypeError, ValueError) as exc:
        return _error(str(exc))
    if from_form:
        return SimResponse(
            303, b"", "text/plain", {"Location": "/?msg=" + quote(f"Adversary for {vendor} saved")}
        )
    return SimResponse.of_json(current)


def _faults(state: SimState, method: str, body: dict[str, Any] | None) -> SimResponse:
    if method == "GET":
        return SimResponse.of_json(state.faults.snapshot())
    if method != "POST" or body is None:
        return _error("POST a JSON object: {vendor, latency_ms, status_5xx, …}")
    settings = dict(body)
    vendor = str(settings.pop("vendor", ""))
    try:
        state.faults.set(vendor, settings)
    except (TypeError, ValueError) as exc:
        return _error(str(exc))
    return SimResponse.of_json(state.faults.snapshot()[vendor])


def _webhooks(state: SimState, method: str, body: dict[str, Any] | None) -> SimResponse:
    """GET: the targets (secrets left out) and what was sent; POST {vendor, url, secret}
    sets a vendor's target (an empty url switches its pushes off)."""
    if method == "POST":
        if body is None or str(body.get("vendor", "")) not in VENDORS:
            return _error("send {vendor, url, secret} with a known vendor")
        url = str(body.get("url", ""))
        if url and not url.startswith(("http://", "https://")):
            return _error("url must be an http(s) address")
        state.pushes.set(str(body["vendor"]), url=url, secret=str(body.get("secret", "")))
    elif method != "GET":
        return _error(f"no route {method} /_sim/webhooks", 404)
    return SimResponse.of_json(
        {
            "targets": {vendor: t.url for vendor, t in state.pushes.targets().items()},
            "sent": [
                {"vendor": s.vendor, "event": s.event, "status": s.status, "error": s.error}
                for s in state.pushes.sent
            ],
        }
    )
