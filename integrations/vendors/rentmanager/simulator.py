"""Rent Manager 12's Web API, as the simulator speaks it: the public shapes of fixtures/
(PascalCase names, AuthorizeUser answering the token as a JSON string, X-RM12Api-ApiToken,
`filters=Field,op,value;…`, numbered pages announcing x-total-results, 204 for nothing
found, ErrorModel errors), nothing the connector alone would expect.

Every tenant (and its lease) carries an UpdateDate, so `filters=UpdateDate,ge,…` works:
records never edited keep a date in the past; an edit stamps the changed tenant (its
name, contact, status) or lease (its unit and dates) with the simulator's clock.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from weakref import WeakKeyDictionary

from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.adversary import NUMBERED, WireTraits
from integrations.simulator.credentials import DEMO_CREDENTIALS
from integrations.simulator.data import Dataset, SimResident
from integrations.simulator.render import iso_date, iso_datetime
from integrations.simulator.server import SimRequest, SimResponse, SimState
from integrations.simulator.vocab import raw_status

DEFAULT_PAGE_SIZE = 1000
# Rent Manager has no "Notice" status in its confirmed vocabulary: a tenant on notice is
# Current with a notice date and a move-out ahead on the lease (statuses.py).
RAW_STATUSES: dict[Lifecycle, tuple[str, ...]] = {
    Lifecycle.FUTURE: ("Future",),
    Lifecycle.CURRENT: ("Current",),
    Lifecycle.NOTICE: ("Current",),
    Lifecycle.PAST: ("Past",),
}
# Every tenant holds a lease of their own; there is no role name on the wire.
ROLE_NAMES: dict[ResidentRole, tuple[str, ...]] = {
    ResidentRole.PRIMARY: ("",),
    ResidentRole.ROOMMATE: ("",),
    ResidentRole.OCCUPANT: ("",),
    ResidentRole.GUARANTOR: ("",),
}
_LOGIN = "/Authentication/AuthorizeUser"
_MORE_INFO = "https://{company}.api.rentmanager.com/Help/Resource/{resource}"
# The simulator's clock for UpdateDate stamps; tests replace it.
CLOCK: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def serves_resident(resident: SimResident) -> bool:
    """Whom /Tenants lists: lease holders. Applicants are Prospects in Rent Manager, and
    occupants and guarantors are contacts of a tenant, not tenants."""
    return resident.lifecycle in RAW_STATUSES and resident.role in (
        ResidentRole.PRIMARY,
        ResidentRole.ROOMMATE,
    )


def as_served(resident: SimResident) -> SimResident:
    """A roommate is a tenant with a lease of their own: no role is sent."""
    return replace(resident, role=ResidentRole.PRIMARY)


def _offset_datetime(value: date) -> str:
    # The other spelling Rent Manager's DateTime takes: with the database's UTC offset.
    return f"{value.isoformat()}T00:00:00-05:00"


# How this wire expresses the adversarial behaviours (integrations/simulator/adversary.py):
# pages by number, each announcing the whole result's size.
TRAITS = WireTraits(
    paging=NUMBERED,
    date_fields=frozenset({"MoveInDate", "MoveOutDate", "NoticeDate", "StartDate", "EndDate"}),
    date_styles=(iso_date, _offset_datetime),
    optional_fields=frozenset({"Email", "PhoneNumbers", "Unit", "Addresses"}),
)


def failure(kind: str, retry_after: int) -> SimResponse:
    if kind == "5xx":
        return SimResponse(
            503,
            b"<html><head><title>Service Unavailable</title></head><body><h2>Service "
            b"Unavailable</h2></body></html>",
            "text/html",
        )
    if kind == "429":
        # Whether Rent Manager's 429 carries Retry-After is not public (fixtures/README.md);
        # it is sent here so the fault matrix's waits are exact. The client also reads
        # x-ratelimit-resettime, tested against error_rate_limited.json.
        reset = CLOCK() + timedelta(seconds=retry_after)
        return SimResponse(
            429,
            b"",
            "text/plain",
            {
                "Retry-After": str(retry_after),
                "x-ratelimit-limit": "500",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(int(reset.timestamp())),
            },
        )
    if kind == "error_200":
        return SimResponse.of_json(
            _error("An unexpected error occurred.", "Exception", "Unspecified Error")
        )
    return SimResponse(200, b'[{"TenantID":1,"FirstName":"Ana","LastNa')


def _error(developer: str, exception: str, user: str = "Unspecified Error") -> dict[str, Any]:
    return {
        "DeveloperMessage": developer,
        "ErrorCode": -2146233088,
        "Exception": exception,
        "UserMessage": user,
        "MoreInfoUri": "",
    }


# -- tokens and UpdateDate stamps, per simulator state ---------------------------------


@dataclass
class _Memory:
    tokens: set[str] = field(default_factory=set)
    logins: int = 0
    dataset: Dataset | None = None
    version: int = -1
    # resident id → (fingerprint, stamp) for the tenant record and for its lease.
    tenant: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    lease: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_MEMORY: WeakKeyDictionary[SimState, _Memory] = WeakKeyDictionary()
_MEMORY_LOCK = threading.Lock()


def _memory(state: SimState) -> _Memory:
    with _MEMORY_LOCK:
        found = _MEMORY.get(state)
        if found is None:
            found = _MEMORY[state] = _Memory()
        return found


def expire_tokens(state: SimState) -> None:
    """Forget every token handed out, as Rent Manager does after 15 idle minutes."""
    memory = _memory(state)
    with memory.lock:
        memory.tokens.clear()


def logins(state: SimState) -> int:
    """Logins the simulator has answered with a token."""
    return _memory(state).logins


def _print(values: Iterable[object]) -> str:
    return hashlib.sha1(repr(tuple(values)).encode(), usedforsecurity=False).hexdigest()


def _tenant_print(r: SimResident) -> str:
    return _print((r.first_name, r.last_name, r.email, r.mobile, r.home, r.lifecycle))


def _lease_print(r: SimResident) -> str:
    return _print((r.unit_id, r.lease_start, r.lease_end, r.move_in, r.move_out, r.notice_date,
                   r.lifecycle))  # fmt: skip


def _stamps(state: SimState) -> _Memory:
    """The memory with every resident's UpdateDates brought up to the data set's edits."""
    memory = _memory(state)
    dataset = state.dataset
    with memory.lock:
        if memory.dataset is not dataset:
            memory.dataset, memory.version = dataset, -1
            memory.tenant.clear()
            memory.lease.clear()
        if memory.version == dataset.version:
            return memory
        now = CLOCK().replace(tzinfo=None, microsecond=0)
        fresh = not memory.tenant
        for r in list(dataset.residents.values()):
            # A data set never edited has its records' dates in the past; first seen after
            # an edit, a record cannot tell whether it changed, so it counts as changed.
            base = (
                datetime.combine(dataset.today - timedelta(days=2 + r.id % 60), datetime.min.time())
                if fresh and dataset.version == 0
                else now
            )
            for table, fingerprint in (
                (memory.tenant, _tenant_print(r)),
                (memory.lease, _lease_print(r)),
            ):
                before = table.get(r.id)
                if before is None:
                    table[r.id] = (fingerprint, base)
                elif before[0] != fingerprint:
                    table[r.id] = (fingerprint, now)
        memory.version = dataset.version
        return memory


# -- filters -----------------------------------------------------------------------------


class _BadFilter(ValueError):
    pass


Getter = Callable[[Any], Any]


def _parse_filters(raw: str, fields: dict[str, Getter]) -> list[Callable[[Any], bool]]:
    """`Field,op,value;…` as predicates over simulator objects (eq, in, ge, gt, le, lt)."""
    tests: list[Callable[[Any], bool]] = []
    for part in filter(None, raw.split(";")):
        try:
            name, op, value = part.split(",", 2)
        except ValueError:
            raise _BadFilter(f"Error parsing filter '{part}'.") from None
        getter = fields.get(name)
        if getter is None:
            raise _BadFilter(
                f"Error parsing filter '{part}'. Field is not available for filtering."
            )
        tests.append(_predicate(getter, op, value, part))
    return tests


def _as_value(getter_value: Any, text: str) -> Any:
    text = text.strip()
    if isinstance(getter_value, datetime):
        return datetime.fromisoformat(text[:19]) if "T" in text else datetime.fromisoformat(text)
    if isinstance(getter_value, int):
        return int(text)
    return text


def _predicate(getter: Getter, op: str, value: str, part: str) -> Callable[[Any], bool]:
    def test(item: Any) -> bool:
        have = getter(item)
        try:
            if op == "in":
                wanted = {_as_value(have, v) for v in value.strip("()").split(",") if v}
                return have in wanted
            want = _as_value(have, value)
        except ValueError:
            return False
        match op:
            case "eq":
                return bool(have == want)
            case "ne":
                return bool(have != want)
            case "gt":
                return bool(have > want)
            case "ge":
                return bool(have >= want)
            case "lt":
                return bool(have < want)
            case "le":
                return bool(have <= want)
        raise _BadFilter(f"Error parsing filter '{part}'. Unknown operator {op}.")

    if op not in {"eq", "ne", "gt", "ge", "lt", "le", "in"}:
        raise _BadFilter(f"Error parsing filter '{part}'. Unknown operator {op}.")
    return test


# -- rendering ---------------------------------------------------------------------------


def _date(value: date | None) -> str | None:
    return iso_datetime(value) or None


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _property(p: Any) -> dict[str, Any]:
    return {
        "PropertyID": int(p.id),
        "Name": p.name,
        "ShortName": p.name.split()[0].upper()[:8],
        "Addresses": [
            {
                "AddressID": 50000 + int(p.id),
                "Street": p.street,
                "City": p.city,
                "State": p.state,
                "PostalCode": p.postal_code,
                "IsPrimary": True,
            }
        ],
    }


def _unit(u: Any) -> dict[str, Any]:
    return {"UnitID": u.id, "PropertyID": int(u.property_id), "Name": u.name}


def _phones(r: SimResident) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for serial, (type_id, kind, number) in enumerate(((3, "Cell", r.mobile), (1, "Home", r.home))):
        if number:
            found.append(
                {
                    "PhoneNumberID": r.id * 10 + serial,
                    "PhoneNumberTypeID": type_id,
                    "PhoneNumber": number,
                    "IsPrimary": not found,
                    "PhoneNumberType": {"PhoneNumberTypeID": type_id, "Name": kind},
                }
            )
    return found


def _lease_id(r: SimResident) -> int:
    # One lease per tenant (roommates each hold one).
    return 700000 + r.id


def _lease(r: SimResident, units: dict[int, str], stamp: datetime) -> dict[str, Any]:
    return {
        "LeaseID": _lease_id(r),
        "TenantID": r.id,
        "UnitID": r.unit_id,
        "PropertyID": int(r.property_id),
        "MoveInDate": _date(r.move_in),
        "MoveOutDate": _date(r.move_out),
        "NoticeDate": _date(r.notice_date),
        "IsMoveOutConfirmed": r.lifecycle is Lifecycle.PAST,
        "StartDate": _date(r.lease_start),
        "EndDate": _date(r.lease_end),
        "UpdateDate": _stamp(stamp),
        "Unit": {
            "UnitID": r.unit_id,
            "PropertyID": int(r.property_id),
            "Name": units.get(r.unit_id, ""),
        },
        "LeaseRenewals": [
            {
                "LeaseRenewalID": 800000 + r.id,
                "ParentLeaseID": _lease_id(r),
                "UnitID": r.unit_id,
                "StartDate": _date(r.lease_start),
                "EndDate": _date(r.lease_end),
            }
        ]
        if r.lease_start
        else [],
    }


def _tenant(r: SimResident, units: dict[int, str], memory: _Memory) -> dict[str, Any]:
    tenant_stamp = memory.tenant[r.id][1]
    lease = _lease(r, units, memory.lease[r.id][1])
    return {
        "TenantID": r.id,
        "Name": f"{r.first_name} {r.last_name}",
        "FirstName": r.first_name,
        "LastName": r.last_name,
        "Status": raw_status("rentmanager", r),
        "PropertyID": int(r.property_id),
        "UpdateDate": _stamp(tenant_stamp),
        "Contacts": [
            {
                "ContactID": 900000 + r.id,
                "FirstName": r.first_name,
                "LastName": r.last_name,
                "IsPrimary": True,
                "IsActive": True,
                "Email": r.email,
                "PhoneNumbers": _phones(r),
            }
        ],
        "Leases": [lease],
    }


# -- answering ---------------------------------------------------------------------------


def _authorised(request: SimRequest, state: SimState) -> SimResponse | None:
    """None when the token is good; else Rent Manager's 401."""
    token = request.headers.get("x-rm12api-apitoken", "")
    if not token:
        return SimResponse.of_json(
            _error("Missing ApiToken", "ApiAuthenticationException", "Authentication Failed."), 401
        )
    partner = DEMO_CREDENTIALS["rentmanager"].get("partner_token", "")
    sent_partner = request.headers.get("x-rm12api-partnertoken", "")
    memory = _memory(state)
    with memory.lock:
        known = token in memory.tokens
    if (
        not known
        or state.faults.credential_expired("rentmanager")
        or (sent_partner and sent_partner != partner)
    ):
        return SimResponse.of_json(
            _error(
                "The ApiToken could not be validated.",
                "ApiAuthenticationException",
                "Authentication Failed.",
            ),
            401,
        )
    return None


