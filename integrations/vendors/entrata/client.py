"""Entrata: JSON-RPC over POST, one endpoint per area (properties, propertyunits, leases).

Two ways in: https://<sub>.entrata.com/api/v1/<endpoint> with Basic auth, or
https://apis.entrata.com/ext/orgs/<sub>/v1/<endpoint> with X-Api-Key (mo05mAn/
entrata_api_client configuration.py: apiKeyAuth "X-Api-Key"). Every call posts
{"auth": {"type": …}, "requestId": …, "method": {"name", "version", "params"}}; errors come
back as response.error{code, message} (models/error_response_response_error.py), with
HTTP 200 or 4xx. getLeases pages with ?page_no=N&per_page=M, read to the end the pager
contract allows (pms/pages.py): no public shape shows a total, so in practice only an
empty page ("No records found…") ends it — a server may cap per_page below what was asked. Every call, parameter and field is listed with its public
source in fixtures/README.md.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from integrations.pms.budget import exhausted_for
from integrations.pms.errors import (
    CredentialFieldsInvalid,
    CredentialRejected,
    MalformedResponse,
    PMSError,
    PMSPropertyNotFound,
    RateLimited,
    RequestRejected,
    VendorUnavailable,
)
from integrations.pms.fields import RecordProblem, items, mapping
from integrations.pms.http import HttpOptions, HttpResponse, HttpTransport, parse_retry_after
from integrations.pms.pages import (
    Announced,
    Pager,
    PageRequest,
    count_field,
    row_key,
)
from integrations.pms.vendor import RawPage
from integrations.vendors.entrata.statuses import STATUS_TYPE_IDS

VENDOR = "Entrata"
PER_PAGE = 500


class EntrataClient:
    def __init__(
        self, fields: Mapping[str, str], *, options: HttpOptions, base_url: str | None
    ) -> None:
        subdomain = fields["subdomain"]
        api_key = fields.get("api_key", "")
        username, password = fields.get("username", ""), fields.get("password", "")
        headers: dict[str, str] = {}
        basic: tuple[str, str] | None = None
        if api_key:
            self.auth_type = "apikey"
            root = base_url or "https://apis.entrata.com"
            self.prefix = f"{root}/ext/orgs/{subdomain}/v1"
            headers["X-Api-Key"] = api_key
            hint = "API key"
        elif username and password:
            self.auth_type = "basic"
            root = base_url or f"https://{subdomain}.entrata.com"
            self.prefix = f"{root}/api/v1"
            basic = (username, password)
            hint = "username and password"
        else:
            raise CredentialFieldsInvalid(
                "Entrata credential needs an API key, or a username and password"
            )
        self.http = HttpTransport(
            vendor=VENDOR,
            options=options,
            secrets=(api_key, password),
            basic_auth=basic,
            headers=headers,
            classify=self._classify,
            fields_hint=hint,
        )
        self._request_ids = itertools.count(1)

    def close(self) -> None:
        self.http.close()

    # -- calls -------------------------------------------------------------------------

    def properties(self) -> list[Mapping[str, Any]]:
        # getProperties r1, no params: result.PhysicalProperty.Property[] (entrata_api_client
        # docs/PropertiesApi.md, models/get_properties_success_response_result*.py;
        # markhamilton/node-entrata endpoints/Properties.js).
        result = self._rpc("properties", "getProperties", {})
        try:
            return [
                p for group in items(result, "PhysicalProperty") for p in items(group, "Property")
            ]
        except RecordProblem as exc:
            raise self._malformed("getProperties", str(exc)) from None

    def units(self, property_id: str) -> list[Mapping[str, Any]]:
        # getPropertyUnits r1 takes propertyIds — plural, comma-separated — and answers
        # result.properties.property{propertyId, units.unit[]} (entrata_api_client
        # models/get_property_units_method_params.py and
        # get_property_units_success_response_response_result*.py; node-entrata
        # endpoints/PropertyUnits.js). Disabled units are asked for too: someone may still
        # live in a unit taken off the market.
        result = self._rpc(
            "propertyunits",
            "getPropertyUnits",
            {"propertyIds": property_id, "includeDisabledUnits": "1"},
            property_id=property_id,
        )
        try:
            return [
                unit
                for prop in items(mapping(result, "properties"), "property")
                for unit in items(mapping(prop, "units"), "unit")
            ]
        except RecordProblem as exc:
            raise self._malformed("getPropertyUnits", str(exc)) from None

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        for property_id in property_ids:
            for leases in self.lease_pages(property_id):
                yield RawPage(leases, property_id)

    def lease_pages(self, property_id: str) -> Iterator[Sequence[Mapping[str, Any]]]:
        """Each page of getLeases for one property, every lease status included.

        Pages are read until the total Entrata announces, or — when it announces none — until
        a page comes back empty ("No records found"): a server may cap per_page below what
        was asked, so a short page is never taken for the last.
        """
        # getLeases r2: propertyId (one), leaseStatusTypeIds (comma-separated), ?page_no=
        # &per_page= (entrata_api_client models/get_leases_r2_method_params.py and
        # api/leases_api.py; noclocks/gmhleasr R/entrata_leases.R).
        params = {
            "propertyId": property_id,
            "leaseStatusTypeIds": ",".join(STATUS_TYPE_IDS),
            "includeOtherIncomeLeases": "0",
        }

        def read(page: PageRequest) -> tuple[Sequence[Mapping[str, Any]], Announced]:
            envelope: dict[str, Any] = {}
            result = self._rpc(
                "leases",
                "getLeases",
                params,
                version="r2",
                query={"page_no": page.number, "per_page": PER_PAGE},
                property_id=property_id,
                whole=envelope,
            )
            try:
                leases = items(mapping(result, "leases"), "lease")
            except RecordProblem as exc:
                raise self._malformed("getLeases", f"page {page.number}: {exc}") from None
            return leases, self._announced(envelope, result, page.number)

        return Pager.of(self.http, "getLeases", key=row_key("id")).read(read)

    def _announced(
        self, envelope: Mapping[str, Any], result: Mapping[str, Any], page_no: int
    ) -> Announced:
        """What a getLeases page says about the whole result: `pagination` in the response
        or its result, with a record total and/or a page count."""
        found = envelope.get("pagination") or result.get("pagination")
        if not isinstance(found, Mapping):
            return Announced()
        try:
            return Announced(
                total=count_field(found, "total", "totalRecords", "total_records"),
                pages=count_field(found, "totalPages", "total_pages", "pageCount"),
            )
        except ValueError as exc:
            raise self._malformed("getLeases", f"page {page_no}: pagination {exc}") from None

    # -- wire --------------------------------------------------------------------------

    def _rpc(
        self,
        endpoint: str,
        method: str,
        params: Mapping[str, str],
        *,
        version: str = "r1",
        query: Mapping[str, str | int] | None = None,
        property_id: str = "",
        whole: dict[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        """The `result` object of one call; {} for Entrata's "No records found" text.

        `whole`, when given, receives the whole `response` object (paging sits there)."""
        request_id = str(next(self._request_ids))
        body = {
            "auth": {"type": self.auth_type},
            "requestId": request_id,
            "method": {"name": method, "version": version, "params": params},
        }
        try:
            response = self.http.request(
                "POST",
                f"{self.prefix}/{endpoint}",
                call=method,
                content=json.dumps(body).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                params=query,
            )
        except PMSPropertyNotFound as exc:
            # Refused with a 4xx: the classifier could not know which property was asked.
            if property_id and not exc.pms_property_id:
                raise self.http.error(
                    PMSPropertyNotFound,
                    call=method,
                    detail=exc.detail,
                    pms_property_id=property_id,
                ) from None
            raise
        try:
            payload = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self._malformed(method, f"broken JSON: {exc}") from None
        envelope = payload.get("response") if isinstance(payload, dict) else None
        if not isinstance(envelope, dict):
            raise self._malformed(method, "no response object")
        if envelope.get("error"):
            raise self._error_for(envelope, method, property_id)
        if whole is not None:
            whole.update(envelope)
        result = envelope.get("result")
        if isinstance(result, str):
            if result.lower().startswith("no records found"):
                return {}
            raise self._malformed(method, "result is text")
        if not isinstance(result, dict):
            raise self._malformed(method, "no result object")
        return result

    def _error_for(self, envelope: Mapping[str, Any], method: str, property_id: str) -> PMSError:
        error = envelope.get("error")
        message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
        # error.code is Entrata's own ("one of 1xx, 3xx, 4xx, 5xx"); response.code is the
        # HTTP-like status. Entrata's says more, so it comes first.
        candidates = (error.get("code") if isinstance(error, dict) else None, envelope.get("code"))
        codes = [int(str(c)) for c in candidates if str(c).isdigit() and str(c) != "200"]
        code = codes[0] if codes else 0
        lowered = message.lower()
        detail = f"{code} {message}".strip()
        # 401/403 and 429 are the codes noclocks/gmhleasr R/entrata_internal.R acts on; the
        # wording is not published, so words only back the codes up.
        if {401, 403} & set(codes) or any(
            word in lowered for word in ("password", "api key", "unauthori", "authenticat")
        ):
            return self.http.error(CredentialRejected, call=method, detail=detail)
        if 429 in codes or "rate limit" in lowered:
            return self.http.error(RateLimited, call=method, detail=detail)
        if 404 in codes or (
            "property" in lowered and ("invalid" in lowered or "not found" in lowered)
        ):
            return self.http.error(
                PMSPropertyNotFound, call=method, detail=detail, pms_property_id=property_id
            )
        if code >= 500:
            return self.http.error(VendorUnavailable, call=method, detail=detail)
        return self.http.error(RequestRejected, call=method, detail=detail)

    def _classify(self, response: HttpResponse, call: str) -> PMSError | None:
        # A non-2xx with a JSON-RPC error says more than the status line does.
        if response.status_code == 429:
            return self._rate_limited(response, call)
        try:
            payload = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        envelope = payload.get("response") if isinstance(payload, dict) else None
        if isinstance(envelope, dict) and envelope.get("error"):
            envelope = {"code": response.status_code, **envelope}
            return self._error_for(envelope, call, "")
        return None

    def _rate_limited(self, response: HttpResponse, call: str) -> RateLimited:
        """A 429, waiting as long as Entrata says: Retry-After if sent, else until the
        X-RateLimit-Reset of the window with nothing left (noclocks/gmhleasr
        R/entrata_internal.R, req_retry_after; its recorded headers give the reset as
        seconds per window)."""
        wait = parse_retry_after(response.headers.get("retry-after"))
        if wait is None:
            # "36686;686;26" (seconds to each window's reset, day;hour;minute) as Entrata
            # sends it, or one epoch time (pms/budget.py reads both).
            # Without X-RateLimit-Remaining the 429 does not say which window ran out:
            # the shortest is waited out, and the next answer's headers say if more is due.
            headers = {
                "x-ratelimit-remaining": response.headers.get("x-ratelimit-remaining", "0"),
                "x-ratelimit-reset": response.headers.get("x-ratelimit-reset", ""),
            }
            wait = exhausted_for(headers, now=time.time())
        return self.http.error(RateLimited, call=call, detail="HTTP 429", retry_after=wait)

    def _malformed(self, method: str, detail: str) -> MalformedResponse:
        return self.http.error(MalformedResponse, call=method, detail=detail)
