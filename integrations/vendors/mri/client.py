"""MRI Residential (x5) MIX API: GET api.asp?$api=<name>&$format=json, OData-like paging.

The calls, each as public clients make it (fixtures/ holds a request and an answer for
each, naming its sources):

  MRI_S-PMRM_PropertyIDByNameOrAddress                  properties
  MRI_S-PMRM_ResidentialRentRoll&PROPERTYID=…           units (falls back to the resident
                                                        rows' units if the key lacks it)
  MRI_S-PMRM_ResidentLeaseDetailsByPropertyID&RMPROPID=… residents, one row per person

Basic auth whose username packs four parts, ClientID/Database/WebUser/PartnerKey (the public
Python MRIIntegration script). Pages are {"value": [...], "nextLink": "..."}: the link is
followed as given — it carries %24top/%24skip or an opaque _next cursor (MicaTechnology/
mri_hook spec/api_client_spec.rb) — and no link means the last page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from integrations.pms.errors import (
    CredentialRejected,
    MalformedResponse,
    PMSError,
    PMSPropertyNotFound,
    RequestRejected,
)
from integrations.pms.fields import RecordProblem, text
from integrations.pms.http import HttpOptions, HttpResponse, HttpTransport
from integrations.pms.links import same_origin_next
from integrations.pms.vendor import RawPage
from integrations.vendors.mri.mapping import one_row_per_person

VENDOR = "MRI"
# mri_hook .env.test: BASE_MRI_API_ENDPOINT=/mriapiservices/api.asp
API_PATH = "/mriapiservices/api.asp"
PROPERTIES_API = "MRI_S-PMRM_PropertyIDByNameOrAddress"
UNITS_API = "MRI_S-PMRM_ResidentialRentRoll"
RESIDENTS_API = "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID"
# mri_hook: "default is 300 records" a page.
PAGE_SIZE = 300
MAX_PAGES = 10_000
FIELDS_HINT = "client ID, database, web service user, partner key and password"


class ApiUnavailable(RequestRejected):
    """This web service user may not call the API (MIX APIs are enabled per key)."""


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
        # $api=MRI_S-PMRM_PropertyIDByNameOrAddress with only $top: the public Python
        # MRIIntegration script lists a key's properties this way.
        return [row for page in self._pages(PROPERTIES_API, {}) for row in page]

    def units(self, property_id: str) -> list[Mapping[str, Any]]:
        # $api=MRI_S-PMRM_ResidentialRentRoll&PROPERTYID=…: Credit-Jeeves/validation-bundle
        # Services/MRI/MRIClient.php getResidentialRentRoll (PROPERTYID upper case). A rent
        # roll lists a unit once per lease row, so units are deduplicated.
        try:
            rows = [
                row
                for page in self._pages(UNITS_API, {"PROPERTYID": property_id}, property_id)
                for row in page
            ]
        except ApiUnavailable:
            # The key may not have the rent roll: every resident row names its unit too.
            rows = [
                row
                for page in self._pages(RESIDENTS_API, {"RMPROPID": property_id}, property_id)
                for row in page
            ]
        seen: dict[tuple[str, str], Mapping[str, Any]] = {}
        for row in rows:
            try:
                key = (text(row, "BuildingID"), text(row, "UnitID"))
            except RecordProblem:
                continue
            seen.setdefault(key, row)
        return list(seen.values())

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        # $api=MRI_S-PMRM_ResidentLeaseDetailsByPropertyID&RMPROPID=…: mri_hook
        # resident_lease_details_by_property_handler.rb; Credit-Jeeves MRIClient.php.
        for property_id in property_ids:
            # A property's rows are read whole before any is passed on: a person listed on
            # two leases (a renewal) must be seen on both pages to keep the right one.
            rows = [
                row
                for page in self._pages(RESIDENTS_API, {"RMPROPID": property_id}, property_id)
                for row in page
            ]
            kept = one_row_per_person(rows)
            for start in range(0, len(kept), PAGE_SIZE):
                yield RawPage(tuple(kept[start : start + PAGE_SIZE]), property_id)

    def _pages(
        self, api: str, params: Mapping[str, str], property_id: str = ""
    ) -> Iterator[list[Mapping[str, Any]]]:
        url = self.endpoint
        # '$api', '$format' => 'json', then the API's own parameters and '$top' (mri_hook
        # api_client.rb build_url; the MRIIntegration script's {'$top': PAGE_SIZE}).
        query: dict[str, str | int] | None = {
            "$api": api,
            "$format": "json",
            **params,
            "$top": PAGE_SIZE,
        }
        for _ in range(MAX_PAGES):
            response = self.http.request("GET", url, call=api, params=query)
            payload = self._parse(response, api, property_id)
            rows = payload.get("value", [])
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise self.http.error(
                    MalformedResponse, call=api, detail="value is not a list of rows"
                )
            if rows:
                yield rows
            link = payload.get("nextLink")
            if not link:
                return
            following = same_origin_next(response.url, str(link))
            if following is None or following == response.url:
                raise self.http.error(
                    MalformedResponse, call=api, detail="nextLink leaves the API or repeats"
                )
            # The link carries the whole query ($skip or _next included).
            url, query = _as_json(following), None
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
            # HTTP 200 with an error body is an error all the same.
            raise self._error_for(payload["error"], api, property_id)
        return payload

    def _error_for(self, error: Any, api: str, property_id: str) -> PMSError:
        # {"error": {"code", "message"}}: the MRIIntegration script's _process_json_response;
        # mri_hook handle_error. The wording of each message is not public: matched loosely.
        message = str(error.get("message", "")) if isinstance(error, dict) else str(error)
        lowered = message.lower()
        if "credential" in lowered or "unauthori" in lowered or "password" in lowered:
            return self.http.error(CredentialRejected, call=api, detail=message)
        if ("rmpropid" in lowered or "propertyid" in lowered or "property" in lowered) and any(
            word in lowered for word in ("not exist", "not found", "invalid", "no access")
        ):
            return self.http.error(
                PMSPropertyNotFound, call=api, detail=message, pms_property_id=property_id
            )
        if any(
            word in lowered
            for word in ("not available", "not enabled", "not authorized", "not licensed")
        ):
            return self.http.error(ApiUnavailable, call=api, detail=message)
        return self.http.error(RequestRejected, call=api, detail=message)

    def _classify(self, response: HttpResponse, call: str) -> PMSError | None:
        if response.status_code not in (400, 403, 404, 422):
            return None
        try:
            payload = json.loads(response.content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None
        if not isinstance(payload, dict) or "error" not in payload:
            return None
        query = dict(parse_qsl(urlsplit(response.url).query))
        property_id = query.get("RMPROPID") or query.get("PROPERTYID") or ""
        found = self._error_for(payload["error"], call, property_id)
        if response.status_code == 403 and type(found) is RequestRejected:
            return None  # a refusal we cannot read better: the credential's, as any 403
        return found


def _as_json(url: str) -> str:
    """The next-page URL asking for JSON: a public sample shows MRI writing "%24format=xml"
    into the nextLink of a JSON answer (mri_hook spec/request_handlers/
    pending_move_ins_handler_spec.rb); every other part of the link is kept as given."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key == "$format" and value != "json" for key, value in query):
        return url
    fixed = [(key, "json" if key == "$format" else value) for key, value in query]
    return urlunsplit(parts._replace(query=urlencode(fixed)))
