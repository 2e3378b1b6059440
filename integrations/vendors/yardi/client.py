"""Yardi Voyager ItfResidentData: SOAP 1.1 over one .asmx endpoint.

Every body repeats the whole credential. Resident lists are not paginated — one response
per property, tens of megabytes for a large one — so responses are parsed as they stream.
Shapes (inferred where Yardi's docs are partner-only):
  GetPropertyConfigurations → …Result/Properties/Property{Code, MarketingName, AddressLine1…}
  GetUnitInformation        → …Result/UnitInformation/Property/Units/UnitInfo{UnitID, Unit{…}}
  GetUnitConfiguration      → …Result/UnitConfiguration/Property/Units/Unit{UnitID, Resident[…]}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from integrations.pms.errors import (
    CredentialRejected,
    PMSError,
    PMSPropertyNotFound,
    RequestRejected,
    VendorUnavailable,
)
from integrations.pms.http import CappedBody, HttpOptions, HttpResponse, HttpTransport
from integrations.pms.pages import Pager, batched, checked_stream, row_key
from integrations.pms.soap import elements, envelope, fault_text, post_streaming
from integrations.pms.vendor import RawPage

VENDOR = "Yardi"
NAMESPACE = "http://tempuri.org/YSI.Interfaces.WebServices/ItfResidentData"
ENDPOINT_PATH = "/webservices/itfresidentdata.asmx"
FIELDS_HINT = "username, password, database and interface license"

# Units per page cut from GetUnitConfiguration's one answer (a unit holds one to four people).
UNITS_PER_PAGE = 200

# Voyager answers a bad login with HTTP 200 and this text, in SOAP or in an HTML page.
_LOGIN_FAILED = b"login failed"
# A login failure is a short document; only then is the text trusted (a resident could be
# named anything).
_SNIFF_BYTES = 4096


class YardiClient:
    def __init__(
        self, fields: Mapping[str, str], *, options: HttpOptions, base_url: str | None
    ) -> None:
        self._fields = fields
        root = base_url or fields["url"].rstrip("/")
        self.endpoint = root if root.lower().endswith(".asmx") else root + ENDPOINT_PATH
        self.http = HttpTransport(
            vendor=VENDOR,
            options=options,
            secrets=(fields["password"], fields["interface_license"]),
            classify=self._classify,
            fields_hint=FIELDS_HINT,
        )

    def close(self) -> None:
        self.http.close()

    # -- calls -------------------------------------------------------------------------

    def properties(self) -> list[dict[str, Any]]:
        """GetPropertyConfigurations."""
        return [
            record
            for name, record in self._call("GetPropertyConfigurations", (), frozenset({"Property"}))
            if name == "Property"
        ]

    def units(self, property_id: str) -> list[dict[str, Any]]:
        """GetUnitInformation."""
        params = (("YardiPropertyId", property_id),)
        return [
            record
            for name, record in self._call(
                "GetUnitInformation", params, frozenset({"UnitInfo"}), property_id=property_id
            )
            if name == "UnitInfo"
        ]

    def unit_configuration(self, property_id: str) -> Iterator[dict[str, Any]]:
        """Each <Unit> with its <Resident>s (and their <Roommate>s), as the body streams."""
        params = (("YardiPropertyId", property_id),)
        for name, record in self._call(
            "GetUnitConfiguration", params, frozenset({"Unit"}), property_id=property_id
        ):
            if name == "Unit":
                yield record

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        # Yardi does not paginate: pages are cut as each property's one answer streams in.
        for property_id in property_ids:
            # A unit twice in one answer fails the fetch (pms/pages.py).
            pager = Pager.of(self.http, "GetUnitConfiguration", key=row_key("UnitID"))
            units = checked_stream(self.unit_configuration(property_id), pager)
            yield from batched(units, pms_property_id=property_id, size=UNITS_PER_PAGE)

    # -- wire --------------------------------------------------------------------------

    def _envelope(self, method: str, params: tuple[tuple[str, str], ...]) -> bytes:
        f = self._fields
        auth = (
            ("UserName", f["username"]),
            ("Password", f["password"]),
            ("ServerName", f["server_name"]),
            ("Database", f["database"]),
            ("Platform", f.get("platform") or "SQL Server"),
            ("InterfaceEntity", f["interface_entity"]),
            ("InterfaceLicense", f["interface_license"]),
        )
        return envelope(f'<{method} xmlns="{NAMESPACE}">{elements(auth + params)}</{method}>')

    def _call(
        self,
        method: str,
        params: tuple[tuple[str, str], ...],
        wanted: frozenset[str],
        *,
        property_id: str = "",
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        def control(name: str, record: dict[str, Any]) -> PMSError | None:
            if name == "Fault":
                return self._error_for_text(fault_text(record), method, property_id)
            return self._message_error(record, method, property_id)

        return post_streaming(
            self.http,
            self.endpoint,
            call=method,
            action=f"{NAMESPACE}/{method}",
            body=self._envelope(method, params),
            wanted=wanted,
            result_tag=f"{method}Result",
            control=control,
            control_tags=frozenset({"Fault", "Message", "Error"}),
            sniff=lambda body: self._sniff(body, method),
        )

    def _sniff(self, body: CappedBody, method: str) -> None:
        head = body.peek(_SNIFF_BYTES)
        lowered = head.lower()
        if len(head) < _SNIFF_BYTES and _LOGIN_FAILED in lowered:
            raise self.http.error(CredentialRejected, call=method, detail="Login failed.")
        start = lowered.lstrip()[:200]
        if start.startswith(b"<!doctype html") or start.startswith(b"<html"):
            if _LOGIN_FAILED in lowered:
                raise self.http.error(CredentialRejected, call=method, detail="Login failed.")
            raise self.http.error(
                VendorUnavailable, call=method, detail="an HTML page instead of a SOAP response"
            )

    def _message_error(
        self, record: dict[str, Any], method: str, property_id: str
    ) -> PMSError | None:
        kind = str(record.get("@messageType", "Error")).lower()
        text = str(record.get("#text", ""))
        if kind != "error" or not text:
            return None
        return self._error_for_text(text, method, property_id)

    def _error_for_text(self, text: str, method: str, property_id: str) -> PMSError:
        lowered = text.lower()
        if "login failed" in lowered or "license" in lowered or "interface entity" in lowered:
            return self.http.error(CredentialRejected, call=method, detail=text)
        if "property" in lowered and (
            "invalid" in lowered or "not found" in lowered or "access" in lowered
        ):
            return self.http.error(
                PMSPropertyNotFound, call=method, detail=text, pms_property_id=property_id
            )
        return self.http.error(RequestRejected, call=method, detail=text)

    def _classify(self, response: HttpResponse, call: str) -> PMSError | None:
        # ASMX returns SOAP faults as HTTP 500: a login fault there must not be retried.
        lowered = response.content.lower()
        if _LOGIN_FAILED in lowered or b"interfacelicense" in lowered:
            return self.http.error(
                CredentialRejected, call=call, detail=f"HTTP {response.status_code}"
            )
        return None
