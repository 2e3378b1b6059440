"""Buildium Open API v1: REST/JSON at https://api.buildium.com, offset/limit paging.

Every call, parameter, header and field used here is listed with its source in
fixtures/README.md (Buildium publishes its OpenAPI document; the "API Overview" sections
of it describe authentication, paging and rate limits):

  GET /v1/rentals                      properties
  GET /v1/rentals/units?propertyids=…  units
  GET /v1/leases/tenants?propertyids=… tenants (names and contacts of everyone on a lease)
  GET /v1/leases?propertyids=…         leases: who is on each, their status, move-outs
  GET /v1/leases/{leaseId}             one lease, for a webhook's targeted sync
  GET /v1/leases/tenants/{tenantId}    one tenant, with the leases they are on

Authentication is two headers, x-buildium-client-id and x-buildium-client-secret. A list
answers a JSON array and its whole size in the X-Total-Count header; pages are asked for
with `offset` (zero-based) and `limit` (1 to 1000). The pager checks every page against
that total, so a short or shifted page fails the fetch whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from integrations.pms.errors import (
    CredentialRejected,
    MalformedResponse,
    PMSError,
    PMSPropertyNotFound,
    RequestRejected,
)
from integrations.pms.fields import RecordProblem, text
from integrations.pms.http import HttpOptions, HttpResponse, HttpTransport
from integrations.pms.pages import Announced, Pager, PageRequest, row_key
from integrations.pms.vendor import RawPage, Row
from integrations.vendors.buildium.mapping import DETAILS_KEY

VENDOR = "Buildium"
ROOT = "https://api.buildium.com"
# "`limit` can range between 1 and 1000 and the default is 50" (OpenAPI, every list call).
PAGE_SIZE = 1000
FIELDS_HINT = "client ID and client secret"
_ID = row_key("Id")


class BuildiumRecordNotFound(RequestRejected):
    """A lease or tenant asked for by id is not in Buildium (deleted since the event)."""


def since_param(moment: datetime) -> str:
    """`lastupdatedfrom`: "The value must be in UTC and formatted as YYYY-MM-DDTHH:MM:SSZ"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BuildiumClient:
    def __init__(
        self, fields: Mapping[str, str], *, options: HttpOptions, base_url: str | None
    ) -> None:
        self.root = base_url or ROOT
        self.http = HttpTransport(
            vendor=VENDOR,
            options=options,
            secrets=(fields["client_secret"],),
            headers={
                "x-buildium-client-id": fields["client_id"],
                "x-buildium-client-secret": fields["client_secret"],
                "Accept": "application/json",
            },
            classify=self._classify,
            fields_hint=FIELDS_HINT,
        )

    def close(self) -> None:
        self.http.close()

    # -- the VendorClient calls -----------------------------------------------------------

    def properties(self) -> list[Mapping[str, Any]]:
        return [row for page in self._list("/v1/rentals", {}) for row in page]

    def units(self, property_id: str) -> list[Mapping[str, Any]]:
        rows = [
            row
            for page in self._list("/v1/rentals/units", {"propertyids": property_id}, property_id)
            for row in page
        ]
        if not rows:
            # An id Buildium does not hold filters to nothing rather than failing.
            self._check_known([property_id], "/v1/rentals/units")
        return rows

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        for property_id in property_ids:
            yield from self._property_pages(property_id, {})

    def resident_pages_changed_since(
        self, property_ids: Sequence[str], since: datetime
    ) -> Iterator[RawPage]:
        """Leases updated at or after `since`, with every tenant of each. A tenant whose own
        record changed (a new email) changes no lease, so tenants updated since are read too
        and the leases they are on fetched whole. A delta is never evidence that anyone
        left: only the rows it holds are applied."""
        changed = {"lastupdatedfrom": since_param(since)}
        for property_id in property_ids:
            seen: set[str] = set()
            for page in self._property_pages(property_id, changed):
                seen.update(text(row, "Id") for row in page.rows)
                yield page
            tenants = [
                row
                for page in self._list(
                    "/v1/leases/tenants", {"propertyids": property_id, **changed}, property_id
                )
                for row in page
            ]
            lease_ids = sorted(
                {
                    text(lease, "Id")
                    for tenant in tenants
                    for lease in _objects(tenant.get("Leases"))
                    if text(lease, "PropertyId") in ("", property_id)
                }
                - seen
                - {""}
            )
            leases = [self.lease(lease_id) for lease_id in lease_ids]
            rows = self._joined([lease for lease in leases if lease is not None], {})
            if rows:
                yield RawPage(tuple(rows), property_id)

    # -- one record, for a webhook's targeted sync -------------------------------------

    def lease(self, lease_id: str) -> Mapping[str, Any] | None:
        """GET /v1/leases/{leaseId}; None when Buildium no longer has it."""
        return self._one(f"/v1/leases/{_numeric(lease_id)}", "/v1/leases/{leaseId}")

    def tenant(self, tenant_id: str) -> Mapping[str, Any] | None:
        """GET /v1/leases/tenants/{tenantId}; None when Buildium no longer has it."""
        return self._one(
            f"/v1/leases/tenants/{_numeric(tenant_id)}", "/v1/leases/tenants/{tenantId}"
        )

    def resident_pages_for(
        self, property_ids: Sequence[str], *, lease_ids: Iterable[str], tenant_ids: Iterable[str]
    ) -> Iterator[RawPage]:
        """The rows of the given leases, and of every lease the given tenants are on, fresh
        from the API — only those of `property_ids`. What is not found is left out: a
        targeted read is never evidence that anyone left."""
        wanted = {str(lease_id) for lease_id in lease_ids}
        known: dict[str, Mapping[str, Any]] = {}
        # Every person on a named lease is read with all their leases too, so the read holds
        # each person whole: a move-out it shows is theirs, not an old lease's next to a
        # current one (the sync applies it at once rather than waiting for a full run).
        people = {str(tenant_id) for tenant_id in tenant_ids}
        fetched: dict[str, Mapping[str, Any] | None] = {}
        for lease_id in sorted(wanted - {""}):
            fetched[lease_id] = self.lease(lease_id)
            named = fetched[lease_id]
            if named is not None:
                people.update(text(t, "Id") for t in _objects(named.get("Tenants")))
        for tenant_id in sorted(people - {""}):
            tenant = self.tenant(str(tenant_id))
            if tenant is None:
                continue
            known[text(tenant, "Id")] = tenant
            wanted.update(text(lease, "Id") for lease in _objects(tenant.get("Leases")))
        attached = set(property_ids)
        by_property: dict[str, list[Mapping[str, Any]]] = {}
        for lease_id in sorted(wanted - {""}):
            lease = fetched[lease_id] if lease_id in fetched else self.lease(lease_id)
            if lease is not None and text(lease, "PropertyId") in attached:
                by_property.setdefault(text(lease, "PropertyId"), []).append(lease)
        for property_id, leases in by_property.items():
            yield RawPage(tuple(self._joined(leases, known)), property_id)

    # -- reading -------------------------------------------------------------------------

    def _property_pages(self, property_id: str, extra: Mapping[str, str]) -> Iterator[RawPage]:
        """One property's leases, page by page, each with its tenants' details joined in.

        A full read takes every tenant of the property first (their names and contacts),
        then streams the leases. A delta (`extra` filters) reads only the leases changed
        and fetches the few tenants they name that are not current on them. A tenant a
        lease names that neither listed (created in between) is fetched on its own rather
        than dropped."""
        params = {"propertyids": property_id}
        tenants: dict[str, Mapping[str, Any]] = {}
        if not extra:
            tenants = {
                text(row, "Id"): row
                for page in self._list("/v1/leases/tenants", params, property_id)
                for row in page
            }
        empty = True
        for page in self._list("/v1/leases", {**params, **extra}, property_id):
            empty = False
            yield RawPage(tuple(self._joined(page, tenants)), property_id)
        if empty and not tenants and not extra:
            self._check_known([property_id], "/v1/leases")

    def _joined(
        self, leases: Sequence[Mapping[str, Any]], tenants: dict[str, Mapping[str, Any]]
    ) -> list[Mapping[str, Any]]:
        rows: list[Mapping[str, Any]] = []
        for lease in leases:
            current = {text(t, "Id") for t in _objects(lease.get("CurrentTenants"))}
            details = []
            for entry in _objects(lease.get("Tenants")):
                tenant_id = _safe_text(entry, "Id")
                if not tenant_id or tenant_id in current:
                    continue
                if tenant_id not in tenants:
                    found = self.tenant(tenant_id)
                    if found is None:
                        continue  # the mapping reports the tenant it cannot name
                    tenants[tenant_id] = found
                details.append(tenants[tenant_id])
            rows.append({**lease, DETAILS_KEY: details})
        return rows

    def _list(
        self, path: str, params: Mapping[str, str], property_id: str = ""
    ) -> Iterator[Sequence[Mapping[str, Any]]]:
        """Every page of one list call: `offset` moves by the rows received (a server may
        serve fewer than `limit`), until X-Total-Count is reached."""
        offset = [0]

        def read(page: PageRequest) -> tuple[Sequence[Mapping[str, Any]], Announced]:
            query = {**params, "offset": str(offset[0]), "limit": str(PAGE_SIZE)}
            response = self.http.request("GET", self.root + path, call=path, params=query)
            rows = self._rows(response, path)
            offset[0] += len(rows)
            total = response.headers.get("x-total-count")
            if total is None or not total.strip().isdigit():
                # Without the total a short page could pass for the last one.
                raise self.http.error(
                    MalformedResponse, call=path, detail="no X-Total-Count header"
                )
            return rows, Announced(total=int(total))

        return Pager.of(self.http, path, key=_ID).read(read)

    def _one(self, path: str, call: str) -> Mapping[str, Any] | None:
        try:
            response = self.http.request("GET", self.root + path, call=call)
        except BuildiumRecordNotFound:
            return None
        payload = self._json(response, call)
        if not isinstance(payload, dict):
            raise self.http.error(MalformedResponse, call=call, detail="answer is not an object")
        _raise_error_body(self, payload, call)
        return payload

    def _rows(self, response: HttpResponse, call: str) -> list[Mapping[str, Any]]:
        payload = self._json(response, call)
        if isinstance(payload, dict):
            # HTTP 200 with an error body is an error all the same.
            _raise_error_body(self, payload, call)
            raise self.http.error(MalformedResponse, call=call, detail="answer is not a list")
        if not isinstance(payload, list) or not all(isinstance(row, dict) for row in payload):
            raise self.http.error(MalformedResponse, call=call, detail="answer is not a list")
        return payload

    def _json(self, response: HttpResponse, call: str) -> Any:
        try:
            return json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self.http.error(
                MalformedResponse, call=call, detail=f"broken JSON: {exc}"
            ) from None

    def _check_known(self, property_ids: Sequence[str], call: str) -> None:
        known = {_safe_text(row, "Id") for row in self.properties()}
        for property_id in property_ids:
            if property_id not in known:
                raise self.http.error(
                    PMSPropertyNotFound,
                    call=call,
                    detail=f"rental property {property_id} is not in /v1/rentals",
                    pms_property_id=property_id,
                )

    def _classify(self, response: HttpResponse, call: str) -> PMSError | None:
        # ApiErrorResponse {UserMessage, ErrorCode, Errors[{Key, Value}]} (OpenAPI).
        status = response.status_code
        message = _error_message(response.content)
        if status == 401:
            return self.http.error(
                CredentialRejected,
                call=call,
                detail=message or "HTTP 401: the API key couldn't be authorized",
            )
        if status == 404 and "{" in call:
            return self.http.error(BuildiumRecordNotFound, call=call, detail=message or "HTTP 404")
        if status in (400, 404, 422):
            return self.http.error(RequestRejected, call=call, detail=message or f"HTTP {status}")
        return None


def _raise_error_body(client: BuildiumClient, payload: Mapping[str, Any], call: str) -> None:
    if "ErrorCode" in payload or "UserMessage" in payload:
        message = str(payload.get("UserMessage") or payload.get("ErrorCode") or "error")
        raise client.http.error(RequestRejected, call=call, detail=message)


def _error_message(body: bytes) -> str:
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    if not isinstance(payload, dict):
        return ""
    return str(payload.get("UserMessage") or payload.get("ErrorCode") or "")[:200]


def _objects(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _safe_text(row: Row, key: str) -> str:
    try:
        return text(row, key)
    except RecordProblem:
        return ""


def _numeric(value: str) -> str:
    """An id put into a path: Buildium's are int32, and nothing else may steer the URL."""
    if not str(value).isdigit():
        raise ValueError(f"not a Buildium id: {value!r}")
    return str(int(value))


__all__ = ["BuildiumClient", "BuildiumRecordNotFound", "since_param"]
