"""Rent Manager 12 Web API: https://<company>.api.rentmanager.com, JSON over GET.

A user logs in once (POST /Authentication/AuthorizeUser {Username, Password, LocationID}
answers the token as a JSON string); every call then carries it in X-RM12Api-ApiToken.
Tokens die after 15 idle minutes and a user may hold only ten at once, so the client logs
in once for its whole life, and on a 401 logs in again once and repeats the call. A login
Rent Manager refuses is said as such (LoginRefused), with Rent Manager's own words.

Collections take `filters=Field,op,value;…`, `embeds=`, `fields=`, `pagenumber` and
`pagesize`; each page says the whole result's size in `x-total-results`, and an empty
result is `204 No Content`. Every call, filter and field is listed with its public source
in fixtures/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.pms.errors import (
    CredentialRejected,
    MalformedResponse,
    PMSError,
    PMSPropertyNotFound,
    RateLimited,
    RequestRejected,
    VendorUnavailable,
)
from integrations.pms.http import HttpOptions, HttpResponse, HttpTransport, parse_retry_after
from integrations.pms.pages import Announced, Pager, PageRequest, count_field, row_key
from integrations.pms.redact import Redactor
from integrations.pms.vendor import RawPage, Row

VENDOR = "Rent Manager"
FIELDS_HINT = "user name, password and location ID"
LOGIN_CALL = "Authentication/AuthorizeUser"
TOKEN_HEADER = "X-RM12Api-ApiToken"  # noqa: S105 - a header name
PARTNER_HEADER = "X-RM12Api-PartnerToken"
LOCATION_HEADER = "X-RM12Api-LocationID"
# Below the documented 1,000-row cap (fixtures/README.md R1).
PAGE_SIZE = 500
# Ids per `TenantID,in,(…)` filter when re-reading tenants whose lease changed.
IDS_PER_FILTER = 100

# What the resident call embeds, and the fields it keeps: an embed must also be named in
# `fields` or Rent Manager leaves it out (R1).
TENANT_EMBEDS = (
    "Contacts",
    "Contacts.PhoneNumbers",
    "Contacts.PhoneNumbers.PhoneNumberType",
    "Leases",
    "Leases.Unit",
    "Leases.LeaseRenewals",
)
TENANT_FIELDS = (
    "TenantID",
    "Name",
    "FirstName",
    "LastName",
    "Status",
    "PropertyID",
    "UpdateDate",
    "Contacts",
    "Leases",
)
PROPERTY_FIELDS = ("PropertyID", "Name", "ShortName", "Addresses")
UNIT_FIELDS = ("UnitID", "PropertyID", "Name")


class LoginRefused(CredentialRejected):
    """Rent Manager refused the user name, password or location at login."""

    def _compose(self) -> str:
        said = f": {self.detail}" if self.detail else ""
        return (
            f"{self.vendor} rejected the credential: it refused the login "
            f"({self.call}{said}) — check the "
            f"{self.fields_hint} in Integrations → PMS credentials, and that the Rent "
            "Manager user has API Access."
        )


class TokenRefused(CredentialRejected):
    """A call's token was refused (it expired, or was revoked): log in again."""


def _error_model(response: HttpResponse) -> dict[str, Any]:
    """Rent Manager's ErrorModel (DeveloperMessage, UserMessage, Exception, …) or the bare
    ASP.NET {Message, ModelState}; {} when the body is neither."""
    try:
        payload = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _words(model: Mapping[str, Any]) -> str:
    """What Rent Manager said, for the error's detail."""
    said = model.get("DeveloperMessage") or model.get("UserMessage") or model.get("Message")
    state = model.get("ModelState")
    if isinstance(state, dict):
        problems = [str(p) for found in state.values() for p in (found or [])]
        said = "; ".join(filter(None, [str(said or ""), *problems]))
    return str(said or "")


