"""The simulator's pushes: a vendor's signed webhooks, posted to a target when a resident
changes — as Buildium calls back the URL registered with it.

Off unless a target is set for the vendor (POST /_sim/webhooks {vendor, url, secret}, or
`state.pushes.set(...)` in tests). A vendor pushes if its simulator module defines
`webhook_events(before, after, now=)` and `webhook_requests(events, secret=, now=)`.
Posts are made synchronously from the thread that made the edit, so a test that edits a
resident through the control API knows the push was answered when the edit returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from integrations.simulator.data import SimResident

# (url, headers, body) → the HTTP status the target answered.
Sender = Callable[[str, dict[str, str], bytes], int]


@dataclass(frozen=True, slots=True)
class PushTarget:
    url: str
    secret: str


@dataclass(frozen=True, slots=True)
class PushSent:
    vendor: str
    event: str
    status: int
    error: str = ""


def _post(url: str, headers: dict[str, str], body: bytes) -> int:
    request = Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310 - a configured target
            return int(response.status)
    except HTTPError as exc:
        return int(exc.code)


class Pushes:
    """Per-vendor push targets and a log of what was sent, shared by handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._targets: dict[str, PushTarget] = {}
        self.sent: list[PushSent] = []
        self.send: Sender = _post
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def set(self, vendor: str, *, url: str, secret: str) -> None:
        with self._lock:
            if url:
                self._targets[vendor] = PushTarget(url, secret)
            else:
                self._targets.pop(vendor, None)

    def targets(self) -> dict[str, PushTarget]:
        with self._lock:
            return dict(self._targets)

    def reset(self) -> None:
        with self._lock:
            self._targets.clear()
            self.sent.clear()

    def changed(self, before: SimResident | None, after: SimResident) -> None:
        """Post every configured vendor's webhooks for one resident's change."""
        from integrations.simulator.vocab import wire

        for vendor, target in self.targets().items():
            module = wire(vendor)
            if not hasattr(module, "webhook_events"):
                continue
            now = self.now()
            events: list[dict[str, Any]] = module.webhook_events(before, after, now=now)
            for event, (headers, body) in zip(
                events, module.webhook_requests(events, secret=target.secret, now=now), strict=True
            ):
                name = str(event.get("EventName", ""))
                try:
                    status = self.send(target.url, headers, body)
                except (URLError, OSError) as exc:
                    self.sent.append(PushSent(vendor, name, 0, str(exc)))
                    continue
                self.sent.append(PushSent(vendor, name, status))
