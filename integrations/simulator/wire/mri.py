from __future__ import annotations

from integrations.simulator.server import SimRequest, SimResponse, SimState


def failure(kind: str, retry_after: int) -> SimResponse:
    return SimResponse(503, b"", "text/plain")


def handle(request: SimRequest, state: SimState) -> SimResponse:
    return SimResponse(404, b"", "text/plain")