def _login(request: SimRequest, state: SimState) -> SimResponse:
    if request.method != "POST":
        return SimResponse.of_json({"Message": "The requested resource does not support GET."}, 405)
    try:
        body = request.json() or {}
        username, password = str(body["Username"]), str(body["Password"])
        location = int(body.get("LocationID", 1))
    except (ValueError, KeyError, TypeError, AttributeError):
        return SimResponse.of_json(
            {"Message": "The request is invalid.", "ModelState": {"userAuthorizationModel": [
                "The login must give Username, Password and LocationID."]}},
            400,
        )  # fmt: skip
    demo = DEMO_CREDENTIALS["rentmanager"]
    if (
        state.faults.credential_expired("rentmanager")
        or username != demo["username"]
        or password != demo["password"]
        or str(location) != demo["location_id"]
    ):
        # The status and words Rent Manager uses for a wrong password are not public
        # (fixtures/README.md): an authentication ErrorModel, as its other refusals.
        return SimResponse.of_json(
            _error(
                "Invalid Username, Password or Location.",
                "ApiAuthenticationException",
                "Authentication Failed.",
            ),
            401,
        )
    memory = _memory(state)
    with memory.lock:
        memory.logins += 1
        token = hashlib.sha256(f"{memory.logins}:{id(state)}".encode()).hexdigest()[:108]
        memory.tokens.add(token)
    return SimResponse(200, json.dumps(token).encode(), "application/json; charset=utf-8")


