"""AppFolio Reports API v2: POST /api/v2/reports/<report>.json, Basic client id/secret.

Answers are {"results": [...], "next_page_url": "..."}: next_page_url is a path on the same
host, read with a POST of an empty JSON body, until it is null
(PhilipBuonforte/appfolio-report-snowflake-cache src/clients/appfolioClient.ts;
StantonManagement/SupabaseAF_appfolo developer_docs/appfolio-api-knowledge.md). Field
names are snake_case as AppFolio sends them. Every call, filter and field is listed with
its public source in fixtures/README.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from integrations.pms.errors import (
    MalformedResponse,
    PMSError,
    PMSPropertyNotFound,
    RateLimited,
    RequestRejected,
)
from integrations.pms.http import HttpOptions, HttpResponse, HttpTransport
from integrations.pms.jsonapi import error_member, json_object, json_rows
from integrations.pms.links import same_origin_next
from integrations.pms.pages import Announced, Pager, PageRequest, row_key
from integrations.pms.vendor import RawPage, Row
from integrations.vendors.appfolio.statuses import STATUS_CODES

VENDOR = "AppFolio"
# One row per tenant per occupancy.
_TENANT_KEY = row_key("occupancy_id", "selected_tenant_id")
FIELDS_HINT = "client ID and client secret"


class AppFolioClient:
    def __init__(
        self, fields: Mapping[str, str], *, options: HttpOptions, base_url: str | None
    ) -> None:
        self.root = base_url or f"https://{fields['vhost']}.appfolio.com"
        self.http = HttpTransport(
            vendor=VENDOR,
            options=options,
            secrets=(fields["client_secret"],),
            basic_auth=(fields["client_id"], fields["client_secret"]),
            classify=self._classify,
            fields_hint=FIELDS_HINT,
        )

    def close(self) -> None:
        self.http.close()

    def properties(self) -> list[Mapping[str, Any]]:
        # property_directory.json with property_visibility (PhilipBuonforte/appfolio-report-
        # snowflake-cache src/const/appfolio.ts): hidden properties too, since one attached
        # to an integration may be hidden later and must still be recognised.
        body = {"property_visibility": "all", "paginate_results": True}
        pages = self._report("property_directory", body, key=row_key("property_id"))
        return [row for page in pages for row in page]

    def units(self, property_id: str) -> list[Mapping[str, Any]]:
        # unit_directory.json filtered by properties.properties_ids (CryptoCultCurt/
        # appfolio-mcp-server src/reports/unitDirectoryReport.ts; unit_visibility:
        # appfolio-report-snowflake-cache src/const/appfolio.ts).
        body = {
            "unit_visibility": "all",
            "property_visibility": "all",
            "properties": {"properties_ids": [property_id]},
            "paginate_results": True,
        }
        pages = self._report("unit_directory", body, key=row_key("unit_id"))
        rows = [row for page in pages for row in page]
        if not rows:
            self._check_known("unit_directory.json", [property_id])
        return rows

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        # One report covers every property; a page can mix them, each row says its own.
        label = property_ids[0] if len(property_ids) == 1 else ""
        seen: set[str] = set()
        for rows in self.tenant_pages(property_ids):
            seen.update(str(row.get("property_id")) for row in rows)
            yield RawPage(rows, label)
        # AppFolio answers a property id it does not hold with no rows, not an error: a
        # property with no tenants at all is asked about, so the fetch fails whole instead
        # of reading as "everyone moved out".
        self._check_known("tenant_directory.json", [p for p in property_ids if p not in seen])

    def tenant_pages(self, property_ids: Sequence[str]) -> Iterator[Sequence[Mapping[str, Any]]]:
        # tenant_directory.json with tenant_visibility, tenant_types ["all"], tenant_statuses
        # codes and properties.properties_ids (CryptoCultCurt/appfolio-mcp-server
        # src/reports/tenantDirectoryReport.ts; shared/PMS_FORMATS.md).
        body = {
            "tenant_visibility": "all",
            "tenant_types": ["all"],
            "tenant_statuses": sorted(set(STATUS_CODES.values())),
            "property_visibility": "all",
            "properties": {"properties_ids": list(property_ids)},
            "paginate_results": True,
        }
        return self._report("tenant_directory", body, key=_TENANT_KEY)

    def _check_known(self, call: str, property_ids: Sequence[str]) -> None:
        """Raise PMSPropertyNotFound for the first id property_directory does not list."""
        if not property_ids:
            return
        known = {str(row.get("property_id")) for row in self.properties()}
        for property_id in property_ids:
            if property_id not in known:
                raise self.http.error(
                    PMSPropertyNotFound,
                    call=call,
                    detail=f"property {property_id} is not in property_directory",
                    pms_property_id=property_id,
                )

    def _report(
        self, report: str, body: Mapping[str, Any], key: Callable[[Row], str] | None = None
    ) -> Iterator[Sequence[Mapping[str, Any]]]:
        """Every page of one report: the POST, then POSTs of {} to next_page_url until it is null,
        whatever each page's size."""
        call = f"{report}.json"

        def read(page: PageRequest) -> tuple[Sequence[Mapping[str, Any]], Announced]:
            if page.link:
                # next_page_url is POSTed with an empty body, as public clients do
                # (appfolio-report-snowflake-cache appfolioClient.ts); not rate limited.
                response = self.http.request(
                    "POST",
                    page.link,
                    call=call,
                    content=b"{}",
                    headers={"Content-Type": "application/json"},
                    # AppFolio does not count next_page_url requests against its limit.
                    budgeted=False,
                )
            else:
                response = self.http.request(
                    "POST",
                    f"{self.root}/api/v2/reports/{report}.json",
                    call=call,
                    content=json.dumps(body).encode(),
                    headers={"Content-Type": "application/json"},
                )
            payload = self._parse(response, call)
            rows = json_rows(self.http, payload, "results", call)
            link = payload.get("next_page_url")
            if not link:
                return rows, Announced(next="")
            following = same_origin_next(response.url, str(link))
            if following is None:
                raise self.http.error(
                    MalformedResponse, call=call, detail="next_page_url leaves AppFolio"
                )
            return rows, Announced(next=following)

        return Pager.of(self.http, call, key=key).read(read)

    def _parse(self, response: HttpResponse, call: str) -> dict[str, Any]:
        payload = json_object(self.http, response, call)
        if payload.get("error"):
            raise self._error_for(str(payload["error"]), call)
        return payload

    def _error_for(self, message: str, call: str) -> PMSError:
        lowered = message.lower()
        if "rate" in lowered and "limit" in lowered:
            return self.http.error(RateLimited, call=call, detail=message)
        if "propert" in lowered and any(w in lowered for w in ("unknown", "invalid", "not found")):
            return self.http.error(PMSPropertyNotFound, call=call, detail=message)
        return self.http.error(RequestRejected, call=call, detail=message)

    def _classify(self, response: HttpResponse, call: str) -> PMSError | None:
        if response.status_code == 403:
            # The credential is good but the customer's AppFolio plan does not include this
            # report (a public client's note: "AppFolio Plus does not include report …").
            return self.http.error(
                RequestRejected,
                call=call,
                detail="HTTP 403: this report is not available to this AppFolio plan or key",
            )
        error = error_member(response, (400, 404, 422))
        return None if error is None else self._error_for(str(error), call)
