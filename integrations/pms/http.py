"""The one HTTP transport every vendor client uses.

It owns the production concerns so that no vendor gets them subtly different: timeouts,
bounded retries with exponential backoff and jitter on 429/5xx/network errors, Retry-After,
a cap on response size enforced while the body streams in, and redaction of secrets from
every error and log line it produces. `sleep` is injectable so tests never wait.

Before every request it takes the credential's rate-limit budget (pms/budget.py, shared by
all workers), and after every response it tells the budget what the vendor said: a
Retry-After, or a limit header with nothing left, holds the credential for every worker.
"""

from __future__ import annotations

import email.utils
import io
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from integrations.pms.budget import BudgetWait, exhausted_for
from integrations.pms.egress import AddressNotAllowed, guarded_transport
from integrations.pms.errors import (
    AddressRefused,
    BudgetExhausted,
    CredentialRejected,
    PMSError,
    RateLimited,
    RequestRejected,
    ResponseTooLarge,
    VendorUnavailable,
)
from integrations.pms.redact import Redactor

if TYPE_CHECKING:
    from integrations.pms.budget import CallBudget

logger = logging.getLogger(__name__)

# Enough of an error body to classify it (a SOAP fault, a JSON error) without reading a
# runaway error page.
_ERROR_BODY_LIMIT = 64 * 1024

E = TypeVar("E", bound=PMSError)


@dataclass(frozen=True, slots=True)
class HttpOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # Total tries per call, the first included.
    max_attempts: int = 4
    backoff_initial: float = 1.0
    backoff_max: float = 30.0
    # A Retry-After longer than this is not slept through inside a sync: RateLimited is
    # raised at once with `retry_after`, and the task layer reschedules the whole sync.
    retry_after_max: float = 120.0
    # Counted on the decoded body, so a small gzip bomb cannot get past it either.
    max_response_bytes: int = 128 * 1024 * 1024
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    # httpx.MockTransport in unit tests; None for real sockets.
    transport: httpx.BaseTransport | None = None
    user_agent: str = "doorsync-pms/1.0"
    # The credential's rate-limit budget (pms/budget.py): None sends without pacing (a
    # connector built without a stored credential: the simulator's self-test, benchmarks).
    budget: CallBudget | None = None
    clock: Callable[[], float] = time.time


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status_code: int
    headers: httpx.Headers
    content: bytes
    url: str

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


# Looks at a non-2xx response (and the call's name) before the generic status handling; returns the error it
# recognises (transient ones are retried) or None.
Classifier = Callable[[HttpResponse, str], PMSError | None]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class CappedBody(io.RawIOBase):
    """A response body read as a file, failing once it grows past the size cap.

    Lets XML be parsed incrementally straight off the socket, so a 30 MB resident list
    never sits in memory whole.
    """

    def __init__(
        self,
        chunks: Iterator[bytes],
        *,
        limit: int,
        too_large: Callable[[int], PMSError],
        broken: Callable[[Exception], PMSError],
    ) -> None:
        super().__init__()
        self._chunks = chunks
        self._limit = limit
        self._too_large = too_large
        self._broken = broken
        self._buffer = bytearray()
        self._seen = 0
        self._eof = False

    def readable(self) -> bool:
        return True

    @property
    def bytes_read(self) -> int:
        """Bytes taken off the wire so far (read or peeked)."""
        return self._seen

    def _pull(self) -> bool:
        if self._eof:
            return False
        try:
            chunk = next(self._chunks)
        except StopIteration:
            self._eof = True
            return False
        except httpx.TransportError as exc:
            raise self._broken(exc) from None
        self._seen += len(chunk)
        if self._seen > self._limit:
            raise self._too_large(self._seen)
        self._buffer += chunk
        return True

    def peek(self, size: int) -> bytes:
        """Up to `size` bytes from the start of what is unread, without consuming them."""
        while len(self._buffer) < size and self._pull():
            pass
        return bytes(self._buffer[:size])

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        while not self._buffer and self._pull():
            pass
        count = min(len(view), len(self._buffer))
        view[:count] = self._buffer[:count]
        del self._buffer[:count]
        return count


