"""What a vendor package declares about itself: the registry entry and the parts a
connector is built from.

Each package under integrations/vendors/<vendor>/ declares one `VendorInfo` in its
`entry.py`; the registry (pms/registry.py) lists each package on one line. The heavier
parts — the HTTP client, the mapping, the simulator's wire format — are named here as
import paths and loaded on first use, so listing the vendors (the credential form, admin)
does not import every vendor's client.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, cast

from integrations.pms.types import Lifecycle, PMSProperty, PMSUnit

if TYPE_CHECKING:
    from integrations.pms.http import HttpOptions
    from integrations.pms.mapping import MappingResult

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CredentialField:
    name: str
    label: str
    # Secret fields are encrypted at rest, never shown again, and redacted everywhere.
    secret: bool = False
    required: bool = True
    help_text: str = ""
    default: str = ""
    # "url": an https:// address the connector calls; "label": one DNS label the
    # connector puts into the vendor's host name (yourcompany.entrata.com). Checked by the
    # registry so a typed value cannot steer requests elsewhere (see also pms/egress.py).
    # "number": a whole number (Rent Manager's location ID).
    kind: str = "text"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the vendor's API offers beyond full reads. Declared per vendor so that a
    feature built on one (incremental sync, push) can ask instead of guessing."""

    # The resident call accepts a "changed since" cursor, so a sync could read deltas.
    changed_since: bool = False
    # The vendor can push changes to us.
    webhooks: bool = False


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One limit the vendor publishes (or its terms state) on calls made with a credential.

    `calls` may be made per `per_seconds`; `scope` says what one budget is shared by:
    "credential" (every call made with the login, whichever property) or "property" (the
    older Entrata terms: one call per property per minute per service). `source` names
    where the figure comes from, so support can correct it when the vendor changes it.
    """

    calls: int
    per_seconds: int
    scope: str = "credential"
    source: str = ""


@dataclass(frozen=True, slots=True)
class RawPage:
    """One page of a vendor's resident call, as read off the wire (rows not yet mapped).

    `pms_property_id` is the property the page belongs to, or "" when one page mixes
    properties and each row names its own (AppFolio's one report for many properties).
    """

    rows: Sequence[Row]
    pms_property_id: str = ""


class VendorClient(Protocol):
    """The calls a connector needs from a vendor's client (vendors/<vendor>/client.py).

    Every call returns complete data or raises a PMSError; `resident_pages` may raise from
    any page, including after the last one (a pager that finds the pages disagree with
    what the vendor announced fails the fetch whole, see pms/pages.py).
    """

    def __init__(
        self, fields: Mapping[str, str], *, options: HttpOptions, base_url: str | None
    ) -> None: ...

    def properties(self) -> Sequence[Row]: ...

    def units(self, pms_property_id: str) -> Sequence[Row]: ...

    def resident_pages(self, pms_property_ids: Sequence[str]) -> Iterator[RawPage]: ...

    # Vendors whose Capabilities say changed_since=True also implement
    #   def resident_pages_changed_since(
    #       self, pms_property_ids: Sequence[str], since: datetime
    #   ) -> Iterator[RawPage]: ...
    # returning every resident row the vendor reports as modified at or after `since`
    # (an aware UTC datetime; the client converts it to the vendor's zone and format).
    # The same pager contract applies. A delta is never evidence that anyone left.

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class VendorMapping:
    """A vendor's mapping from wire rows to normalized types (vendors/<vendor>/mapping.py)."""

    property: Callable[[Row], PMSProperty | None]
    unit: Callable[[Row, str], PMSUnit | None]
    # One row of a resident page → the people it holds (a Yardi <Unit> holds several).
    resident: Callable[[Row, str], MappingResult]
    # The vendor's lease status names and what each means (vendors/<vendor>/statuses.py).
    statuses: Mapping[str, Lifecycle]


@dataclass(frozen=True, slots=True)
class VendorInfo:
    code: str
    display_name: str
    fields: tuple[CredentialField, ...]
    # "module:Class" of the vendor's VendorClient.
    client: str
    # "module:NAME" of the vendor's VendorMapping.
    mapping: str
    # Module of the simulator's wire format: `handle(request, state)`, `failure(kind,
    # retry_after)`, and the vendor's own spelling of statuses and roles.
    simulator: str
    capabilities: Capabilities = Capabilities()
    # The vendor's published call limits (empty: none known; the budget then uses a
    # conservative default, see pms/budget.py once it exists).
    rate_limits: tuple[RateLimit, ...] = ()
    # Shown under the form when the fields alone cannot express the rule.
    note: str = ""
    # The fields naming the PMS account (not the login): two credentials equal on these
    # reach the same PMS properties, whoever logs in.
    account_fields: tuple[str, ...] = ()

    @property
    def secret_field_names(self) -> frozenset[str]:
        return frozenset(field.name for field in self.fields if field.secret)

    def client_class(self) -> type[VendorClient]:
        return cast("type[VendorClient]", _attribute(self.client))

    def vendor_mapping(self) -> VendorMapping:
        found = _attribute(self.mapping)
        if not isinstance(found, VendorMapping):
            raise TypeError(f"{self.mapping} is not a VendorMapping")
        return found

    def simulator_module(self) -> ModuleType:
        return importlib.import_module(self.simulator)


def _attribute(path: str) -> Any:
    module_name, _, name = path.partition(":")
    return getattr(importlib.import_module(module_name), name)
