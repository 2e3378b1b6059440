"""AppFolio Reports API v2: POST /api/v2/reports/<report>.json, Basic client id/secret.

Answers are {"results": [...], "next_page_url": "..."}; follow-up pages are GETs of that
URL until it is null.
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
        body = {"properties_visibility": "active", "paginate_results": True}
        pages = self._report("property_directory", body, key=row_key("property_id"))
        return [row for page in pages for row in page]

    def units(self, property_id: str) -> list[Mapping[str, Any]]:
        body = {"properties": {"properties_ids": [property_id]}, "paginate_results": True}
        pages = self._report("unit_directory", body, key=row_key("unit_id"))
        return [row for page in pages for row in page]

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        # One report covers every property; a page can mix them, each row says its own.
        label = property_ids[0] if len(property_ids) == 1 else ""
        for rows in self.tenant_pages(property_ids):
            yield RawPage(rows, label)

    def tenant_pages(self, property_ids: Sequence[str]) -> Iterator[Sequence[Mapping[str, Any]]]:
        body = {
            "tenant_visibility": "all",
            "tenant_types": ["all"],
            "tenant_statuses": sorted(set(STATUS_CODES.values())),
            "properties": {"properties_ids": list(property_ids)},
            "paginate_results": True,
        }
        return self._report("tenant_directory", body, key=_TENANT_KEY)

    def _report(
        self, report: str, body: Mapping[str, Any], key: Callable[[Row], str] | None = None
    ) -> Iterator[Sequence[Mapping[str, Any]]]:
        """Every page of one report: the POST, then GETs of next_page_url until it is null,
        whatever each page's size."""
        call = f"{report}.json"

        def read(page: PageRequest) -> tuple[Sequence[Mapping[str, Any]], Announced]:
            if page.link:
                response = self.http.request("GET", page.link, call=call)
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
        error = error_member(response, (400, 404, 422))
        return None if error is None else self._error_for(str(error), call)
