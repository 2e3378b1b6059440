"""RealPage RPX gateway: SOAP 1.1, one .svc per partner, credential in every body.

Every call posts <tem:{method}><tem:auth>pmcid, siteid, licensekey, system</tem:auth>…
with SOAPAction http://tempuri.org/IRPXService/{method} and answers
{method}Response/{method}Result (tghp/realpage-api AbstractService.php; bary249/NASAdash
backend/app/clients/realpage_client.py, run against the live gateway):
  getsitelist      → Site{SiteID, SiteName, Adr1, City, State, Zip}
  getunitlist      → GetUnitList/UnitObjects/UnitObject{Address{UnitID, UnitNumber,
                     BuildingID}, UnitDetails{FloorNumber}}; when the license may not call
                     it, unitlist → UnitList/Unit{UnitID, UnitNumber, BuildingName, Floor}
  getresidentlist  → resident{reshid, resmid, relationship, firstname, …, leasestatus}
Resident lists are not paginated (one answer per site), so they are parsed as they stream.
fixtures/README.md lists each name with its source, and the few that are not confirmed.
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
from integrations.pms.fields import text
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
# OneSite's name for a household's renewal lease, signed before it starts.
RENEWAL_STATUS = "Future Lease"


class CallNotAvailable(RequestRejected):
    """The gateway refuses a method to this partner license (RPX licenses methods one by
    one); a client with another way to the same data falls back to it."""


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
        # getsitelist, auth only: Site{SiteID, SiteName, Adr1, City, State, Zip}
        # (NASAdash realpage_client.py get_properties; REALPAGE_FIELD_MAPPING.md).
        return [r for _, r in self._call("getsitelist", "", frozenset({"Site"}))]

    def units(self, site_id: str) -> list[dict[str, Any]]:
        # getunitlist with listCriteria LimitResults=False, answering UnitObject
        # (quext-qio/integrations-iti src/lambdas/units/DataPushPullShared/DataRealpage.py;
        # tghp/realpage-api PricingAndAvailability.php). A license without it falls back to
        # unitlist (NASAdash realpage_client.py get_units), which answers Unit.
        criteria = (
            "<tem:listCriteria><tem:ListCriterion>"
            + elements((("name", "LimitResults"), ("singlevalue", "False")), prefix="tem:")
            + "</tem:ListCriterion></tem:listCriteria>"
        )
        try:
            return self._site_rows("getunitlist", site_id, frozenset({"UnitObject"}), criteria)
        except CallNotAvailable:
            return self._site_rows("unitlist", site_id, frozenset({"Unit"}))

    def residents(self, site_id: str) -> Iterator[dict[str, Any]]:
        # getresidentlist with an empty getresidentlistargs answers every status (NASAdash
        # backend/app/db/check_future_residents.py, against the live gateway).
        args = "<tem:getresidentlistargs><tem:ExtensionData/></tem:getresidentlistargs>"
        rows = self._located(
            site_id, self._call("getresidentlist", site_id, frozenset({"resident"}), args)
        )
        return renewals_folded(record for _, record in rows)

    def resident_pages(self, site_ids: Sequence[str]) -> Iterator[RawPage]:
        # getresidentlist is not paginated: pages are cut as each site's answer streams in.
        for site_id in site_ids:
            # A household member twice in one answer fails the fetch (pms/pages.py); a
            # renewal's second row was already folded into the person's current row.
            pager = Pager.of(self.http, "getresidentlist", key=row_key("reshid", "resmid"))
            residents = checked_stream(self.residents(site_id), pager)
            yield from batched(residents, pms_property_id=site_id)

    def _site_rows(
        self, method: str, site_id: str, wanted: frozenset[str], args: str = ""
    ) -> list[dict[str, Any]]:
        return [r for _, r in self._located(site_id, self._call(method, site_id, wanted, args))]

    def _located(
        self, site_id: str, rows: Iterator[tuple[str, dict[str, Any]]]
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """`rows`, with a site fault raised before the answer began (HTTP 500, seen by the
        classifier, which cannot know the site) naming the site asked for."""
        try:
            yield from rows
        except PMSPropertyNotFound as exc:
            if exc.pms_property_id:
                raise
            raise self.http.error(
                PMSPropertyNotFound, call=exc.call, detail=exc.detail, pms_property_id=site_id
            ) from None

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
            control=lambda _name, fault: self._fault_error(fault_message(fault), method, site_id),
        )

    def _fault_error(self, text: str, method: str, site_id: str) -> PMSError:
        lowered = text.lower()
        # The wording of RPX faults is not published: these words are what the fixtures
        # assume. A method refused to the license comes first (its text names the license).
        if any(
            phrase in lowered
            for phrase in ("not available", "not authorized", "not licensed", "permission")
        ) and ("method" in lowered or method.lower() in lowered):
            return self.http.error(CallNotAvailable, call=method, detail=text)
        # The site check comes next: its message names the PMC too.
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
                error = self._fault_error(fault_message(element_to_dict(element)), call, "")
                if isinstance(error, CallNotAvailable):
                    return error
                return None if isinstance(error, RequestRejected) else error
        return None


def fault_message(fault: dict[str, Any]) -> str:
    """A fault's faultstring with RPX's own words from detail/RPXApplicationFault
    {CustomMessage, ExceptionMessage} (the fields tghp/realpage-api reads)."""
    parts = [fault_text(fault)]
    detail = fault.get("detail")
    rpx = detail.get("RPXApplicationFault") if isinstance(detail, dict) else None
    if isinstance(rpx, dict):
        parts += [str(rpx.get(key) or "") for key in ("CustomMessage", "ExceptionMessage")]
    seen: list[str] = []
    for part in (p.strip() for p in parts):
        if part and part != "SOAP fault" and part not in seen:
            seen.append(part)
    return " — ".join(seen) or "SOAP fault"


def renewals_folded(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The rows of one site, with a household member's renewal row dropped when the same
    person (reshid, resmid) has another row.

    OneSite lists a renewal signed ahead of its start as a second row with leasestatus
    "Future Lease" (NASAdash realpage_client.py: "Future Lease = renewals, not new
    move-ins"). The person already lives there under their current row, which decides.
    A "Future Lease" row with no other row of its person is kept and read on its own.
    Renewal rows are few, so only they are held back while the answer streams.
    """
    held: dict[tuple[str, str], dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        try:
            person = (text(row, "reshid"), text(row, "resmid"))
            status = text(row, "leasestatus")
        except ValueError:
            yield row  # the mapping reports the odd record
            continue
        if status == RENEWAL_STATUS and all(person):
            held.setdefault(person, row)
            continue
        seen.add(person)
        yield row
    for person, row in held.items():
        if person not in seen:
            yield row
