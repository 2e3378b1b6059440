"""RealPage RPX gateway, as the simulator speaks it: the public shapes of fixtures/
(method names, element names and their letter case, faults with RPXApplicationFault),
nothing the connector alone would expect."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import UNPAGED, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS
from integrations.simulator.data import SimResident
from integrations.simulator.render import (
    HTML_UNAVAILABLE,
    SOAP_CLOSE,
    el,
    iso_datetime,
    read_soap_call,
    soap_fault,
    soap_open,
    soap_result,
    us_date,
)
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import raw_status, role_name

XML = "text/xml; charset=utf-8"
RAW_STATUSES: dict[Lifecycle, tuple[str, ...]] = {
    Lifecycle.APPLICANT: ("Applicant",),
    Lifecycle.FUTURE: ("Future Lease", "Applicant - Lease Signed"),
    # OneSite has no notice status: a current lease with a notice date is on notice.
    Lifecycle.CURRENT: ("Current",),
    Lifecycle.NOTICE: ("Current",),
    Lifecycle.PAST: ("Former",),
    Lifecycle.CANCELLED: ("Former Applicant",),
}
ROLE_NAMES: dict[ResidentRole, tuple[str, ...]] = {
    ResidentRole.PRIMARY: ("Head of Household",),
    ResidentRole.ROOMMATE: ("Co-Head",),
    ResidentRole.OCCUPANT: ("Occupant",),
    ResidentRole.GUARANTOR: ("Guarantor",),
}


def record_id(resident: SimResident) -> str:
    """The record id the vendor sends for this resident."""
    # The connector's form: household (reshid) and member (resmid).
    return f"{resident.lease_id}:{resident.id}"


# How this wire expresses the adversarial behaviours (integrations/simulator/adversary.py):
# one answer per site, so no page behaviours.
TRAITS = WireTraits(
    paging=UNPAGED,
    date_fields=frozenset(
        {"begindate", "enddate", "moveindate", "moveoutdate", "noticegivendate", "noticefordate"}
    ),
    date_styles=(iso_datetime, us_date, lambda day: f"{day.isoformat()}T00:00:00.000-07:00"),
    optional_fields=frozenset({"email", "homephone", "cellphone"}),
    body="xml",
)


def failure(kind: str, retry_after: int) -> SimResponse:
    if kind == "5xx":
        return SimResponse(503, HTML_UNAVAILABLE, "text/html")
    if kind == "error_200":
        return SimResponse(200, soap_fault("s:Server", "The operation timed out."), XML)
    if kind == "429":
        return SimResponse(429, b"", "text/plain", {"Retry-After": str(retry_after)})
    return SimResponse(200, soap_open().encode() + b"<getresidentlistResponse><resi", XML)


def _fault(message: str, custom: str = "") -> SimResponse:
    # WCF answers a fault with HTTP 500; RPX adds detail/RPXApplicationFault.
    body = soap_fault("s:Client", message)
    detail = (
        '<detail><RPXApplicationFault xmlns="http://schemas.datacontract.org/2004/07/RPX.Common">'
        + el("CustomMessage", custom or message)
        + el("ExceptionMessage", message)
        + el("MessageLogId", "90210000")
        + "</RPXApplicationFault></detail>"
    )
    return SimResponse(500, body.replace(b"</soap:Fault>", detail.encode() + b"</soap:Fault>"), XML)


def handle(request: SimRequest, state: SimState) -> SimResponse:
    demo = DEMO_CREDENTIALS["realpage"]
    partner = demo["partner"]
    if request.path != f"/partner/{partner}/{partner}.svc":
        return SimResponse(404, b"Endpoint not found.", "text/plain")
    parsed = read_soap_call(request.body)
    if parsed is None:
        return _fault("The message could not be processed.")
    method, params = parsed
    auth = params.get("auth") if isinstance(params.get("auth"), dict) else {}
    assert isinstance(auth, dict)
    if (
        state.faults.credential_expired("realpage")
        or auth.get("pmcid") != demo["pmc_id"]
        or auth.get("licensekey") != demo["license_key"]
    ):
        return _fault("Authentication failed: the license key or PMC ID is not valid.")
    if method == "getsitelist":
        sites = "".join(
            "<Site>" + el("SiteID", p.id) + el("SiteName", p.name) + el("Adr1", p.street)
            + el("City", p.city) + el("State", p.state) + el("Zip", p.postal_code) + "</Site>"
            for p in state.dataset.properties.values()
        )  # fmt: skip
        return SimResponse(200, _wrap(method, f'<SiteList xmlns="">{sites}</SiteList>'), XML)
    site_id = str(auth.get("siteid", ""))
    if method not in ("getunitlist", "unitlist", "getresidentlist"):
        return _fault(f"Operation {method} is not supported.")
    if site_id not in state.dataset.properties:
        return _fault(f"Site {site_id} was not found for PMC {demo['pmc_id']}.", "Invalid site id.")
    if method == "getunitlist":
        return SimResponse(200, _wrap(method, _unit_objects(state, site_id)), XML)
    if method == "unitlist":
        return SimResponse(200, _wrap(method, _unit_list(state, site_id)), XML)
    truncate = state.faults.take_truncation("realpage")
    return SimResponse(200, _residents(state, site_id, truncate), XML)


def _occupied(state: SimState, site_id: str) -> set[int]:
    return {
        r.unit_id
        for r in state.dataset.residents_of(site_id)
        if r.lifecycle.value in ("current", "notice")
    }


def _unit_objects(state: SimState, site_id: str) -> str:
    """getunitlist: GetUnitList/UnitObjects/UnitObject, nested as quext and tghp read it."""
    occupied = _occupied(state, site_id)
    p = state.dataset.properties[site_id]
    units = "".join(
        "<UnitObject>" + el("PropertyNumberID", site_id)
        + "<Address>" + el("UnitID", u.id) + el("UnitNumber", u.name)
        + el("BuildingID", u.building) + el("Address1", f"{p.street} #{u.name}")
        + el("CityName", p.city) + el("State", p.state) + el("Zip", p.postal_code) + "</Address>"
        + "<UnitDetails>" + el("FloorNumber", u.floor) + el("Bedrooms", 1)
        + el("Bathrooms", "1.00") + el("GrossSqFtCount", 700) + "</UnitDetails>"
        + "<Availability>" + el("AvailableBit", "false" if u.id in occupied else "true")
        + el("MadeReadyDate", "") + "</Availability>"
        + "</UnitObject>"
        for u in state.dataset.units_of(site_id)
    )  # fmt: skip
    return f'<GetUnitList xmlns=""><UnitObjects>{units}</UnitObjects></GetUnitList>'


def _unit_list(state: SimState, site_id: str) -> str:
    """unitlist: UnitList/Unit with flat PascalCase fields, as NASAdash reads it."""
    occupied = _occupied(state, site_id)
    units = "".join(
        "<Unit>" + el("UnitID", u.id) + el("UnitNumber", u.name)
        + el("BuildingName", f"Building {u.building}") + el("Floor", u.floor)
        + el("Vacant", "F" if u.id in occupied else "T") + "</Unit>"
        for u in state.dataset.units_of(site_id)
    )  # fmt: skip
    return f'<UnitList xmlns="">{units}</UnitList>'


def _wrap(method: str, inner: str) -> bytes:
    return soap_result(method, "http://tempuri.org/", inner)


def _resident(resident: SimResident, units: dict[int, str], status: str = "") -> str:
    return (
        "<resident>"
        + el("reshid", resident.lease_id)
        + el("resmid", resident.id)
        + el("relationship", role_name("realpage", resident.role))
        + el("leaseid", resident.lease_id * 10 + (1 if status else 0))
        + el("firstname", resident.first_name)
        + el("lastname", resident.last_name)
        + el("unitid", resident.unit_id)
        + el("unitnumber", units.get(resident.unit_id, ""))
        + el("begindate", iso_datetime(resident.lease_start))
        + el("enddate", iso_datetime(resident.lease_end))
        + el("moveindate", iso_datetime(resident.move_in))
        + el("moveoutdate", iso_datetime(resident.move_out))
        + el(
            "noticegivendate",
            iso_datetime(resident.notice_date) if resident.lifecycle.value == "notice" else "",
        )
        + el(
            "noticefordate",
            iso_datetime(resident.move_out) if resident.lifecycle.value == "notice" else "",
        )
        + el("email", resident.email)
        + el("homephone", resident.home)
        + el("cellphone", resident.mobile)
        + el("leasestatus", status or raw_status("realpage", resident) or "")
        + "</resident>"
    )


def _renewal(resident: SimResident, units: dict[int, str]) -> str | None:
    """Every fifth current household member has also signed a renewal ahead of its start:
    OneSite lists it as a second row, "Future Lease", for the same person."""
    if resident.lifecycle.value != "current" or resident.id % 5 or resident.lease_end is None:
        return None
    renewal = replace(
        resident,
        lease_start=resident.lease_end + timedelta(days=1),
        lease_end=resident.lease_end + timedelta(days=366),
    )
    return _resident(renewal, units, status="Future Lease")


def _residents(state: SimState, site_id: str, truncate: bool) -> Iterator[bytes]:
    residents = state.dataset.residents_of(site_id)
    units = {u.id: u.name for u in state.dataset.units_of(site_id)}
    yield (
        soap_open()
        + '<getresidentlistResponse xmlns="http://tempuri.org/"><getresidentlistResult>'
        + '<residentlist xmlns="">'
    ).encode()
    for index, resident in enumerate(residents):
        if truncate and index >= len(residents) // 2:
            return
        renewal = _renewal(resident, units)
        # The renewal row comes first on even members: the client must not depend on order.
        if renewal and resident.id % 2 == 0:
            yield renewal.encode()
        yield _resident(resident, units).encode()
        if renewal and resident.id % 2:
            yield renewal.encode()
    yield (
        f"</residentlist></getresidentlistResult></getresidentlistResponse>{SOAP_CLOSE}"
    ).encode()