def _page(
    request: SimRequest,
    state: SimState,
    resource: str,
    rows: Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
) -> SimResponse:
    try:
        number = int(request.query.get("pagenumber") or 1)
        size = int(request.query.get("pagesize") or DEFAULT_PAGE_SIZE)
    except ValueError:
        return SimResponse.of_json({"Message": "The request is invalid."}, 400)
    window = state.adversary.page("rentmanager", rows, number, size)
    headers = {
        "x-total-results": str(window.total),
        "x-results": str(len(window.rows)),
        "x-ratelimit-limit": "500",
    }
    links = []
    query = {k: v for k, v in request.query.items() if k != "pagenumber"}
    if window.next_start is not None:
        links.append(f'<{request.base}/{resource}?{urlencode({**query, "pagenumber": window.next_start})}>;rel="next"')  # fmt: skip
    if window.pages > 1:
        links.append(f'<{request.base}/{resource}?{urlencode({**query, "pagenumber": window.pages})}>;rel="last"')  # fmt: skip
    if links:
        headers["Link"] = ", ".join(links)
    if not window.rows:
        # Nothing on this page (or nothing at all): 204, no body.
        return SimResponse(204, b"", "application/json", headers)
    body = json.dumps([render(row) for row in window.rows]).encode()
    if resource == "Tenants" and state.faults.take_truncation("rentmanager"):
        body = body[: len(body) // 2]
    return SimResponse(200, body, "application/json; charset=utf-8", headers)


def handle(request: SimRequest, state: SimState) -> SimResponse:
    if request.path == _LOGIN:
        return _login(request, state)
    resource = request.path.strip("/")
    if resource not in ("Properties", "Units", "Tenants", "Leases"):
        return SimResponse.of_json(
            {
                "Message": f"No HTTP resource was found that matches the request URI '{request.path}'."
            },
            404,
        )
    refused = _authorised(request, state)
    if refused is not None:
        return refused
    dataset = state.dataset
    memory = _stamps(state) if resource in ("Tenants", "Leases") else _memory(state)
    getters: dict[str, Getter]
    rows: list[Any]
    render: Callable[[Any], dict[str, Any]]
    if resource == "Properties":
        getters = {"PropertyID": lambda p: int(p.id)}
        rows, render = list(dataset.properties.values()), _property
    elif resource == "Units":
        getters = {"PropertyID": lambda u: int(u.property_id), "UnitID": lambda u: u.id}
        rows = [u for p in dataset.properties for u in dataset.units_of(p)]
        render = _unit
    else:
        units = {u.id: u.name for u in dataset.units.values()}
        rows = [
            r for p in dataset.properties for r in dataset.residents_of(p) if serves_resident(r)
        ]
        if resource == "Tenants":
            getters = {
                "PropertyID": lambda r: int(r.property_id),
                "TenantID": lambda r: r.id,
                "Status": lambda r: raw_status("rentmanager", r),
                "UpdateDate": lambda r: memory.tenant[r.id][1],
            }
            render = partial_tenant(units, memory)
        else:
            getters = {
                "PropertyID": lambda r: int(r.property_id),
                "TenantID": lambda r: r.id,
                "LeaseID": _lease_id,
                "UpdateDate": lambda r: memory.lease[r.id][1],
            }
            render = partial_lease(units, memory)
    try:
        tests = _parse_filters(request.query.get("filters", ""), getters)
        rows = [row for row in rows if all(test(row) for test in tests)]
    except _BadFilter as exc:
        return SimResponse.of_json(
            {"Message": "The request is invalid.", "ModelState": {"filters": [str(exc)]}}, 400
        )
    return _page(request, state, resource, rows, _fielded(render, request.query.get("fields", "")))


def partial_tenant(units: dict[int, str], memory: _Memory) -> Callable[[Any], dict[str, Any]]:
    return lambda r: _tenant(r, units, memory)


def partial_lease(units: dict[int, str], memory: _Memory) -> Callable[[Any], dict[str, Any]]:
    def render(r: SimResident) -> dict[str, Any]:
        lease = _lease(r, units, memory.lease[r.id][1])
        lease.pop("Unit")
        lease.pop("LeaseRenewals")
        return lease

    return render


def _fielded(
    render: Callable[[Any], dict[str, Any]], fields: str
) -> Callable[[Any], dict[str, Any]]:
    """Only the `fields` asked for (all when none are named), as Rent Manager answers."""
    wanted = {name.strip() for name in fields.split(",") if name.strip()}
    if not wanted:
        return render
    return lambda row: {k: v for k, v in render(row).items() if k in wanted}
