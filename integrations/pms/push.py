"""What a vendor's push (a signed webhook) is to doorsync: a trigger, never data.

A vendor whose Capabilities say webhooks=True has a `webhooks.py` in its package with

    def verify(*, headers: Mapping[str, str], body: bytes, secret: str, now: datetime)
        -> PushEvent

that checks the signature and freshness of one request and names what it is about, or
raises PushRejected saying why. Headers arrive lower-cased. Its client also implements

    def resident_pages_for(self, pms_property_ids, *, lease_ids, tenant_ids)
        -> Iterator[RawPage]

the rows of just those leases and people, read fresh (what the vendor no longer has is
left out; the pager contract applies). The endpoint
(integrations/inbound) is the same for every vendor; the records an event names are
then read from the vendor's API (Connector.fetch_residents_for) — nothing in the body
is ever applied.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# How far a push's own timestamp may lag (or run ahead of) our clock before it is taken
# for a replay of an old request.
MAX_AGE_SECONDS = 5 * 60
MAX_AHEAD_SECONDS = 60


@dataclass(frozen=True, slots=True)
class PushEvent:
    # Replay key: the vendor's event id, or what stands for one where it sends none.
    key: str
    # The vendor's event name ("Lease.MoveOut.Created").
    name: str
    # Leases and people the event is about, as the vendor's ids; empty for an event about
    # something else (a rental property, a bill), which triggers nothing.
    lease_ids: tuple[str, ...] = ()
    tenant_ids: tuple[str, ...] = ()
    # The vendor account the push came from, for support ("" when it names none).
    account: str = ""

    @property
    def targets_residents(self) -> bool:
        return bool(self.lease_ids or self.tenant_ids)


class PushRejected(Exception):
    """The request is not a genuine, fresh push; `reason` says why, for the event log."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Verifier(Protocol):
    def __call__(
        self, *, headers: Mapping[str, str], body: bytes, secret: str, now: datetime
    ) -> PushEvent: ...


def push_verifier(vendor: str) -> Verifier | None:
    """The vendor package's verifier, or None when the vendor cannot push."""
    from integrations.pms.registry import VENDORS

    info = VENDORS.get(vendor)
    if info is None or not info.capabilities.webhooks:
        return None
    module = importlib.import_module(f"integrations.vendors.{vendor}.webhooks")
    verify: Verifier = module.verify
    return verify