def _filter_value(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S")


class RentManagerClient:
    def __init__(
        self, fields: Mapping[str, str], *, options: HttpOptions, base_url: str | None
    ) -> None:
        self.root = base_url or f"https://{fields['company']}.api.rentmanager.com"
        self.username = fields["username"]
        self.password = fields["password"]
        self.location_id = fields.get("location_id") or "1"
        partner = fields.get("partner_token") or ""
        headers = {"Accept": "application/json", LOCATION_HEADER: self.location_id}
        if partner:
            # Sent beside the user's token on every call, as public clients do (R7).
            headers[PARTNER_HEADER] = partner
        self._secrets: tuple[str, ...] = tuple(s for s in (self.password, partner) if s)
        self.http = HttpTransport(
            vendor=VENDOR,
            options=options,
            secrets=self._secrets,
            headers=headers,
            classify=self._classify,
            fields_hint=FIELDS_HINT,
        )
        self.page_size = PAGE_SIZE
        self._token = ""
        # Logins made by this client (tests and the benchmark read it).
        self.logins = 0

    def close(self) -> None:
        self.http.close()

    # -- the calls a connector makes ---------------------------------------------------

    def properties(self) -> list[Row]:
        rows = self._collection(
            "Properties",
            {"embeds": "Addresses", "fields": ",".join(PROPERTY_FIELDS)},
            key=row_key("PropertyID"),
        )
        return [row for page in rows for row in page]

    def units(self, property_id: str) -> list[Row]:
        pages = self._collection(
            "Units",
            {"filters": f"PropertyID,eq,{property_id}", "fields": ",".join(UNIT_FIELDS)},
            key=row_key("UnitID"),
        )
        rows = [row for page in pages for row in page]
        if not rows:
            # A filter matching nothing is an empty answer, whether or not the property
            # exists: ask which it is.
            self._check_known("Units", [property_id])
        return rows

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        for property_id in property_ids:
            found = False
            for rows in self.tenant_pages(f"PropertyID,eq,{property_id}"):
                found = True
                yield RawPage(rows, property_id)
            if not found:
                # No tenant at all (not even a past one) reads as "everyone moved out"
                # unless the property is known to exist.
                self._check_known("Tenants", [property_id])

    def resident_pages_changed_since(
        self, property_ids: Sequence[str], since: datetime
    ) -> Iterator[RawPage]:
        """Tenants whose own record or whose lease Rent Manager updated at or after
        `since`. UpdateDate is in the database's own zone, which the API does not say: the
        window is widened by a day so no zone can hide a change (more rows, never fewer)."""
        utc = since.astimezone(UTC) if since.tzinfo else since
        cutoff = _filter_value(utc.replace(tzinfo=None) - timedelta(days=1))
        for property_id in property_ids:
            seen: set[str] = set()
            for rows in self.tenant_pages(f"PropertyID,eq,{property_id};UpdateDate,ge,{cutoff}"):
                seen.update(str(row.get("TenantID")) for row in rows)
                yield RawPage(rows, property_id)
            # A lease change (a move-out date, a notice) need not touch the tenant record.
            leases = self._collection(
                "Leases",
                {
                    "filters": f"PropertyID,eq,{property_id};UpdateDate,ge,{cutoff}",
                    "fields": "LeaseID,TenantID,UpdateDate",
                },
                key=row_key("LeaseID"),
            )
            more = sorted(
                {str(row.get("TenantID")) for page in leases for row in page} - seen - {"None"}
            )
            for start in range(0, len(more), IDS_PER_FILTER):
                chunk = ",".join(more[start : start + IDS_PER_FILTER])
                for rows in self.tenant_pages(f"TenantID,in,({chunk})"):
                    yield RawPage(rows, property_id)

    def tenant_pages(self, filters: str) -> Iterator[Sequence[Row]]:
        return self._collection(
            "Tenants",
            {
                "filters": filters,
                "embeds": ",".join(TENANT_EMBEDS),
                "fields": ",".join(TENANT_FIELDS),
            },
            key=row_key("TenantID"),
        )

    # -- reading ----------------------------------------------------------------------

    def _collection(
        self, resource: str, query: Mapping[str, str], *, key: Any
    ) -> Iterator[Sequence[Row]]:
        """Every page of one collection, numbered from 1, to the total Rent Manager
        announces in x-total-results (a page never ends the read by being short)."""

        def read(page: PageRequest) -> tuple[Sequence[Row], Announced]:
            params = {**query, "pagesize": str(self.page_size), "pagenumber": str(page.number)}
            response = self._get(resource, params)
            rows = self._rows(response, resource)
            try:
                total = count_field(
                    {"x-total-results": response.headers.get("x-total-results")},
                    "x-total-results",
                )
            except ValueError as exc:
                raise self.http.error(MalformedResponse, call=resource, detail=str(exc)) from None
            if total is None:
                # Without the total, only an empty page could end the read (pages.py).
                return rows, Announced()
            return rows, Announced(total=total)

        return Pager.of(self.http, resource, key=key).read(read)

    def _rows(self, response: HttpResponse, call: str) -> list[Row]:
        if response.status_code == 204 or not response.content.strip():
            # Nothing matched the filter (R1): an empty page, not an error.
            return []
        try:
            payload = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self.http.error(
                MalformedResponse, call=call, detail=f"broken JSON: {exc}"
            ) from None
        if isinstance(payload, dict) and ("DeveloperMessage" in payload or "Message" in payload):
            # An error model answered with a success status.
            raise self.http.error(RequestRejected, call=call, detail=_words(payload))
        if not isinstance(payload, list) or not all(isinstance(row, dict) for row in payload):
            raise self.http.error(MalformedResponse, call=call, detail="answer is not a list")
        return payload

    def _get(self, resource: str, params: Mapping[str, str]) -> HttpResponse:
        """GET with this client's token; logs in first if it has none, and once more if
        Rent Manager refuses the token (it expires after 15 idle minutes)."""
        for attempt in (1, 2):
            token = self._token or self._login()
            try:
                return self.http.request(
                    "GET",
                    f"{self.root}/{resource}",
                    call=resource,
                    params=params,
                    headers={TOKEN_HEADER: token},
                )
            except TokenRefused:
                self._token = ""
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _login(self) -> str:
        body = {
            "Username": self.username,
            "Password": self.password,
            "LocationID": int(self.location_id),
        }
        response = self.http.request(
            "POST",
            f"{self.root}/{LOGIN_CALL}",
            call=LOGIN_CALL,
            content=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        self.logins += 1
        try:
            token = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            token = None
        if not isinstance(token, str) or not token.strip():
            raise self.http.error(
                MalformedResponse, call=LOGIN_CALL, detail="the login answered no token"
            )
        self._token = token.strip()
        # The token is a secret too: keep it out of every error from now on.
        self.http.redact = Redactor((*self._secrets, self._token))
        return self._token

    def _check_known(self, call: str, property_ids: Iterable[str]) -> None:
        """Raise PMSPropertyNotFound for the first id Rent Manager does not list."""
        wanted = list(property_ids)
        known = {str(row.get("PropertyID")) for row in self.properties()}
        for property_id in wanted:
            if property_id not in known:
                raise self.http.error(
                    PMSPropertyNotFound,
                    call=call,
                    detail=f"property {property_id} is not in Properties",
                    pms_property_id=property_id,
                )

    # -- errors -----------------------------------------------------------------------

    def _classify(self, response: HttpResponse, call: str) -> PMSError | None:
        model = _error_model(response)
        said = _words(model)
        detail = f"HTTP {response.status_code}" + (f": {said}" if said else "")
        status = response.status_code
        if status == 429:
            wait = parse_retry_after(response.headers.get("retry-after")) or parse_retry_after(
                response.headers.get("x-ratelimit-resettime")
            )
            return self.http.error(RateLimited, call=call, detail=detail, retry_after=wait)
        if call == LOGIN_CALL:
            return self._login_error(status, model, detail)
        if status == 401:
            return self.http.error(TokenRefused, call=call, detail=detail)
        if status == 403 or (status >= 500 and "privilege" in said.lower()):
            # The user may log in but lacks a privilege (Rent Manager answers some of
            # these with 500).
            return self.http.error(CredentialRejected, call=call, detail=detail)
        if status in (400, 404) and said:
            return self.http.error(RequestRejected, call=call, detail=detail)
        return None

    def _login_error(self, status: int, model: Mapping[str, Any], detail: str) -> PMSError | None:
        said = _words(model).lower()
        if "maximum number" in said:
            # The user holds ten live tokens already; they free up after 15 idle minutes.
            return self.http.error(VendorUnavailable, call=LOGIN_CALL, detail=detail)
        exception = str(model.get("Exception") or "")
        if status in (400, 401, 403) or "Authentication" in exception:
            # A forced password reset comes back as HTTP 500 with an authentication
            # exception (R1): a refusal all the same, which no retry fixes.
            return self.http.error(LoginRefused, call=LOGIN_CALL, detail=detail)
        return None
