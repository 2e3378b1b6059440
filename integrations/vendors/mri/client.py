"""MRI Residential (x5) API: GET api.asp?$api=<name>&$format=json, OData-like paging.

Basic auth whose username packs four parts: ClientID/Database/WebUser/PartnerKey. Pages
are {"value": [...], "nextLink": "..."}; no nextLink means the last page. API names
other than ResidentLeaseDetailsByPropertyID are inferred.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from integrations.pms.errors import (
    CredentialRejected,
    MalformedResponse,
    PMSError,
    PMSPropertyNotFound,
    RequestRejected,
)
from integrations.pms.http import HttpOptions, HttpResponse, HttpTransport
from integrations.pms.links import same_origin_next
from integrations.pms.vendor import RawPage

VENDOR = "MRI"
API_PATH = "/mriapiservices/api.asp"
PROPERTIES_API = "MRI_S-PMRM_PropertyList"
UNITS_API = "MRI_S-PMRM_UnitsByPropertyID"
RESIDENTS_API = "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID"
PAGE_SIZE = 300
MAX_PAGES = 10_000
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
        return [row for page in self._pages(PROPERTIES_API, {}) for row in page]

    def units(self, property_id: str) -> list[Mapping[str, Any]]:
        params = {"RMPROPID": property_id}
        return [row for page in self._pages(UNITS_API, params, property_id) for row in page]

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        for property_id in property_ids:
            for rows in self._pages(RESIDENTS_API, {"RMPROPID": property_id}, property_id):
                yield RawPage(rows, property_id)

    def _pages(
        self, api: str, params: Mapping[str, str], property_id: str = ""
    ) -> Iterator[list[Mapping[str, Any]]]:
        url = self.endpoint
        query: dict[str, str | int] | None = {
            "$api": api,
            "$format": "json",
            **params,
            "$top": PAGE_SIZE,
            "$skip": 0,
        }
        for _ in range(MAX_PAGES):
            response = self.http.request("GET", url, call=api, params=query)
            payload = self._parse(response, api, property_id)
            rows = payload.get("value")
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise self.http.error(
                    MalformedResponse, call=api, detail="value is not a list of rows"
                )
            if rows:
                yield rows
            link = payload.get("nextLink") or payload.get("@odata.nextLink")
            if not link:
                return
            following = same_origin_next(response.url, str(link))
            if following is None or following == response.url:
                raise self.http.error(
                    MalformedResponse, call=api, detail="nextLink leaves the API or repeats"
                )
            # The link carries the whole query, $skip included.
            url, query = following, None
        raise self.http.error(MalformedResponse, call=api, detail=f"more than {MAX_PAGES} pages")

    def _parse(self, response: HttpResponse, api: str, property_id: str) -> dict[str, Any]:
        try:
            payload = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise self.http.error(
                MalformedResponse, call=api, detail=f"broken JSON: {exc}"
            ) from None
        if not isinstance(payload, dict):
            raise self.http.error(MalformedResponse, call=api, detail="answer is not an object")
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
        if response.status_code not in (400, 404, 422):
            return None
        try:
            payload = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        if isinstance(payload, dict) and "error" in payload:
            return self._error_for(payload["error"], call, "")
        return None
