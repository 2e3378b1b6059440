"""RealPage RPX gateway: SOAP 1.1, one .svc per partner, credential in every body.

Calls (shapes inferred where RealPage's docs are partner-only):
  getSiteList      → …Result/sites/site{siteid, sitename, address, city, state, zip}
  unitlist         → …Result/units/unit{unitid, unitnumber, buildingnumber, floornumber, vacant}
  getresidentlist  → …Result/residents/resident{reshid, resmid, relationship, firstname, …}
Resident lists are not paginated (one answer per site), so they are parsed as they stream.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import defusedxml.ElementTree as SafeElementTree

from integrations.pms.errors import (
    CredentialRejected,
    PMSError,
    PMSPropertyNotFound,
    RequestRejected,
)
from integrations.pms.http import HttpOptions, HttpResponse, HttpTransport
from integrations.pms.pages import Pager, batched, checked_stream, row_key
from integrations.pms.soap import (
    XML_ERRORS,
    element_to_dict,
    elements,
    envelope,
    fault_text,
    local_name,
    post_streaming,
)
from integrations.pms.vendor import RawPage

VENDOR = "RealPage"
TEMPURI = "http://tempuri.org/"
ACTION_PREFIX = "http://tempuri.org/IRPXService/"
FIELDS_HINT = "PMC ID and license key"


class RealPageClient:
    def __init__(
        self, fields: Mapping[str, str], *, options: HttpOptions, base_url: str | None
    ) -> None:
        self._fields = fields
        root = (base_url or fields["gateway_url"]).rstrip("/")
        partner = fields["partner"]
        self.endpoint = f"{root}/partner/{partner}/{partner}.svc"
        self.http = HttpTransport(
            vendor=VENDOR,
            options=options,
            secrets=(fields["license_key"],),
            classify=self._classify,
            fields_hint=FIELDS_HINT,
        )

    def close(self) -> None:
        self.http.close()

    def properties(self) -> list[dict[str, Any]]:
        """getSiteList."""
        return [r for _, r in self._call("getSiteList", "", frozenset({"site"}))]

    def units(self, site_id: str) -> list[dict[str, Any]]:
        return [r for _, r in self._call("unitlist", site_id, frozenset({"unit"}))]

    def residents(self, site_id: str) -> Iterator[dict[str, Any]]:
        args = (
            "<tem:getresidentlistargs>"
            + elements((("includeformer", "1"), ("includeapplicants", "1")), prefix="tem:")
            + "</tem:getresidentlistargs>"
        )
        for _, record in self._call("getresidentlist", site_id, frozenset({"resident"}), args):
            yield record

    def resident_pages(self, site_ids: Sequence[str]) -> Iterator[RawPage]:
        # getresidentlist is not paginated: pages are cut as each site's answer streams in.
        for site_id in site_ids:
            # A household member twice in one answer fails the fetch (pms/pages.py).
            pager = Pager.of(self.http, "getresidentlist", key=row_key("reshid", "resmid"))
            residents = checked_stream(self.residents(site_id), pager)
            yield from batched(residents, pms_property_id=site_id)

    def _envelope(self, method: str, site_id: str, args: str) -> bytes:
        auth = elements(
            (
                ("pmcid", self._fields["pmc_id"]),
                ("siteid", site_id),
                ("licensekey", self._fields["license_key"]),
                ("system", "OneSite"),
            ),
            prefix="tem:",
        )
        return envelope(
            f"<tem:{method}><tem:auth>{auth}</tem:auth>{args}</tem:{method}>",
            namespaces={"tem": TEMPURI},
        )

    def _call(
        self, method: str, site_id: str, wanted: frozenset[str], args: str = ""
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        return post_streaming(
            self.http,
            self.endpoint,
            call=method,
            action=ACTION_PREFIX + method,
            body=self._envelope(method, site_id, args),
            wanted=wanted,
            result_tag=f"{method}Result",
            control=lambda _name, fault: self._fault_error(fault_text(fault), method, site_id),
        )

    def _fault_error(self, text: str, method: str, site_id: str) -> PMSError:
        lowered = text.lower()
        # The site check comes first: its message names the PMC too.
        if "site" in lowered and ("not found" in lowered or "invalid" in lowered):
            return self.http.error(
                PMSPropertyNotFound, call=method, detail=text, pms_property_id=site_id
            )
        if any(word in lowered for word in ("authenticat", "license", "unauthori")):
            return self.http.error(CredentialRejected, call=method, detail=text)
        return self.http.error(RequestRejected, call=method, detail=text)

    def _classify(self, response: HttpResponse, call: str) -> PMSError | None:
        # WCF sends every SOAP fault as HTTP 500; only faults about the request itself are
        # final — anything else is left to the 5xx retry.
        if response.status_code != 500 or b"Fault" not in response.content:
            return None
        try:
            root = SafeElementTree.fromstring(response.content)
        except XML_ERRORS:
            return None
        for element in root.iter():
            if local_name(element.tag) == "Fault":
                error = self._fault_error(fault_text(element_to_dict(element)), call, "")
                return None if isinstance(error, RequestRejected) else error
        return None
