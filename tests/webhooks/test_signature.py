"""What a receiver gets is signed as Standard Webhooks says: checked by an independent
verifier (tests/webhooks/verify.py, standard library only), over real HTTP."""

from __future__ import annotations

import base64
import json

import pytest
from django.utils import timezone

from integrations.credentials.crypto import secrets_decrypt
from tests.webhooks.verify import verify
from webhooks.delivery import delivery_attempt
from webhooks.emit import WebhookEvent, messages_deliveries_create
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.signing import headers_for, secret_generate

pytestmark = pytest.mark.django_db


def test_a_secret_is_whsec_and_32_random_bytes():
    secret = secret_generate()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret_generate() != secret


def test_the_secret_is_stored_encrypted(hook):
    stored = WebhookEndpoint.objects.get(id=hook.endpoint.id).secret_encrypted
    assert hook.secret not in stored
    assert secrets_decrypt(stored) == {"secret": hook.secret}


def test_a_delivery_is_signed_and_verifies_independently(hook, receiver, enqueued):
    # Given an event for Harbor Living
    event = WebhookEvent(hook.endpoint.organization_id, "access.granted", {"grant_id": 7})
    (delivery_id,) = messages_deliveries_create(pairs=[(event, [hook.endpoint])])

    # When it is delivered over HTTP
    result = delivery_attempt(delivery_id=delivery_id)

    # Then the receiver got one POST whose signature verifies with the secret shown once
    assert result.state == WebhookDelivery.State.SUCCEEDED
    (request,) = receiver.requests
    now = int(timezone.now().timestamp())
    assert verify(secret=hook.secret, headers=request.headers, body=request.body, now=now)
    assert request.headers["webhook-id"].startswith("msg_")
    assert "." not in request.headers["webhook-id"]
    assert request.headers["content-type"] == "application/json"
    payload = json.loads(request.body)
    assert payload["type"] == "access.granted"
    assert payload["data"] == {"grant_id": 7}
    assert payload["timestamp"].endswith("Z")
    # and a tampered body, another secret or an old timestamp do not verify
    assert not verify(
        secret=hook.secret, headers=request.headers, body=request.body + b" ", now=now
    )
    assert not verify(secret=secret_generate(), headers=request.headers, body=request.body, now=now)
    assert not verify(secret=hook.secret, headers=request.headers, body=request.body, now=now + 600)


def test_signed_with_two_secrets_either_verifies():
    # A rotation: the header carries one signature per secret, space-separated
    old, new = secret_generate(), secret_generate()
    headers = headers_for(secrets=[new, old], msg_id="msg_1", timestamp=1_700_000_000, body="{}")
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert verify(secret=secret, headers=headers, body=b"{}", now=1_700_000_000)


def test_a_retry_keeps_the_webhook_id_and_signs_its_own_timestamp(hook, receiver, enqueued):
    event = WebhookEvent(hook.endpoint.organization_id, "sync.failed", {"run_id": 1})
    (delivery_id,) = messages_deliveries_create(pairs=[(event, [hook.endpoint])])
    receiver.status = 500
    first = delivery_attempt(delivery_id=delivery_id)
    receiver.status = 200
    later = first.next_attempt_at
    delivery_attempt(delivery_id=delivery_id, now=lambda: later)

    a, b = receiver.requests
    assert a.headers["webhook-id"] == b.headers["webhook-id"]
    assert a.body == b.body
    assert int(b.headers["webhook-timestamp"]) == int(later.timestamp())
    assert verify(secret=hook.secret, headers=b.headers, body=b.body, now=int(later.timestamp()))
