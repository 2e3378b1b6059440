"""Yardi Voyager ItfResidentData: SOAP 1.1 over one .asmx endpoint.

Every call is one the public record shows on this interface, with its arguments spelled as
the public WSDL spells them (fixtures/ holds a request and an answer for each, naming its
sources):

  GetPropertyConfigurations              → …Result/Properties/Property
  GetUnitInformation(YardiPropertyId)    → …Result/UnitInformation/Property/Units/UnitInfo
  GetResidents(YardiPropertyId)          → …Result/MITS-ResidentData/PropertyResidents/
                                            Residents/Resident (roommates inside, as
                                            OtherOccupants/OtherOccupant)
  GetResidentsByDate(YardiPropertyId,    → the same, for tenant records modified since
                     ModifiedSinceDate)     (changes runs; its answer's shape is assumed)

Every body repeats the whole credential. Resident lists are not paginated — one answer per
property, tens of megabytes for a large one — so answers are parsed as they stream.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.pms.errors import (
    CredentialRejected,
    PMSError,
    PMSPropertyNotFound,
    RequestRejected,
    VendorUnavailable,
)
from integrations.pms.fields import RecordProblem, text
from integrations.pms.http import CappedBody, HttpOptions, HttpResponse, HttpTransport
from integrations.pms.pages import Pager, batched, checked_stream, row_key
from integrations.pms.soap import elements, envelope, fault_text, post_streaming
from integrations.pms.vendor import RawPage

VENDOR = "Yardi"
# The interface's namespace and its SOAPAction prefix: the ItfResidentData WSDL
# (Credit-Jeeves/validation-bundle …/Resources/views/Yardi/ItfResidentData.html.twig),
# neerajrana8/GetCovered …/yardi/resident_data/base.rb.
NAMESPACE = "http://tempuri.org/YSI.Interfaces.WebServices/ItfResidentData"
# "<Voyager URL>/webservices/<Interface>.asmx": yhavin/yardi-sdk README (WSDL_URL example);
# a public Ruby client posts to ".../ItfResidentData.asmx". IIS does not mind the case.
ENDPOINT_PATH = "/webservices/ItfResidentData.asmx"
FIELDS_HINT = "username, password, database and interface license"

# Residents per page cut from GetResidents' one answer (each holds its roommates too).
RESIDENTS_PER_PAGE = 400

# Voyager answers a bad login with HTTP 200 and this text, in SOAP or in an HTML page
# (GetCovered …/yardi/base.rb: `result.code == 200 && body.index("Login failed.")`).
_LOGIN_FAILED = b"login failed"
# A login failure is a short document; only then is the text trusted (a resident could be
# named anything).
_SNIFF_BYTES = 4096
# What an ASMX service answers for a method it does not have (HTTP 500 + SOAP fault).
_UNKNOWN_METHOD = b"did not recognize the value of http header soapaction"


# The changed-since resident call (see resident_pages_changed_since).
CHANGES_METHOD = "GetResidentsByDate"
# Voyager's wire times carry no offset: they are the server's local time, which a client
# cannot know. Asking from this much earlier than the cursor covers every zone from UTC-14
# to UTC+14: the answer may hold more than changed (re-reading changes nothing), never less.
ZONE_MARGIN = timedelta(hours=14)


def modified_since(since: datetime) -> str:
    """ModifiedSinceDate for an aware UTC cursor: an xs:dateTime without offset, early
    enough for the server's unknown zone (ZONE_MARGIN), to the second."""
    earliest = since.astimezone(UTC) - ZONE_MARGIN
    return earliest.replace(tzinfo=None, microsecond=0).isoformat()


