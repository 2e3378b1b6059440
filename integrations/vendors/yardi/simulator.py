"""Yardi Voyager ItfResidentData, as the simulator speaks it: the public shapes of
fixtures/ (element names and case as Voyager's public clients read them), rendered from
the simulator's data set."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import UNPAGED, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS
from integrations.simulator.data import SimResident, SimUnit
from integrations.simulator.render import (
    HTML_UNAVAILABLE,
    SOAP_CLOSE,
    el,
    read_soap_call,
    soap_fault,
    soap_open,
    soap_result,
    us_date,
)
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import raw_status

NAMESPACE = "http://tempuri.org/YSI.Interfaces.WebServices/ItfResidentData"
XML = "text/xml; charset=utf-8"
METHODS = (
    "GetPropertyConfigurations",
    "GetUnitInformation",
    "GetResidents",
    "GetResidentsByDate",
)
# The zone the simulated Voyager server keeps its clock in: ModifiedSinceDate is read as
# its local time (Voyager's wire dates carry no offset).
SERVER_ZONE = ZoneInfo("America/New_York")
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
_AUTH = {
    "UserName": "username",
    "Password": "password",
    "Database": "database",
    "InterfaceEntity": "interface_entity",
    "InterfaceLicense": "interface_license",
}


# GetResidents names no relationship: there are lease holders and other occupants.
ROLE_NAMES: dict[ResidentRole, tuple[str, ...]] = {
    ResidentRole.PRIMARY: ("Lease Holder",),
    ResidentRole.ROOMMATE: ("Other Occupant",),
    ResidentRole.OCCUPANT: ("Other Occupant",),
    ResidentRole.GUARANTOR: ("Other Occupant",),
}


def record_id(resident: SimResident) -> str:
    """The record id the vendor sends: lease holders carry a tenant code (tCode), the
    others an occupant Code."""
    prefix = "t" if resident.role is ResidentRole.PRIMARY else "r"
    return f"{prefix}{resident.id:07d}"


def serves_resident(resident: SimResident) -> bool:
    """Whom GetResidents lists: a guarantor does not live in the unit, so Voyager has no
    occupant record for them."""
    return resident.lifecycle in RAW_STATUSES and resident.role is not ResidentRole.GUARANTOR


def as_served(resident: SimResident) -> SimResident:
    """The resident as the wire can say them: an <OtherOccupant> is a roommate (no
    relationship is sent) and carries no phone numbers."""
    if resident.role is ResidentRole.PRIMARY:
        return resident
    return replace(resident, role=ResidentRole.ROOMMATE, mobile="", home="")


# How this wire expresses the adversarial behaviours (integrations/simulator/adversary.py):
# one answer per property, so no page behaviours.
TRAITS = WireTraits(
    paging=UNPAGED,
    date_fields=frozenset(
        {"LeaseFromDate", "LeaseToDate", "MoveInDate", "MoveOutDate", "NoticeDate"}
    ),
    date_styles=(
        us_date,
        lambda day: day.isoformat(),
        lambda day: f"{day.isoformat()}T00:00:00",
        lambda day: f"{day.isoformat()}T00:00:00-05:00",
    ),
    optional_fields=frozenset({"Email", "PhoneDescription", "NoticeDate"}),
    body="xml",
)


def failure(kind: str, retry_after: int) -> SimResponse:
    if kind == "5xx":
        return SimResponse(503, HTML_UNAVAILABLE, "text/html")
    if kind == "error_200":
        message = el("Message", "Interface error: timeout expired.", messageType="Error")
        return SimResponse(
            200, _wrap("GetResidents", f'<Messages xmlns="">{message}</Messages>'), XML
        )
    if kind == "429":
        return SimResponse(
            429, b"Too many requests", "text/plain", {"Retry-After": str(retry_after)}
        )
    return SimResponse(200, soap_open().encode() + b"<GetResidentsResponse><Get", XML)


def handle(request: SimRequest, state: SimState) -> SimResponse:
    # IIS matches paths without regard to case: ItfResidentData.asmx = itfresidentdata.asmx.
    if not request.path.lower().endswith("/webservices/itfresidentdata.asmx"):
        return SimResponse(404, b"<html><body>404 - Not Found</body></html>", "text/html")
    if request.method != "POST":
        return SimResponse(405, b"POST only", "text/plain")
    parsed = read_soap_call(request.body)
    if parsed is None:
        return SimResponse(500, soap_fault("soap:Client", "Request format is invalid."), XML)
    method, params = parsed
    if method not in METHODS:
        # ASP.NET's answer for a method the service does not have.
        action = f"{NAMESPACE}/{method}"
        text = f"Server did not recognize the value of HTTP Header SOAPAction: {action}."
        return SimResponse(500, soap_fault("soap:Client", text), XML)
    expected = DEMO_CREDENTIALS["yardi"]
    if state.faults.credential_expired("yardi") or any(
        params.get(wire) != expected[ours] for wire, ours in _AUTH.items()
    ):
        # Voyager's way: HTTP 200, and the answer says "Login failed.".
        return SimResponse(200, _wrap(method, "Login failed."), XML)
    if method == "GetPropertyConfigurations":
        return SimResponse(200, _wrap(method, _properties(state)), XML)
    property_id = str(params.get("YardiPropertyId", ""))
    if property_id not in state.dataset.properties:
        message = el(
            "Message", f"Invalid or no access to property {property_id}", messageType="Error"
        )
        return SimResponse(200, _wrap(method, f'<Messages xmlns="">{message}</Messages>'), XML)
    if method == "GetUnitInformation":
        return SimResponse(200, _wrap(method, _unit_information(state, property_id)), XML)
    since: datetime | None = None
    if method == "GetResidentsByDate":
        since = _modified_since(str(params.get("ModifiedSinceDate", "")))
        if since is None:
            message = el(
                "Message",
                "ModifiedSinceDate is required and must be a date or date and time.",
                messageType="Error",
            )
            return SimResponse(200, _wrap(method, f'<Messages xmlns="">{message}</Messages>'), XML)
    truncate = state.faults.take_truncation("yardi")
    return SimResponse(200, _residents(state, property_id, truncate, method, since), XML)


def _modified_since(value: str) -> datetime | None:
    """ModifiedSinceDate as the server's local time: "2026-12-06T10:42:00", "2026-12-06"
    or "12/06/2026" (a date means its midnight); None when it is neither."""
    value = value.strip()
    for parse in (
        datetime.fromisoformat,
        lambda text: datetime.strptime(text, "%m/%d/%Y"),
    ):
        try:
            found = parse(value)
        except ValueError:
            continue
        if found.tzinfo is not None:
            return found
        return found.replace(tzinfo=SERVER_ZONE)
    return None


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


def _unit_information(state: SimState, property_id: str) -> str:
    occupied = {
        r.unit_id
        for r in state.dataset.residents_of(property_id)
        if r.lifecycle.value in ("current", "notice")
    }
    rows = "".join(
        "<UnitInfo>"
        + el("UnitID", u.name, UniqueID=str(u.id))
        + "<Unit>"
        + el(
            "UnitEconomicStatusDescription",
            "Occupied No Notice" if u.id in occupied else "Vacant Unrented Ready",
        )
        + el("BuildingName", u.building)
        + "</Unit></UnitInfo>"
        for u in state.dataset.units_of(property_id)
    )
    return f'<UnitInformation xmlns=""><Property><Units>{rows}</Units></Property></UnitInformation>'


def _phones(resident: SimResident) -> str:
    # Home before cell on purpose: the connector must prefer the mobile number anyway.
    out = ""
    for kind, description, number in (
        ("home", "Home", resident.home),
        ("cell", "Mobile", resident.mobile),
    ):
        if number:
            out += (
                f'<Phone PhoneType="{kind}">'
                + el("PhoneDescription", description)
                + el("PhoneNumber", number)
                + "</Phone>"
            )
    return out


def _lease(lease: list[SimResident], units: dict[int, SimUnit]) -> str:
    holder, others = lease[0], [r for r in lease[1:] if serves_resident(r)]
    unit = units.get(holder.unit_id)
    out = (
        el("Status", raw_status("yardi", holder) or "")
        + el("FirstName", holder.first_name)
        + el("LastName", holder.last_name)
        + el("Email", holder.email)
        + _phones(holder)
        + el("UnitCode", unit.name if unit else "")
        + el("LeaseFromDate", us_date(holder.lease_start))
        + el("LeaseToDate", us_date(holder.lease_end))
        + el("MoveInDate", us_date(holder.move_in))
        + el("MoveOutDate", us_date(holder.move_out))
        + el("NoticeDate", us_date(holder.notice_date))
    )
    if others:
        out += "<OtherOccupants>"
        for other in others:
            out += (
                el_open("OtherOccupant", Code=record_id(other))
                + el("FirstName", other.first_name)
                + el("LastName", other.last_name)
                + el("Email", other.email)
                + (el("MoveInDate", us_date(other.move_in)) if other.move_in else "")
                + (el("MoveOutDate", us_date(other.move_out)) if other.move_out else "")
                + "</OtherOccupant>"
            )
        out += "</OtherOccupants>"
    return el_open("Resident", tCode=record_id(holder)) + out + "</Resident>"


def el_open(tag: str, **attrs: str) -> str:
    return f"<{tag}" + "".join(f" {name}={quoteattr(v)}" for name, v in attrs.items()) + ">"


def _residents(
    state: SimState,
    property_id: str,
    truncate: bool,
    method: str = "GetResidents",
    since: datetime | None = None,
) -> Iterator[bytes]:
    """GetResidents, or GetResidentsByDate: the same <Resident> shape, holding only the
    leases (tenant records) saved at or after `since` — a lease counts as saved when any
    person on it was (their occupants are part of the tenant record)."""
    units = {u.id: u for u in state.dataset.units_of(property_id)}
    leases = [
        lease
        for lease in state.dataset.leases_of(property_id)
        if lease[0].role is ResidentRole.PRIMARY
        and serves_resident(lease[0])
        and (since is None or any(person.modified_at >= since for person in lease))
    ]
    yield (
        soap_open()
        + f'<{method}Response xmlns="{NAMESPACE}"><{method}Result>'
        + '<MITS-ResidentData xmlns=""><PropertyResidents><Residents>'
    ).encode()
    for index, lease in enumerate(leases):
        if truncate and index >= len(leases) // 2:
            return  # the fault: the document simply stops
        yield _lease(lease, units).encode()
    yield (
        f"</Residents></PropertyResidents></MITS-ResidentData></{method}Result>"
        f"</{method}Response>" + SOAP_CLOSE
    ).encode()
