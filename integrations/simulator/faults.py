"""Fault injection, per vendor, set through POST /_sim/faults."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.pms.registry import VENDORS
from integrations.simulator.settings import PerVendor

VENDOR_CODES = tuple(VENDORS)


@dataclass(slots=True)
class VendorFaults:
    # Added before every answer.
    latency_ms: int = 0
    # The next N requests answer 503.
    status_5xx: int = 0
    # The next N requests answer 429 with Retry-After: retry_after.
    rate_limit: int = 0
    retry_after: int = 1
    # The next N requests answer 200 with a body that does not parse.
    malformed_body: int = 0
    # Cut the Nth resident page (counted from when this was set) half-way; one-shot.
    truncated_page: int = 0
    # Every request is answered as a bad login, the way the vendor does it, until cleared.
    expired_credential: bool = False
    # Resident pages served since truncated_page was set.
    pages_seen: int = 0


class Faults(PerVendor[VendorFaults]):
    """Thread-safe fault settings; each `take_*` consumes one count."""

    what = "fault"

    def __init__(self) -> None:
        super().__init__(VendorFaults, VENDOR_CODES, counters={"truncated_page": "pages_seen"})

    def latency(self, vendor: str) -> float:
        return self.settings(vendor).latency_ms / 1000

    def credential_expired(self, vendor: str) -> bool:
        return self.settings(vendor).expired_credential

    def take_failure(self, vendor: str) -> tuple[str, int] | None:
        """("5xx" | "429" | "malformed", retry_after) if this request must fail."""
        with self._locked(vendor) as f:
            if f.status_5xx:
                f.status_5xx -= 1
                return ("5xx", 0)
            if f.rate_limit:
                f.rate_limit -= 1
                return ("429", f.retry_after)
            if f.malformed_body:
                f.malformed_body -= 1
                return ("malformed", 0)
            return None

    def take_truncation(self, vendor: str) -> bool:
        """Count one resident page; True if this is the one to cut."""
        return self.take_nth(vendor, "truncated_page")
