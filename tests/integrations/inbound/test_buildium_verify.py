"""Buildium's webhook verifier (integrations/vendors/buildium/webhooks.py) against the
documented scheme: base64(HMAC-SHA256(secret, "<timestamp>.<body>")), case-sensitive,
with the timestamp of sending; a stale or future timestamp is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.pms.push import PushRejected, push_verifier
from integrations.vendors.buildium.webhooks import signature, verify
from tests.integrations.vendors.public_shapes import fixture_path

DOC = json.loads(fixture_path("buildium", "webhook_lease_moveout.json").read_text())
SENT_AT = datetime.fromtimestamp(int(DOC["headers"]["buildium-webhook-timestamp"]), UTC)


def _headers(**changes: str) -> dict[str, str]:
    return {k.lower(): v for k, v in {**DOC["headers"], **changes}.items()}


def test_the_documented_example_verifies_and_names_lease_and_tenant():
    event = verify(headers=_headers(), body=DOC["body"].encode(), secret=DOC["secret"],
                   now=SENT_AT + timedelta(seconds=3))  # fmt: skip
    assert (event.name, event.lease_ids, event.tenant_ids) == (
        "Lease.MoveOut.Created",
        ("7001",),
        ("5002",),
    )
    assert event.account == "123456" and event.key.startswith("sig:")


def test_the_registry_finds_buildium_s_verifier_and_none_for_a_vendor_that_cannot_push():
    assert push_verifier("buildium") is verify
    assert push_verifier("yardi") is None


@pytest.mark.parametrize(
    ("headers", "body", "secret", "reason"),
    [
        (_headers(), DOC["body"], "another-secret-value", "bad signature"),
        (_headers(), DOC["body"].replace("5002", "5003"), DOC["secret"], "bad signature"),
        # Pretty-printed: not what was signed.
        (_headers(), DOC["body"].replace(",", ", "), DOC["secret"], "bad signature"),
        (
            _headers(**{"buildium-webhook-signature": DOC["headers"]["buildium-webhook-signature"].lower()}),
            DOC["body"], DOC["secret"], "bad signature",
        ),
        ({}, DOC["body"], DOC["secret"], "missing"),
        (_headers(**{"buildium-webhook-timestamp": "yesterday"}), DOC["body"], DOC["secret"], "not a UNIX time"),
        (_headers(**{"buildium-webhook-signature": "%%%"}), DOC["body"], DOC["secret"], "not base64"),
    ],
)  # fmt: skip
def test_what_is_refused_and_why(headers, body, secret, reason):
    with pytest.raises(PushRejected, match=reason):
        verify(headers=headers, body=body.encode(), secret=secret, now=SENT_AT)


def test_a_stale_or_future_timestamp_is_refused_even_when_signed():
    body = DOC["body"].encode()
    with pytest.raises(PushRejected, match="stale"):
        verify(
            headers=_headers(), body=body, secret=DOC["secret"], now=SENT_AT + timedelta(minutes=6)
        )
    with pytest.raises(PushRejected, match="future"):
        verify(
            headers=_headers(), body=body, secret=DOC["secret"], now=SENT_AT - timedelta(minutes=2)
        )


def _signed(event: dict, secret: str = "s" * 20) -> tuple[dict[str, str], bytes]:
    body = json.dumps(event, separators=(",", ":")).encode()
    stamp = str(int(SENT_AT.timestamp()))
    return {"buildium-webhook-timestamp": stamp,
            "buildium-webhook-signature": signature(secret, stamp, body)}, body  # fmt: skip


@pytest.mark.parametrize(
    ("event", "leases", "tenants"),
    [
        ({"EventName": "Lease.Updated", "LeaseId": 9}, ("9",), ()),
        ({"EventName": "LeaseTenant.Updated", "TenantId": 12}, (), ("12",)),
        ({"EventName": "Rental.Updated", "PropertyId": 23}, (), ()),
    ],
)
def test_what_each_event_names(event, leases, tenants):
    headers, body = _signed({**event, "EventDateTime": "2025-09-30T16:18:20Z", "AccountId": 1})
    found = verify(headers=headers, body=body, secret="s" * 20, now=SENT_AT)
    assert (found.lease_ids, found.tenant_ids) == (leases, tenants)
    assert found.targets_residents == bool(leases or tenants)


def test_a_signed_event_without_its_id_is_refused():
    headers, body = _signed({"EventName": "Lease.Updated", "LeaseId": "abc"})
    with pytest.raises(PushRejected, match="numeric LeaseId"):
        verify(headers=headers, body=body, secret="s" * 20, now=SENT_AT)


@given(st.binary(max_size=200), st.text(max_size=40), st.text(max_size=60))
def test_arbitrary_requests_are_refused_with_a_reason_never_an_exception(body, stamp, sig):
    with pytest.raises(PushRejected) as caught:
        verify(headers={"buildium-webhook-timestamp": stamp, "buildium-webhook-signature": sig},
               body=body, secret="s" * 20, now=SENT_AT)  # fmt: skip
    assert caught.value.reason
