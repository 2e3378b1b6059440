"""MRI Residential (x5) MIX API: GET api.asp?$api=<name>&$format=json, OData-like paging.

The calls, each as public clients make it (fixtures/ holds a request and an answer for
each, naming its sources):

  MRI_S-PMRM_PropertyIDByNameOrAddress                  properties
  MRI_S-PMRM_ResidentialRentRoll&PROPERTYID=…           units (falls back to the resident
                                                        rows' units if the key lacks it)
  MRI_S-PMRM_ResidentLeaseDetailsByPropertyID&RMPROPID=… residents, one row per person
    …&LastUpdateDate=YYYY-MM-DD                          the rows updated since (changes runs)

Basic auth whose username packs four parts, ClientID/Database/WebUser/PartnerKey (the public
Python MRIIntegration script). Pages are {"value": [...], "nextLink": "..."}: the link is
followed as given — it carries %24top/%24skip or an opaque _next cursor (MicaTechnology/
mri_hook spec/api_client_spec.rb) — and no link means the last page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
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
from integrations.pms.jsonapi import error_member, json_object, json_rows
from integrations.pms.links import same_origin_next
from integrations.pms.pages import Announced, Pager, PageRequest, row_key
from integrations.pms.vendor import RawPage, Row
from integrations.vendors.mri.mapping import one_row_per_person

VENDOR = "MRI"
# mri_hook .env.test: BASE_MRI_API_ENDPOINT=/mriapiservices/api.asp
API_PATH = "/mriapiservices/api.asp"
PROPERTIES_API = "MRI_S-PMRM_PropertyIDByNameOrAddress"
UNITS_API = "MRI_S-PMRM_ResidentialRentRoll"
RESIDENTS_API = "MRI_S-PMRM_ResidentLeaseDetailsByPropertyID"
# mri_hook: "default is 300 records" a page.
PAGE_SIZE = 300
# One row per person per lease: a person renewing stands on two leases.
_ROW_KEY = row_key("LeaseID", "ResidentNameID")
# A row the pager must not see twice: a person on one lease (LeaseID counts leases within
# a unit) — the same person on a renewal lease is another row; a rent roll lists a unit once
# per lease (vacant units, with no lease, are not checked).
_PERSON_ON_LEASE = row_key("BuildingID", "UnitID", "LeaseID", "ResidentNameID")
_RENT_ROLL_KEY = row_key("BuildingID", "UnitID", "LeaseID")
FIELDS_HINT = "client ID, database, web service user, partner key and password"


# MRI's wire times carry no offset (the database server's local time, unknown to a
# client): a day asked for is taken this much earlier, covering UTC-14 to UTC+14, so the
# answer may hold more than changed but never less.
ZONE_MARGIN = timedelta(hours=14)


def last_update_date(since: datetime) -> str:
    """LastUpdateDate for an aware UTC cursor: the day (as mri_hook's spec sends it) the
    cursor may fall on in any zone."""
    return (since.astimezone(UTC) - ZONE_MARGIN).date().isoformat()


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
        pages = self._pages(PROPERTIES_API, {}, key=row_key("PropertyID"))
        return [row for page in pages for row in page]

    def units(self, property_id: str) -> list[Mapping[str, Any]]:
        # $api=MRI_S-PMRM_ResidentialRentRoll&PROPERTYID=…: Credit-Jeeves/validation-bundle
        # Services/MRI/MRIClient.php getResidentialRentRoll (PROPERTYID upper case). A rent
        # roll lists a unit once per lease row, so units are deduplicated.
        try:
            pages = self._pages(
                UNITS_API, {"PROPERTYID": property_id}, property_id, key=_RENT_ROLL_KEY
            )
            rows = [row for page in pages for row in page]
        except ApiUnavailable:
            # The key may not have the rent roll: every resident row names its unit too.
            pages = self._pages(
                RESIDENTS_API, {"RMPROPID": property_id}, property_id, key=_PERSON_ON_LEASE
            )
            rows = [row for page in pages for row in page]
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
            yield from self._resident_pages(property_id, {"RMPROPID": property_id})

    def resident_pages_changed_since(
        self, property_ids: Sequence[str], since: datetime
    ) -> Iterator[RawPage]:
        # The same API with LastUpdateDate: mri_hook resident_lease_details_by_property_
        # handler.rb maps last_update_date → 'LastUpdateDate' (its spec sends "2020-02-25",
        # a date) beside RMPROPID; its rows carry LastUpdateDate ("2020-02-25T19:46:00").
        # Sent as a day: rows of that whole day come back too, which re-reading ignores.
        for property_id in property_ids:
            yield from self._resident_pages(
                property_id, {"RMPROPID": property_id, "LastUpdateDate": last_update_date(since)}
            )

    def _resident_pages(self, property_id: str, params: Mapping[str, str]) -> Iterator[RawPage]:
        # A property's rows are read whole before any is passed on: a person listed on
        # two leases (a renewal) must be seen on both pages to keep the right row. The
        # vendor's pages are then passed on as they came, less the rows left out.
        pages = list(self._pages(RESIDENTS_API, params, property_id, key=_PERSON_ON_LEASE))
        kept = {id(row) for row in one_row_per_person(row for page in pages for row in page)}
        for page in pages:
            rows = tuple(row for row in page if id(row) in kept)
            if rows:
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
        the last, whatever its size (a server may cap $top). The pager (pms/pages.py)
        fails the fetch whole if a row comes twice or a link repeats."""
        # '$api', '$format' => 'json', then the API's own parameters and '$top' (mri_hook
        # api_client.rb build_url; the MRIIntegration script's {'$top': PAGE_SIZE}).
        first: dict[str, str | int] = {"$api": api, "$format": "json", **params, "$top": PAGE_SIZE}

        def read(page: PageRequest) -> tuple[Sequence[Mapping[str, Any]], Announced]:
            # A link carries the whole query ($skip or _next included).
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
            # An answer without "value" is not an empty page: nobody may be taken for gone.
            rows = json_rows(self.http, payload, "value", api)
            link = payload.get("nextLink")
            if not link:
                return rows, Announced(next="")
            following = same_origin_next(response.url, str(link))
            if following is None:
                raise self.http.error(MalformedResponse, call=api, detail="nextLink leaves the API")
            return rows, Announced(next=_as_json(following))

        return Pager.of(self.http, api, key=key).read(read)

    def _parse(self, response: HttpResponse, api: str, property_id: str) -> dict[str, Any]:
        payload = json_object(self.http, response, api)
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
        error = error_member(response, (400, 403, 404, 422))
        if error is None:
            return None
        query = dict(parse_qsl(urlsplit(response.url).query))
        property_id = query.get("RMPROPID") or query.get("PROPERTYID") or ""
        found = self._error_for(error, call, property_id)
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
