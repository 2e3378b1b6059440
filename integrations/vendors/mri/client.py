"""MRI Residential (x5) API: GET api.asp?$api=<name>&$format=json, OData-like paging.

Basic auth whose username packs four parts: ClientID/Database/WebUser/PartnerKey. Pages
are {"value": [...], "nextLink": "..."}; no nextLink means the last page. API names
other than ResidentLeaseDetailsByPropertyID are inferred.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from integrations.pms.errors import (
    CredentialRejected,
    MalformedResponse,
    PMSError,
    PMSPropertyNotFound,
    RequestRejected,
)
from integrations.pms.http import HttpOptions, HttpResponse, HttpTransport
from integrations.pms.jsonapi import error_member, json_object, json_rows
from integrations.pms.links import same_origin_next
from integrations.pms.pages import Announced, Pager, PageRequest, row_key
from integrations.pms.vendor import RawPage, Row

VENDOR = "MRI"
API_PATH = "/mriapiservices/api.asp"
PROPERTIES_API = "MRI_S-PMRM_PropertyList"
UNITS_API = "MRI_S-PMRM_UnitsByPropertyID"
RESIDENTS_API = "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID"
PAGE_SIZE = 300
# One row per person per lease: a person renewing stands on two leases.
_ROW_KEY = row_key("LeaseID", "ResidentNameID")
FIELDS_HINT = "client ID, database, web service user, partner key and password"


class MRIClient:
    def __init__(
        self, fields: Mapping[str, str], *, options: HttpOptions, base_url: str | None
    ) -> None:
        if base_url:
            self.endpoint = base_url + API_PATH
        else:
            url = fields["url"].rstrip("/")
            self.endpoint = url if url.lower().endswith(".asp") else url + API_PATH
        username = "/".join(
            (fields["client_id"], fields["database"], fields["username"], fields["partner_key"])
        )
        self.http = HttpTransport(
            vendor=VENDOR,
            options=options,
            secrets=(fields["password"], fields["partner_key"]),
            basic_auth=(username, fields["password"]),
            classify=self._classify,
            fields_hint=FIELDS_HINT,
        )

    def close(self) -> None:
        self.http.close()

    def properties(self) -> list[Mapping[str, Any]]:
        pages = self._pages(PROPERTIES_API, {}, key=row_key("PropertyID"))
        return [row for page in pages for row in page]

    def units(self, property_id: str) -> list[Mapping[str, Any]]:
        params = {"RMPROPID": property_id}
        pages = self._pages(UNITS_API, params, property_id, key=row_key("BuildingID", "UnitID"))
        return [row for page in pages for row in page]

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        for property_id in property_ids:
            params = {"RMPROPID": property_id}
            for rows in self._pages(RESIDENTS_API, params, property_id, key=_ROW_KEY):
                yield RawPage(rows, property_id)

    def _pages(
        self,
        api: str,
        params: Mapping[str, str],
        property_id: str = "",
        *,
        key: Callable[[Row], str],
    ) -> Iterator[Sequence[Mapping[str, Any]]]:
        """Every page of one API: nextLink is followed to the end; a page without one is
        the last, whatever its size (a server may cap $top)."""
        first: dict[str, str | int] = {
            "$api": api,
            "$format": "json",
            **params,
            "$top": PAGE_SIZE,
            "$skip": 0,
        }

        def read(page: PageRequest) -> tuple[Sequence[Mapping[str, Any]], Announced]:
            # A link carries the whole query, $skip included.
            url, query = (page.link, None) if page.link else (self.endpoint, first)
            try:
                response = self.http.request("GET", url, call=api, params=query)
            except PMSPropertyNotFound as exc:
                # Classified from the status line, before anyone knew which property.
                if not property_id or exc.pms_property_id:
                    raise
                raise self.http.error(
                    PMSPropertyNotFound, call=api, detail=exc.detail, pms_property_id=property_id
                ) from None
            payload = self._parse(response, api, property_id)
            rows = json_rows(self.http, payload, "value", api)
            link = payload.get("nextLink") or payload.get("@odata.nextLink")
            if not link:
                return rows, Announced(next="")
            following = same_origin_next(response.url, str(link))
            if following is None:
                raise self.http.error(MalformedResponse, call=api, detail="nextLink leaves the API")
            return rows, Announced(next=following)

        return Pager.of(self.http, api, key=key).read(read)

    def _parse(self, response: HttpResponse, api: str, property_id: str) -> dict[str, Any]:
        payload = json_object(self.http, response, api)
        if "error" in payload:
            raise self._error_for(payload["error"], api, property_id)
        return payload

    def _error_for(self, error: Any, api: str, property_id: str) -> PMSError:
        message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
        lowered = message.lower()
        if "credential" in lowered or "unauthori" in lowered or "password" in lowered:
            return self.http.error(CredentialRejected, call=api, detail=message)
        if ("rmpropid" in lowered or "property" in lowered) and any(
            word in lowered for word in ("not exist", "not found", "invalid", "no access")
        ):
            return self.http.error(
                PMSPropertyNotFound, call=api, detail=message, pms_property_id=property_id
            )
        return self.http.error(RequestRejected, call=api, detail=message)

    def _classify(self, response: HttpResponse, call: str) -> PMSError | None:
        error = error_member(response, (400, 404, 422))
        return None if error is None else self._error_for(error, call, "")