class HttpTransport:
    """HTTP for one vendor credential; create one per connector and close it after use."""

    def __init__(
        self,
        *,
        vendor: str,
        options: HttpOptions | None = None,
        secrets: tuple[str, ...] = (),
        basic_auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        classify: Classifier | None = None,
        fields_hint: str = "credential",
    ) -> None:
        self.vendor = vendor
        self.options = options or HttpOptions()
        self.fields_hint = fields_hint
        literals = (Redactor.basic_auth_literal(*basic_auth),) if basic_auth else ()
        self.redact = Redactor(secrets, literals=literals)
        self._classify = classify
        timeout = httpx.Timeout(self.options.read_timeout, connect=self.options.connect_timeout)
        self._client = httpx.Client(
            timeout=timeout,
            auth=httpx.BasicAuth(*basic_auth) if basic_auth else None,
            headers={"User-Agent": self.options.user_agent, **(headers or {})},
            # Real sockets go through the egress guard; tests inject a MockTransport.
            transport=self.options.transport or guarded_transport(),
            follow_redirects=False,
        )

    # -- errors ------------------------------------------------------------------------

    def error(self, cls: type[E], *, call: str, detail: str = "", **extra: Any) -> E:
        """Build an error of `cls` with its detail scrubbed of this credential's secrets."""
        if issubclass(cls, CredentialRejected):
            extra.setdefault("fields_hint", self.fields_hint)
        return cls(vendor=self.vendor, call=call, detail=self.redact(detail), **extra)

    # -- requests ----------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        call: str,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        budgeted: bool = True,
        budget_scope: str = "",
    ) -> HttpResponse:
        """Send and read the whole (capped) body; a body that breaks off is retried.

        `budgeted` False only for a call the vendor does not count (AppFolio's
        next_page_url); `budget_scope` names the PMS property for per-property limits."""
        for attempt in range(1, self.options.max_attempts + 1):
            if budgeted:
                self._take_budget(call, budget_scope)
            try:
                with self._client.stream(
                    method, url, content=content, headers=headers, params=params
                ) as response:
                    retry = self._judge(response, call)
                    if retry is None:
                        body = self._read_all(response, call)
                        return HttpResponse(
                            response.status_code, response.headers, body, str(response.url)
                        )
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise self._bad_address(exc, call) from None
            except AddressNotAllowed as exc:
                raise self._not_allowed(exc, call) from None
            except httpx.TransportError as exc:
                retry = (self._network_error(exc, call), None)
            self._wait_or_raise(retry, attempt, call)
        raise AssertionError("unreachable: the last attempt raises")  # pragma: no cover

    @contextmanager
    def stream(
        self,
        method: str,
        url: str,
        *,
        call: str,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        budget_scope: str = "",
    ) -> Iterator[CappedBody]:
        """Send and hand the 2xx body over as a capped file for incremental parsing.

        Retries happen only before the body starts: once records may have been handed on,
        a broken body fails the call (VendorUnavailable) rather than replaying it.
        """
        for attempt in range(1, self.options.max_attempts + 1):
            self._take_budget(call, budget_scope)
            with ExitStack() as stack:
                try:
                    response = stack.enter_context(
                        self._client.stream(
                            method, url, content=content, headers=headers, params=params
                        )
                    )
                    retry = self._judge(response, call)
                except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                    raise self._bad_address(exc, call) from None
                except AddressNotAllowed as exc:
                    raise self._not_allowed(exc, call) from None
                except httpx.TransportError as exc:
                    retry = (self._network_error(exc, call), None)
                if retry is None:
                    self._check_declared_length(response, call)
                    yield CappedBody(
                        response.iter_bytes(),
                        limit=self.options.max_response_bytes,
                        too_large=lambda seen: self._too_large(call, seen),
                        broken=lambda exc: self._network_error(exc, call),
                    )
                    return
            self._wait_or_raise(retry, attempt, call)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------

    def _take_budget(self, call: str, scope: str) -> None:
        budget = self.options.budget
        if budget is None:
            return
        try:
            slept = budget.take(sleep=self.options.sleep, scope=scope)
        except BudgetWait as wait:
            raise self.error(
                BudgetExhausted,
                call=call,
                detail=f"budget allows the next call in {wait.seconds:.0f}s",
                retry_after=wait.seconds,
            ) from None
        if slept:
            logger.info("%s %s waited %.1fs for rate-limit budget", self.vendor, call, slept)

    def _heed_limits(self, response: httpx.Response) -> float | None:
        """What the vendor said about its limits, shared through the budget: a Retry-After
        on a 429 or 503, or a limit header saying nothing is left until a reset. The
        seconds to wait, or None."""
        wait: float | None = None
        if response.status_code in (429, 503):
            wait = parse_retry_after(response.headers.get("retry-after"))
        if wait is None:
            wait = exhausted_for(response.headers, now=self.options.clock())
        if wait is not None and wait > 0 and self.options.budget is not None:
            self.options.budget.hold_for(wait)
        return wait

    def _judge(self, response: httpx.Response, call: str) -> tuple[PMSError, float | None] | None:
        """None when the response is usable; (error, wait) when it is worth retrying.

        Raises at once for what no retry can fix (credential, bad request, redirect).
        """
        status = response.status_code
        told = self._heed_limits(response)
        if 200 <= status < 300:
            return None
        body = self._read_prefix(response)
        seen = HttpResponse(status, response.headers, body, str(response.url))
        if self._classify is not None:
            recognised = self._classify(seen, call)
            if recognised is not None:
                if not recognised.transient:
                    raise recognised
                wait = recognised.retry_after if isinstance(recognised, RateLimited) else None
                return self._limit_wait(recognised, wait)
        if status in (401, 403):
            raise self.error(CredentialRejected, call=call, detail=f"HTTP {status}")
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            limited = self.error(RateLimited, call=call, detail="HTTP 429", retry_after=retry_after)
            return self._limit_wait(limited, retry_after)
        if status >= 500 and status != 501:
            unavailable = self.error(VendorUnavailable, call=call, detail=f"HTTP {status}")
            if status == 503 and told:
                # A 503 with Retry-After is honoured as a 429's is.
                return self._limit_wait(unavailable, told)
            return (unavailable, None)
        if 300 <= status < 400:
            where = response.headers.get("location", "elsewhere")
            raise self.error(
                RequestRejected, call=call, detail=f"HTTP {status} redirect to {where}"
            )
        raise self.error(RequestRejected, call=call, detail=f"HTTP {status}")

    def _limit_wait(self, error: PMSError, wait: float | None) -> tuple[PMSError, float | None]:
        if wait is not None and wait > self.options.retry_after_max:
            # Sleeping this long would pin a worker; the task layer reschedules instead.
            raise error
        return (error, wait)

    def _wait_or_raise(self, retry: tuple[PMSError, float | None], attempt: int, call: str) -> None:
        error, wait = retry
        if attempt >= self.options.max_attempts:
            logger.warning(
                "%s %s gave up after %d attempts: %s",
                self.vendor,
                call,
                attempt,
                error.detail,
            )
            raise error
        delay = wait if wait is not None else self._backoff(attempt)
        logger.warning(
            "%s %s failed (attempt %d of %d): %s; retrying in %.2fs",
            self.vendor,
            call,
            attempt,
            self.options.max_attempts,
            error.detail,
            delay,
        )
        self.options.sleep(delay)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.options.backoff_max, self.options.backoff_initial * 2 ** (attempt - 1))
        # "Equal jitter": never less than half the step, so retries still back off, but
        # spread out so many workers hitting one vendor do not retry in lockstep.
        return ceiling / 2 + self.options.jitter() * ceiling / 2

    def _read_all(self, response: httpx.Response, call: str) -> bytes:
        self._check_declared_length(response, call)
        limit = self.options.max_response_bytes
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > limit:
                raise self._too_large(call, len(body))
        return bytes(body)

    def _read_prefix(self, response: httpx.Response) -> bytes:
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= _ERROR_BODY_LIMIT:
                    break
        except httpx.TransportError:
            pass  # An error body is only a hint; the status code still decides.
        return bytes(body[:_ERROR_BODY_LIMIT])

    def _check_declared_length(self, response: httpx.Response, call: str) -> None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.options.max_response_bytes:
            raise self._too_large(call, int(declared))

    def _too_large(self, call: str, seen: int) -> ResponseTooLarge:
        cap = self.options.max_response_bytes
        return self.error(ResponseTooLarge, call=call, detail=f"over {cap:,} bytes ({seen:,} seen)")

    def _network_error(self, exc: Exception, call: str) -> VendorUnavailable:
        reason = str(exc) or type(exc).__name__
        return self.error(VendorUnavailable, call=call, detail=f"{type(exc).__name__}: {reason}")

    def _bad_address(self, exc: Exception, call: str) -> RequestRejected:
        return self.error(RequestRejected, call=call, detail=f"invalid address: {exc}")

    def _not_allowed(self, exc: AddressNotAllowed, call: str) -> AddressRefused:
        return self.error(AddressRefused, call=call, detail=str(exc))
