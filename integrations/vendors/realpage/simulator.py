"""RealPage RPX gateway, as the simulator speaks it."""

from __future__ import annotations

from collections.abc import Iterator

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
    us_date,
)
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import raw_status

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
ROLE_NAMES: dict[ResidentRole, str] = {
    ResidentRole.PRIMARY: "Head of Household",
    ResidentRole.ROOMMATE: "Co-Head",
    ResidentRole.OCCUPANT: "Occupant",
    ResidentRole.GUARANTOR: "Guarantor",
}


def external_id(resident: SimResident) -> str:
    # The connector's form: household (reshid) and member (resmid).
    return f"{resident.lease_id}:{resident.id}"


def role_name(role: ResidentRole, variant: int = 0) -> str:
    return ROLE_NAMES[role]


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


def _fault(message: str) -> SimResponse:
    return SimResponse(500, soap_fault("s:Client", message), XML)


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
    if method == "getSiteList":
        sites = "".join(
            "<site>" + el("siteid", p.id) + el("sitename", p.name) + el("address", p.street)
            + el("city", p.city) + el("state", p.state) + el("zip", p.postal_code) + "</site>"
            for p in state.dataset.properties.values()
        )  # fmt: skip
        return SimResponse(200, _wrap(method, f"<sites>{sites}</sites>"), XML)
    site_id = str(auth.get("siteid", ""))
    if method not in ("unitlist", "getresidentlist"):
        return _fault(f"Operation {method} is not supported.")
    if site_id not in state.dataset.properties:
        return _fault(f"Site {site_id} was not found for PMC {demo['pmc_id']}.")
    if method == "unitlist":
        occupied = {
            r.unit_id
            for r in state.dataset.residents_of(site_id)
            if r.lifecycle.value in ("current", "notice")
        }
        units = "".join(
            "<unit>" + el("unitid", u.id) + el("unitnumber", u.name)
            + el("buildingnumber", u.building) + el("floornumber", u.floor)
            + el("vacant", "F" if u.id in occupied else "T") + "</unit>"
            for u in state.dataset.units_of(site_id)
        )  # fmt: skip
        return SimResponse(200, _wrap(method, f"<units>{units}</units>"), XML)
    truncate = state.faults.take_truncation("realpage")
    return SimResponse(200, _residents(state, site_id, truncate), XML)


def _wrap(method: str, inner: str) -> bytes:
    return (
        soap_open()
        + f'<{method}Response xmlns="http://tempuri.org/"><{method}Result>{inner}'
        + f"</{method}Result></{method}Response>{SOAP_CLOSE}"
    ).encode()


def _resident(resident: SimResident, units: dict[int, str]) -> str:
    return (
        "<resident>"
        + el("reshid", resident.lease_id)
        + el("resmid", resident.id)
        + el("relationship", role_name(resident.role))
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
        + el("leasestatus", raw_status("realpage", resident) or "")
        + "</resident>"
    )


def _residents(state: SimState, site_id: str, truncate: bool) -> Iterator[bytes]:
    residents = state.dataset.residents_of(site_id)
    units = {u.id: u.name for u in state.dataset.units_of(site_id)}
    yield (
        soap_open()
        + '<getresidentlistResponse xmlns="http://tempuri.org/"><getresidentlistResult><residents>'
    ).encode()
    for index, resident in enumerate(residents):
        if truncate and index >= len(residents) // 2:
            return
        yield _resident(resident, units).encode()
    yield (f"</residents></getresidentlistResult></getresidentlistResponse>{SOAP_CLOSE}").encode()
