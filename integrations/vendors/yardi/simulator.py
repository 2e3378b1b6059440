"""Yardi Voyager ItfResidentData, as the simulator speaks it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import UNPAGED, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS
from integrations.simulator.data import SimResident, SimUnit
from integrations.simulator.render import (
    HTML_UNAVAILABLE,
    SOAP_CLOSE,
    el,
    iso_datetime,
    read_soap_call,
    soap_fault,
    soap_open,
    soap_result,
)
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import raw_status, role_name

NAMESPACE = "http://tempuri.org/YSI.Interfaces.WebServices/ItfResidentData"
XML = "text/xml; charset=utf-8"
# Written from the vendor's side on purpose — not derived from the connector's
# STATUS_MAP — so contract tests catch a mapping that drifts from what the wire says.
# Several names for one lifecycle are served in turn (resident.variant).
RAW_STATUSES: dict[Lifecycle, tuple[str, ...]] = {
    Lifecycle.APPLICANT: ("Applicant", "Wait List"),
    Lifecycle.FUTURE: ("Future",),
    Lifecycle.CURRENT: ("Current",),
    Lifecycle.NOTICE: ("Notice", "Notice", "Eviction"),
    Lifecycle.PAST: ("Past",),
    Lifecycle.CANCELLED: ("Canceled", "Cancelled", "Denied"),
}
ROLE_NAMES: dict[ResidentRole, tuple[str, ...]] = {
    ResidentRole.PRIMARY: ("Lease Holder",),
    ResidentRole.ROOMMATE: ("Roommate", "Spouse"),
    ResidentRole.OCCUPANT: ("Occupant",),
    ResidentRole.GUARANTOR: ("Guarantor",),
}
_AUTH = {
    "UserName": "username",
    "Password": "password",
    "Database": "database",
    "InterfaceEntity": "interface_entity",
    "InterfaceLicense": "interface_license",
}


def record_id(resident: SimResident) -> str:
    """The record id the vendor sends for this resident."""
    return f"t{resident.id:07d}"


# How this wire expresses the adversarial behaviours (integrations/simulator/adversary.py):
# one answer per property, so no page behaviours.
TRAITS = WireTraits(
    paging=UNPAGED,
    date_fields=frozenset({"LeaseFrom", "LeaseTo", "MoveIn", "MoveOut"}),
    date_styles=(
        iso_datetime,
        lambda day: day.isoformat(),
        lambda day: f"{day.isoformat()}T00:00:00-05:00",
    ),
    optional_fields=frozenset({"Email", "MiddleName", "PhoneNumber", "PhoneDescription"}),
    body="xml",
)


def failure(kind: str, retry_after: int) -> SimResponse:
    if kind == "5xx":
        return SimResponse(503, HTML_UNAVAILABLE, "text/html")
    if kind == "error_200":
        message = el("Message", "Interface error: timeout expired.", messageType="Error")
        return SimResponse(
            200, _wrap("GetUnitConfiguration", f"<Messages>{message}</Messages>"), XML
        )
    if kind == "429":
        return SimResponse(
            429, b"Too many requests", "text/plain", {"Retry-After": str(retry_after)}
        )
    return SimResponse(200, soap_open().encode() + b"<GetUnitConfigurationResponse><Get", XML)


def handle(request: SimRequest, state: SimState) -> SimResponse:
    if not request.path.lower().endswith("/webservices/itfresidentdata.asmx"):
        return SimResponse(404, b"<html><body>404 - Not Found</body></html>", "text/html")
    if request.method != "POST":
        return SimResponse(405, b"POST only", "text/plain")
    parsed = read_soap_call(request.body)
    if parsed is None:
        return SimResponse(500, soap_fault("soap:Client", "Request format is invalid."), XML)
    method, params = parsed
    expected = DEMO_CREDENTIALS["yardi"]
    if state.faults.credential_expired("yardi") or any(
        params.get(wire) != expected[ours] for wire, ours in _AUTH.items()
    ):
        # Voyager's way: HTTP 200, and the result is just this text.
        login_failed = el("Message", "Login failed.", messageType="Error")
        return SimResponse(200, _wrap(method, f"<Messages>{login_failed}</Messages>"), XML)
    property_id = str(params.get("YardiPropertyId", ""))
    if method == "GetPropertyConfigurations":
        return SimResponse(200, _wrap(method, _properties(state)), XML)
    if method not in ("GetUnitInformation", "GetUnitConfiguration"):
        return SimResponse(
            500, soap_fault("soap:Client", f"Server did not recognize the method {method}."), XML
        )
    if property_id not in state.dataset.properties:
        message = el(
            "Message", f"Invalid or no access to property {property_id}", messageType="Error"
        )
        return SimResponse(200, _wrap(method, f"<Messages>{message}</Messages>"), XML)
    if method == "GetUnitInformation":
        return SimResponse(200, _wrap(method, _unit_information(state, property_id)), XML)
    truncate = state.faults.take_truncation("yardi")
    return SimResponse(200, _unit_configuration(state, property_id, truncate), XML)


def _wrap(method: str, inner: str) -> bytes:
    return soap_result(method, NAMESPACE, inner)


def _properties(state: SimState) -> str:
    rows = "".join(
        "<Property>"
        + el("Code", p.id)
        + el("MarketingName", p.name)
        + el("AddressLine1", p.street)
        + el("City", p.city)
        + el("State", p.state)
        + el("PostalCode", p.postal_code)
        + "</Property>"
        for p in state.dataset.properties.values()
    )
    return f'<Properties xmlns="">{rows}</Properties>'


def _unit_id(unit: SimUnit) -> str:
    return el("UnitID", unit.name, UniqueID=str(unit.id))


def _unit_information(state: SimState, property_id: str) -> str:
    occupied = {
        r.unit_id
        for r in state.dataset.residents_of(property_id)
        if r.lifecycle.value in ("current", "notice")
    }
    rows = "".join(
        "<UnitInfo>"
        + _unit_id(u)
        + "<Unit>"
        + el("BuildingID", u.building)
        + el("FloorID", u.floor)
        + el(
            "UnitEconomicStatusDescription",
            "Occupied No Notice" if u.id in occupied else "Vacant Unrented Ready",
        )
        + "</Unit></UnitInfo>"
        for u in state.dataset.units_of(property_id)
    )
    return f'<UnitInformation xmlns=""><Property>{el("PropertyID", property_id)}<Units>{rows}</Units></Property></UnitInformation>'


def _phones(resident: SimResident) -> str:
    # Home before Cell on purpose: the connector must prefer the mobile number anyway.
    out = ""
    if resident.home:
        out += (
            "<Phone>"
            + el("PhoneDescription", "Home")
            + el("PhoneNumber", resident.home)
            + "</Phone>"
        )
    if resident.mobile:
        out += (
            "<Phone>"
            + el("PhoneDescription", "Cell")
            + el("PhoneNumber", resident.mobile)
            + "</Phone>"
        )
    return out


def _person_fields(resident: SimResident) -> str:
    return (
        el("Id", record_id(resident))
        + el("FirstName", resident.first_name)
        + el("MiddleName", "")
        + el("LastName", resident.last_name)
        + el("Email", resident.email)
        + _phones(resident)
    )


def _household(lease: list[SimResident]) -> str:
    holder, others = lease[0], lease[1:]
    status = raw_status("yardi", holder) or ""
    out = (
        "<Resident>"
        + _person_fields(holder)
        + el("Status", status)
        + el("LeaseFrom", iso_datetime(holder.lease_start))
        + el("LeaseTo", iso_datetime(holder.lease_end))
        + el("MoveIn", iso_datetime(holder.move_in))
        + el("MoveOut", iso_datetime(holder.move_out))
        + el("Lessee", "Yes")
    )
    for other in others:
        own_status = raw_status("yardi", other) or ""
        out += (
            "<Roommate>"
            + _person_fields(other)
            + el("Relationship", role_name("yardi", other.role, other.variant))
            + (el("Status", own_status) if own_status != status else "")
            + (el("MoveIn", iso_datetime(other.move_in)) if other.move_in != holder.move_in else "")
            + (
                el("MoveOut", iso_datetime(other.move_out))
                if other.move_out != holder.move_out
                else ""
            )
            + el("Lessee", "No" if other.role is not ResidentRole.ROOMMATE else "Yes")
            + "</Roommate>"
        )
    return out + "</Resident>"


def _unit_configuration(state: SimState, property_id: str, truncate: bool) -> Iterator[bytes]:
    by_unit: dict[int, list[list[SimResident]]] = defaultdict(list)
    for lease in state.dataset.leases_of(property_id):
        by_unit[lease[0].unit_id].append(lease)
    units = state.dataset.units_of(property_id)
    method = "GetUnitConfiguration"
    yield (
        soap_open()
        + f'<{method}Response xmlns="{NAMESPACE}"><{method}Result>'
        + f'<UnitConfiguration xmlns=""><Property>{el("PropertyID", property_id)}<Units>'
    ).encode()
    for index, unit in enumerate(units):
        if truncate and index >= len(units) // 2:
            return  # the fault: the document simply stops
        households = "".join(_household(lease) for lease in by_unit.get(unit.id, ()))
        yield (
            "<Unit>" + _unit_id(unit) + el("BuildingID", unit.building) + el("FloorID", unit.floor)
            + households + "</Unit>"
        ).encode()  # fmt: skip
    yield (
        f"</Units></Property></UnitConfiguration></{method}Result></{method}Response>" + SOAP_CLOSE
    ).encode()
