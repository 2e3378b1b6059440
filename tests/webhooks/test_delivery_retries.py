"""Retries: exponential backoff with full jitter for at least a day, 410 disables the
endpoint, Retry-After is honoured, a private address is never tried. The clock, the
random draw and the HTTP answer are injected: nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from webhooks.delivery import (
    BACKOFF,
    RETRY_FOR,
    Response,
    delivery_attempt,
    excerpt,
    retry_wait,
)
from webhooks.emit import WebhookEvent, messages_deliveries_create
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self):
        return self.now


def answering(status: int, body: bytes = b"", retry_after: str = ""):
    calls: list[tuple[str, dict[str, str], bytes]] = []

    def send(url, headers, body_sent):
        calls.append((url, headers, body_sent))
        return Response(status, body, retry_after)

    send.calls = calls  # type: ignore[attr-defined]
    return send


@pytest.fixture
def delivery_id(hook, enqueued) -> int:
    event = WebhookEvent(hook.endpoint.organization_id, "access.revoked", {"grant_id": 1})
    (delivery_id,) = messages_deliveries_create(pairs=[(event, [hook.endpoint])])
    return delivery_id


def test_a_failing_receiver_is_retried_for_at_least_a_day_then_given_up(delivery_id):
    clock = Clock()
    start = clock.now
    send = answering(503, b"down for maintenance")
    states = []
    # Every wait drawn at its ceiling (rand = 1): the schedule itself
    while True:
        result = delivery_attempt(delivery_id=delivery_id, now=clock, send=send, rand=lambda: 1.0)
        states.append(result.state)
        if result.state != WebhookDelivery.State.PENDING:
            break
        clock.now = result.next_attempt_at

    # 1 + 7 retries spanning 5 s + 5 min + 30 min + 2 h + 5 h + 10 h + 10 h ≥ 24 h
    assert states == ["pending"] * len(BACKOFF) + ["failed"]
    assert clock.now - start == sum(BACKOFF, timedelta())
    assert clock.now - start >= RETRY_FOR
    attempts = list(WebhookAttempt.objects.filter(delivery_id=delivery_id))
    assert [a.number for a in attempts] == list(range(1, len(BACKOFF) + 2))
    assert {a.status_code for a in attempts} == {503}
    assert attempts[0].response_excerpt == "down for maintenance"
    delivery = WebhookDelivery.objects.get(id=delivery_id)
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 8, None)


def test_with_short_jittered_waits_it_keeps_trying_until_a_day_has_passed(delivery_id):
    clock = Clock()
    start = clock.now
    send = answering(500)
    count = 0
    while True:
        result = delivery_attempt(delivery_id=delivery_id, now=clock, send=send, rand=lambda: 0.1)
        count += 1
        if result.state != "pending":
            break
        clock.now = result.next_attempt_at
    # Waits of a tenth of the schedule: more attempts, but never given up before a day
    assert count > len(BACKOFF) + 1
    assert clock.now - start >= RETRY_FOR


def test_full_jitter_draws_between_one_second_and_the_ceiling():
    assert retry_wait(attempt=1, rand=lambda: 0.0) == timedelta(seconds=1)
    assert retry_wait(attempt=1, rand=lambda: 1.0) == timedelta(seconds=5)
    assert retry_wait(attempt=4, rand=lambda: 0.5) == timedelta(hours=1)
    assert retry_wait(attempt=20, rand=lambda: 1.0) == timedelta(hours=10)


def test_410_gone_disables_the_endpoint_and_cancels_what_waits(hook, delivery_id, enqueued):
    # Given a second delivery waiting for the same endpoint
    other = WebhookEvent(hook.endpoint.organization_id, "sync.failed", {"run_id": 2})
    (waiting,) = messages_deliveries_create(pairs=[(other, [hook.endpoint])])

    result = delivery_attempt(delivery_id=delivery_id, send=answering(410))

    assert result.state == WebhookDelivery.State.FAILED
    endpoint = WebhookEndpoint.objects.get(id=hook.endpoint.id)
    assert endpoint.disabled_at is not None
    assert "410 Gone" in endpoint.disabled_reason
    assert WebhookDelivery.objects.get(id=waiting).state == WebhookDelivery.State.CANCELLED
    # and nothing more is sent to it
    send = answering(200)
    assert delivery_attempt(delivery_id=waiting, send=send).state == ""
    assert send.calls == []


def test_retry_after_is_honoured(delivery_id):
    clock = Clock()
    result = delivery_attempt(
        delivery_id=delivery_id, now=clock, send=answering(429, retry_after="120"), rand=lambda: 0.0
    )
    assert result.next_attempt_at == clock.now + timedelta(seconds=120)


def test_a_redirect_is_not_followed_and_counts_as_a_failure(delivery_id):
    result = delivery_attempt(delivery_id=delivery_id, send=answering(301))
    assert result.state == WebhookDelivery.State.PENDING


def test_a_timeout_is_logged_and_retried(delivery_id):
    def slow(url, headers, body):
        raise httpx.ReadTimeout("timed out")

    result = delivery_attempt(delivery_id=delivery_id, send=slow)

    assert result.state == WebhookDelivery.State.PENDING
    delivery = WebhookDelivery.objects.get(id=delivery_id)
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("No answer in time")


def test_a_delivery_is_claimed_once(delivery_id):
    clock = Clock()
    send = answering(500)
    first = delivery_attempt(delivery_id=delivery_id, now=clock, send=send)
    # A second worker holding the same id before it is due sends nothing
    assert delivery_attempt(delivery_id=delivery_id, now=clock, send=send).state == ""
    assert len(send.calls) == 1
    assert first.next_attempt_at > clock.now


def test_a_private_address_is_refused_by_the_egress_guard_and_not_retried(
    org_a, enqueued, settings
):
    # Given an endpoint whose name resolves to a private address (set by support, say)
    settings.DEBUG = True
    created = endpoint_create(
        organization=org_a, url="https://localhost.example/hook", events=["sync.failed"]
    )
    WebhookEndpoint.objects.filter(id=created.endpoint.id).update(url="http://10.1.2.3:8080/x")
    event = WebhookEvent(org_a.id, "sync.failed", {})
    (delivery_id,) = messages_deliveries_create(pairs=[(event, [created.endpoint])])
    created.endpoint.refresh_from_db()

    # When it is delivered through the real HTTP client
    result = delivery_attempt(delivery_id=delivery_id)

    # Then the guard refused to connect, and it is not tried again
    assert result.state == WebhookDelivery.State.FAILED
    delivery = WebhookDelivery.objects.get(id=delivery_id)
    assert "private or reserved network address" in delivery.last_error


def test_the_response_excerpt_is_bounded_and_safe_for_odd_bytes():
    text = excerpt(b"ok\x00\xff\xfe" + "é".encode() + b"\x1b[31m" + b"x" * 5000)
    assert "\x00" not in text and "\x1b" not in text
    assert text.startswith("ok")
    assert "é" in text
    assert len(text) == 500
