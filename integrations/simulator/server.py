"""The simulator's HTTP server: one stdlib ThreadingHTTPServer serving every vendor.

Vendor APIs live under a path prefix each (/yardi/…, /entrata/…), so one base URL serves
all five; /_sim/… is the control API and / the editing page.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from integrations.simulator.adversary import Adversary, WireTraits, chunked
from integrations.simulator.data import DEFAULT_RESIDENTS, DEFAULT_SEED, Dataset, generate
from integrations.simulator.faults import VENDOR_CODES, Faults
from integrations.simulator.pushes import Pushes

if TYPE_CHECKING:
    from integrations.pms.base import Connector
    from integrations.pms.http import HttpOptions

logger = logging.getLogger(__name__)

# Small writes are coalesced into chunks of about this size before hitting the socket.
_CHUNK_BYTES = 64 * 1024
_MAX_REQUEST_BYTES = 1024 * 1024


@dataclass(slots=True)
class SimRequest:
    method: str
    # Path below the vendor prefix, e.g. "/api/v1/leases" for /entrata/api/v1/leases.
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    # "http://127.0.0.1:8765/entrata" — for absolute next-page links.
    base: str

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass(slots=True)
class SimResponse:
    status: int = 200
    # bytes are sent with Content-Length; an iterable streams with chunked encoding.
    body: bytes | Iterable[bytes] = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # Small writes are coalesced before hitting the socket — except for a trickle, whose
    # point is the small pieces.
    coalesce: bool = True

    @classmethod
    def of_json(cls, payload: Any, status: int = 200, **headers: str) -> SimResponse:
        return cls(status, json.dumps(payload).encode(), "application/json", dict(headers))


class SimState:
    """Everything a request can see or change, shared by the handler threads."""

    def __init__(
        self,
        *,
        residents: int = DEFAULT_RESIDENTS,
        seed: int = DEFAULT_SEED,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.residents = residents
        self.seed = seed
        # The PMS's clock: stamps each record's last-modified time (data.Dataset.clock).
        self._clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.faults = Faults()
        self.adversary = Adversary(VENDOR_CODES)
        # Vendors' webhooks to a configured target when a resident changes (off by default).
        self.pushes = Pushes()
        # Every wait the simulator makes (latency, a slow trickle) goes through here, so
        # tests inject a recorder and never wait on the wall clock.
        self.sleep: Callable[[float], None] = time.sleep
        self.dataset: Dataset = generate(residents=residents, seed=seed, clock=self._clock)
        self.dataset.warm()
        self._lock = threading.Lock()

    @property
    def clock(self) -> Callable[[], datetime]:
        return self._clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        """Drive the PMS's clock from a test or a benchmark: every later edit (control API,
        control page, Dataset.update) is stamped with what it returns. A reset keeps it.
        (For benchmarks/, e.g. a move-out-to-revoked-key latency run: place each move-out
        at a known instant with `dataset.update(id, changes, at=…)` or the control API's
        "modified_at", then measure from that instant; no wall-clock waiting needed.)"""
        self._clock = clock
        self.dataset.clock = clock

    def reset(self) -> None:
        with self._lock:
            dataset = generate(residents=self.residents, seed=self.seed, clock=self._clock)
            dataset.warm()
            self.dataset = dataset
            self.faults.reset()
            self.adversary.reset()
            self.pushes.reset()


VendorHandler = Callable[[SimRequest, SimState], SimResponse]
FailureRenderer = Callable[[str, int], SimResponse]


@dataclass(frozen=True, slots=True)
class VendorWire:
    """One vendor's simulator module, as the core uses it."""

    handle: VendorHandler
    # failure(kind, retry_after): "5xx", "429", "malformed", or "error_200" (HTTP 200 with
    # the vendor's own error body).
    failure: FailureRenderer
    traits: WireTraits


def _vendor_handlers() -> dict[str, VendorWire]:
    """Each registered vendor's wire format, from its package's simulator module."""
    from integrations.pms.registry import VENDORS

    handlers: dict[str, VendorWire] = {}
    for code, info in VENDORS.items():
        module = info.simulator_module()
        traits = getattr(module, "TRAITS", WireTraits())
        handlers[code] = VendorWire(module.handle, module.failure, traits)
    return handlers


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many test clients reconnect quickly; do not let TIME_WAIT block a restart.
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SimState) -> None:
        super().__init__(address, SimulatorRequestHandler)
        self.state = state
        self.vendors = _vendor_handlers()


class SimulatorRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimulatorServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("simulator: " + format, *args)

    def _dispatch(self) -> None:
        from integrations.simulator import control

        try:
            request = self._read_request()
        except ValueError as exc:
            self._send(SimResponse.of_json({"error": str(exc)}, 400))
            return
        prefix, _, rest = request.path.lstrip("/").partition("/")
        state = self.server.state
        try:
            if prefix in self.server.vendors:
                request.path = "/" + rest
                request.base = f"{request.base}/{prefix}"
                response = self._vendor(prefix, request, state)
            else:
                response = control.handle(request, state)
        except Exception:  # A simulator bug must answer 500, not hang the client.
            logger.exception("simulator failed on %s %s", request.method, request.path)
            response = SimResponse(500, b"simulator error", "text/plain")
        self._send(response)

    def _vendor(self, vendor: str, request: SimRequest, state: SimState) -> SimResponse:
        wire = self.server.vendors[vendor]
        delay = state.faults.latency(vendor)
        if delay:
            state.sleep(delay)
        injected = state.faults.take_failure(vendor)
        if injected is not None:
            return wire.failure(*injected)
        if state.adversary.take_error_200(vendor):
            return wire.failure("error_200", 0)
        response = wire.handle(request, state)
        return _adversarial(vendor, wire.traits, response, state)

    def _read_request(self) -> SimRequest:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_REQUEST_BYTES:
            raise ValueError("request body too large")
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return SimRequest(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base=f"http://{host}",
        )

    def _send(self, response: SimResponse) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if isinstance(response.body, bytes):
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)
            else:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunks = _coalesce(response.body) if response.coalesce else response.body
                for chunk in chunks:
                    if not chunk:
                        continue  # an empty chunk would end the chunked body
                    self.wfile.write(b"%X\r\n%s\r\n" % (len(chunk), chunk))
                    if not response.coalesce:
                        self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a size cap, a test closing early): nothing to answer.
            self.close_connection = True


def _adversarial(
    vendor: str, traits: WireTraits, response: SimResponse, state: SimState
) -> SimResponse:
    """The vendor's answer with its adversarial body behaviours applied."""
    if response.status != 200:
        return response
    adversary = state.adversary
    if isinstance(response.body, bytes):
        response.body = adversary.rewrite(vendor, traits, response.body)
    else:
        response.body = adversary.rewrite_stream(vendor, traits, response.body)
    pause = adversary.settings(vendor).slow_trickle_ms / 1000
    if pause:
        response.body = _trickle(response.body, pause, state.sleep)
        response.coalesce = False
    return response


def _trickle(
    body: bytes | Iterable[bytes], pause: float, sleep: Callable[[float], None]
) -> Iterator[bytes]:
    pieces = (
        chunked(body)
        if isinstance(body, bytes)
        else (piece for part in body for piece in chunked(part))
    )
    for index, piece in enumerate(pieces):
        if index:
            sleep(pause)
        yield piece


def _coalesce(pieces: Iterable[bytes]) -> Iterator[bytes]:
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) >= _CHUNK_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


@dataclass
class SimulatorHandle:
    """A running simulator; `url` is its base, e.g. http://127.0.0.1:54321."""

    url: str
    state: SimState
    server: SimulatorServer
    thread: threading.Thread

    def vendor_url(self, vendor: str) -> str:
        return f"{self.url}/{vendor}"

    def connector(self, vendor: str, *, options: HttpOptions | None = None) -> Connector:
        """A connector for `vendor` pointed here with the demo credential."""
        from integrations.pms.registry import get_connector
        from integrations.simulator.credentials import demo_fields

        return get_connector(
            vendor, demo_fields(vendor), options=options, base_url=self.vendor_url(vendor)
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_simulator(
    *,
    residents: int = DEFAULT_RESIDENTS,
    seed: int = DEFAULT_SEED,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Callable[[], datetime] | None = None,
) -> SimulatorHandle:
    """Start the simulator in a background thread (port 0: any free port). `clock`: the
    PMS's clock stamping each edit's last-modified time (default: the wall clock)."""
    state = SimState(residents=residents, seed=seed, clock=clock)
    server = SimulatorServer((host, port), state)
    bound_host, bound_port = server.server_address[:2]
    if isinstance(bound_host, bytes):
        bound_host = bound_host.decode()
    thread = threading.Thread(
        target=server.serve_forever, name="pms-simulator", kwargs={"poll_interval": 0.1}
    )
    thread.daemon = True
    thread.start()
    return SimulatorHandle(f"http://{bound_host}:{bound_port}", state, server, thread)