class MethodUnavailable(RequestRejected):
    """Voyager does not offer this method on this interface (an older Voyager, or a
    license without it): the caller may fall back to a call that carries the same facts."""


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
        # GetPropertyConfigurations (credential only): ItfResidentData WSDL; answer
        # Properties/Property{Code, MarketingName, AddressLine1, City, State, PostalCode}:
        # Credit-Jeeves …/Yardi/Soap/GetPropertyConfigurationsResponse.php, Property.php.
        return [
            record
            for name, record in self._call("GetPropertyConfigurations", (), frozenset({"Property"}))
            if name == "Property"
        ]

    def units(self, property_id: str) -> list[dict[str, Any]]:
        # GetUnitInformation(YardiPropertyId): GetCovered …/resident_data/get_unit_information.rb;
        # UnitInfo{UnitID @UniqueID, Unit{…, BuildingName}}: the format example in GetCovered
        # …/yardi/sync/insurables.rb.
        params = (("YardiPropertyId", property_id),)
        try:
            return [
                record
                for name, record in self._call(
                    "GetUnitInformation", params, frozenset({"UnitInfo"}), property_id=property_id
                )
                if name == "UnitInfo"
            ]
        except MethodUnavailable:
            # Older ItfResidentData (the 2016 WSDL in Credit-Jeeves) has no
            # GetUnitInformation. GetResidents names every lease's unit (UnitCode), which is
            # what residents link to — units without any lease are then unknown.
            return self._units_named_by_residents(property_id)

    def resident_pages(self, property_ids: Sequence[str]) -> Iterator[RawPage]:
        # Yardi does not paginate: pages are cut as each property's one answer streams in.
        for property_id in property_ids:
            # A lease holder twice in one answer fails the fetch (pms/pages.py).
            pager = Pager.of(self.http, "GetResidents", key=row_key("@tCode"))
            residents = checked_stream(self._residents(property_id), pager)
            yield from batched(residents, pms_property_id=property_id, size=RESIDENTS_PER_PAGE)

    def resident_pages_changed_since(
        self, property_ids: Sequence[str], since: datetime
    ) -> Iterator[RawPage]:
        # GetResidentsByDate(YardiPropertyId, Status, ModifiedSinceDate): the ItfResidentData
        # ("Common Data") WSDL as generated in yhavin/yardi-sdk src/yardi_sdk/endpoints/
        # common_data.py. Status is not sent (every status is wanted). The answer's shape
        # is not public: assumed to be GetResidents' (MITS-ResidentData), which the
        # mapping reads; fixtures/README.md says what is verified and what is not.
        for property_id in property_ids:
            pager = Pager.of(self.http, CHANGES_METHOD, key=row_key("@tCode"))
            residents = checked_stream(
                self._residents(
                    property_id,
                    method=CHANGES_METHOD,
                    extra=(("ModifiedSinceDate", modified_since(since)),),
                ),
                pager,
            )
            yield from batched(residents, pms_property_id=property_id, size=RESIDENTS_PER_PAGE)

    def _residents(
        self,
        property_id: str,
        *,
        method: str = "GetResidents",
        extra: tuple[tuple[str, str], ...] = (),
    ) -> Iterator[dict[str, Any]]:
        # GetResidents(YardiPropertyId): ItfResidentData WSDL (YardiPropertyId, MoveOut1 —
        # not sent: every status is wanted); Credit-Jeeves …/Yardi/Clients/ResidentDataClient.php.
        params = (("YardiPropertyId", property_id), *extra)
        for name, record in self._call(
            method, params, frozenset({"Resident"}), property_id=property_id
        ):
            if name == "Resident":
                yield record

    def _units_named_by_residents(self, property_id: str) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for resident in self._residents(property_id):
            try:
                code = text(resident, "UnitCode")
            except RecordProblem:
                continue
            if code and code not in seen:
                # The shape of a UnitInfo, so one mapping reads both.
                seen[code] = {"UnitID": code}
        return list(seen.values())

    # -- wire --------------------------------------------------------------------------

    def _envelope(self, method: str, params: tuple[tuple[str, str], ...]) -> bytes:
        f = self._fields
        # The credential elements, in the WSDL's order and case.
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
            # <Messages><Message messageType="Error">: Credit-Jeeves …/Yardi/Soap/Message.php.
            control_tags=frozenset({"Fault", "Message"}),
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
        # messageType is an attribute, the text the element's value (Message.php).
        kind = str(record.get("@messageType", "Error"))
        message = str(record.get("#text", ""))
        if kind.casefold() != "error" or not message:
            return None
        return self._error_for_text(message, method, property_id)

    def _error_for_text(self, message: str, method: str, property_id: str) -> PMSError:
        # Voyager's wording for these is not public: only "Login failed." is (GetCovered).
        lowered = message.lower()
        if "did not recognize" in lowered and "soapaction" in lowered:
            return self.http.error(MethodUnavailable, call=method, detail=message)
        if "login failed" in lowered or "license" in lowered or "interface entity" in lowered:
            return self.http.error(CredentialRejected, call=method, detail=message)
        if "property" in lowered and (
            "invalid" in lowered or "not found" in lowered or "access" in lowered
        ):
            return self.http.error(
                PMSPropertyNotFound, call=method, detail=message, pms_property_id=property_id
            )
        return self.http.error(RequestRejected, call=method, detail=message)

    def _classify(self, response: HttpResponse, call: str) -> PMSError | None:
        # ASMX returns SOAP faults as HTTP 500: neither a login fault nor a missing method is
        # worth retrying.
        lowered = response.content.lower()
        if _UNKNOWN_METHOD in lowered:
            return self.http.error(
                MethodUnavailable, call=call, detail=f"{call} is not offered by this Voyager"
            )
        if _LOGIN_FAILED in lowered or b"interfacelicense" in lowered:
            return self.http.error(
                CredentialRejected, call=call, detail=f"HTTP {response.status_code}"
            )
        return None
