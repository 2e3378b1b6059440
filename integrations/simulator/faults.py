"""Fault injection, per vendor, set through POST /_sim/faults."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from integrations.pms.registry import VENDORS

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


class Faults:
    """Thread-safe fault settings; each `take_*` consumes one count."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_vendor = {code: VendorFaults() for code in VENDOR_CODES}

    def set(self, vendor: str, settings: Mapping[str, Any]) -> VendorFaults:
        if vendor not in self._by_vendor:
            raise ValueError(f"unknown vendor {vendor!r}")
        allowed = set(VendorFaults.__dataclass_fields__) - {"pages_seen"}
        unknown = set(settings) - allowed
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        with self._lock:
            current = self._by_vendor[vendor]
            for name, value in settings.items():
                if name == "expired_credential":
                    current.expired_credential = bool(value)
                else:
                    number = int(value)
                    if number < 0:
                        raise ValueError(f"{name} must be >= 0")
                    setattr(current, name, number)
            if "truncated_page" in settings:
                current.pages_seen = 0
            return VendorFaults(**asdict(current))

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {code: asdict(f) for code, f in self._by_vendor.items()}

    def reset(self) -> None:
        with self._lock:
            self._by_vendor = {code: VendorFaults() for code in VENDOR_CODES}

    def latency(self, vendor: str) -> float:
        with self._lock:
            return self._by_vendor[vendor].latency_ms / 1000

    def credential_expired(self, vendor: str) -> bool:
        with self._lock:
            return self._by_vendor[vendor].expired_credential

    def take_failure(self, vendor: str) -> tuple[str, int] | None:
        """("5xx" | "429" | "malformed", retry_after) if this request must fail."""
        with self._lock:
            f = self._by_vendor[vendor]
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
        with self._lock:
            f = self._by_vendor[vendor]
            if not f.truncated_page:
                return False
            f.pages_seen += 1
            if f.pages_seen == f.truncated_page:
                f.truncated_page = 0
                f.pages_seen = 0
                return True
            return False
