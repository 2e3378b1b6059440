"""Delivering one webhook: claim, sign, POST through the egress guard, record, reschedule.

Standard Webhooks' rules ("Deliverability and reliability"): a 2xx is delivered; 410 Gone
disables the endpoint (the receiver asked us to stop); anything else — another status, a
redirect (not followed), a timeout, a refused connection — is retried with exponential
backoff and full jitter until the schedule is spent *and* a day has passed since the
first attempt. An address the egress guard refuses (a private network) is not retried:
it would be refused again.

The clock, the random draw and the HTTP call are parameters so tests move time instead of
sleeping and answer without a network.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from integrations.credentials.crypto import secrets_decrypt
from integrations.pms.egress import AddressNotAllowed, guarded_transport
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.signing import headers_for

logger = logging.getLogger(__name__)

# The ceiling of each wait (full jitter draws between 1 s and it), after attempt 1, 2, …;
# the last repeats until RETRY_FOR has passed since the first attempt (≈ 27.5 h unjittered).
BACKOFF = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
RETRY_FOR = timedelta(hours=24)
# Retry-After is honoured up to this; a longer ask is clipped to it.
RETRY_AFTER_MAX = timedelta(hours=10)
TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
RESPONSE_READ_MAX = 64 * 1024  # bytes read of an answer; the excerpt keeps less
EXCERPT_CHARS = 500
USER_AGENT = "doorsync-webhooks/1"


@dataclass(frozen=True, slots=True)
class Response:
    status_code: int
    body: bytes
    retry_after: str = ""


Sender = Callable[[str, dict[str, str], bytes], Response]


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _shared_client() -> httpx.Client:
    """One client per worker process: building one (its TLS context) costs ~50 ms, and a
    receiver's connection is kept alive between deliveries. Connections are made by the
    guarded transport, so each new one is checked; a pooled one was checked when made."""
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(
                transport=guarded_transport(),
                timeout=TIMEOUT,
                follow_redirects=False,
                headers={"user-agent": USER_AGENT},
            )
        return _client


def http_send(url: str, headers: dict[str, str], body: bytes) -> Response:
    """POST through the PMS egress guard (integrations/pms/egress.py): every connection is
    checked after DNS; private addresses only when allowed by PMS_ENDPOINT_HOSTS."""
    with _shared_client().stream("POST", url, content=body, headers=headers) as response:
        read = b""
        for chunk in response.iter_bytes():
            read += chunk
            if len(read) >= RESPONSE_READ_MAX:
                break
        return Response(
            response.status_code, read[:RESPONSE_READ_MAX], response.headers.get("retry-after", "")
        )


def excerpt(body: bytes) -> str:
    """What the log shows of an answer: decoded leniently, no NUL (PostgreSQL text cannot
    hold one) nor other control characters but newlines and tabs, bounded."""
    text = body[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    cleaned = "".join(c if c in "\n\t" or c >= " " else "�" for c in text)
    return cleaned[:EXCERPT_CHARS]


def backoff_ceiling(attempt: int) -> timedelta:
    return BACKOFF[min(attempt, len(BACKOFF)) - 1]


def retry_wait(*, attempt: int, rand: Callable[[], float]) -> timedelta:
    """Full jitter: anywhere between 1 s and the ceiling after attempt ``attempt``."""
    ceiling = backoff_ceiling(attempt).total_seconds()
    return timedelta(seconds=max(1.0, rand() * ceiling))


def retry_after_wait(value: str, now: datetime) -> timedelta | None:
    if not value:
        return None
    try:
        wait = timedelta(seconds=int(value))
    except ValueError:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return min(max(wait, timedelta(0)), RETRY_AFTER_MAX)


@dataclass(frozen=True, slots=True)
class AttemptResult:
    state: str  # the delivery's state after it; "" when it was not claimed
    next_attempt_at: datetime | None = None


def delivery_claim(*, delivery_id: int, now: datetime) -> bool:
    """Pending and due → sending, by one worker only (a redelivered task, the sweeper and
    a countdown may all hold the same id)."""
    return (
        WebhookDelivery.objects.filter(
            id=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
        ).update(state=WebhookDelivery.State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        == 1
    )


def delivery_attempt(
    *,
    delivery_id: int,
    now: Callable[[], datetime] = timezone.now,
    send: Sender = http_send,
    rand: Callable[[], float] = random.random,
) -> AttemptResult:
    started = now()
    if not delivery_claim(delivery_id=delivery_id, now=started):
        return AttemptResult(state="")
    delivery = WebhookDelivery.objects.select_related("endpoint", "message").get(id=delivery_id)
    endpoint, message = delivery.endpoint, delivery.message
    if not endpoint.enabled:
        _finish(delivery, WebhookDelivery.State.CANCELLED, error="The endpoint is disabled.")
        return AttemptResult(state=WebhookDelivery.State.CANCELLED)

    secret = secrets_decrypt(endpoint.secret_encrypted)["secret"]
    timestamp = int(started.timestamp())
    headers = headers_for(
        secrets=[secret], msg_id=message.msg_id, timestamp=timestamp, body=message.body
    )
    status: int | None = None
    text, error, retry_after = "", "", ""
    clock = time.perf_counter()
    try:
        answer = send(endpoint.url, headers, message.body.encode())
        status, text, retry_after = answer.status_code, excerpt(answer.body), answer.retry_after
    except AddressNotAllowed as exc:
        error = f"Not sent: {exc}. Webhooks go to public addresses only."
    except httpx.TimeoutException:
        error = "No answer in time (5 s to connect, 10 s to answer)."
    except httpx.HTTPError as exc:
        error = f"Could not connect: {exc}"[:500] or "Could not connect."
    latency = int((time.perf_counter() - clock) * 1000)
    finished = now()

    with transaction.atomic():  # the attempt and the delivery's new state: one commit
        return _record_attempt(
            delivery, endpoint, started, finished, status, latency, text, error, retry_after, rand
        )


def _record_attempt(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    started: datetime,
    finished: datetime,
    status: int | None,
    latency: int,
    text: str,
    error: str,
    retry_after: str,
    rand: Callable[[], float],
) -> AttemptResult:
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        attempted_at=started,
        status_code=status,
        latency_ms=latency,
        response_excerpt=text,
        error=error,
    )
    delivery.last_status_code, delivery.last_latency_ms = status, latency
    delivery.last_response, delivery.last_error = text, error

    if status is not None and 200 <= status < 300:
        _finish(delivery, WebhookDelivery.State.SUCCEEDED)
        return AttemptResult(state=WebhookDelivery.State.SUCCEEDED)
    if status == 410:
        endpoint_disable(
            endpoint=endpoint,
            reason="The receiver answered 410 Gone: it asked for no more webhooks.",
            at=finished,
        )
        _finish(delivery, WebhookDelivery.State.FAILED)
        return AttemptResult(state=WebhookDelivery.State.FAILED)
    if error.startswith("Not sent:"):
        _finish(delivery, WebhookDelivery.State.FAILED)
        return AttemptResult(state=WebhookDelivery.State.FAILED)

    # A delivery's first attempt follows its creation (a replay is a new delivery).
    if delivery.attempts > len(BACKOFF) and finished - delivery.created_at >= RETRY_FOR:
        _finish(delivery, WebhookDelivery.State.FAILED)
        return AttemptResult(state=WebhookDelivery.State.FAILED)
    wait = retry_wait(attempt=delivery.attempts, rand=rand)
    asked = retry_after_wait(retry_after, finished)
    if asked is not None:
        wait = max(wait, asked)
    delivery.next_attempt_at = finished + wait
    _finish(delivery, WebhookDelivery.State.PENDING)
    return AttemptResult(
        state=WebhookDelivery.State.PENDING, next_attempt_at=delivery.next_attempt_at
    )


def _finish(delivery: WebhookDelivery, state: str, *, error: str | None = None) -> None:
    delivery.state = state
    if error is not None:
        delivery.last_error = error
    if state != WebhookDelivery.State.PENDING:
        delivery.next_attempt_at = None
    delivery.save(
        update_fields=[
            "state",
            "next_attempt_at",
            "last_status_code",
            "last_latency_ms",
            "last_response",
            "last_error",
            "updated_at",
        ]
    )


@transaction.atomic
def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, at: datetime | None = None) -> None:
    """Stop sending: the endpoint is marked disabled and what waited for it is cancelled."""
    at = at or timezone.now()
    WebhookEndpoint.objects.filter(id=endpoint.id, disabled_at__isnull=True).update(
        disabled_at=at, disabled_reason=reason[:300], updated_at=at
    )
    endpoint.disabled_at, endpoint.disabled_reason = at, reason[:300]
    WebhookDelivery.objects.filter(
        endpoint_id=endpoint.id, state=WebhookDelivery.State.PENDING
    ).update(
        state=WebhookDelivery.State.CANCELLED,
        next_attempt_at=None,
        last_error="Cancelled: the endpoint was disabled.",
        updated_at=at,
    )
