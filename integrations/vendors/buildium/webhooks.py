"""Buildium's signed webhooks (OpenAPI document, Webhooks → Signature Checks).

Each callback is a POST of one JSON event, {EventName, EventDateTime, AccountId, <ids>},
with two headers: `buildium-webhook-timestamp`, the UNIX time it was sent, and
`buildium-webhook-signature`, base64(HMAC-SHA256(secret, "<timestamp>.<body>")), compared
case-sensitively. The body is signed as sent: without newlines or spaces after colons.

Buildium's events carry no event id, so the replay key is the signature itself: a replayed
request repeats it exactly, while a retry Buildium sends later is signed anew (a new
timestamp) and is a fresh, harmless trigger.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

from integrations.pms.push import MAX_AGE_SECONDS, MAX_AHEAD_SECONDS, PushEvent, PushRejected

TIMESTAMP = "buildium-webhook-timestamp"
SIGNATURE = "buildium-webhook-signature"
# The events about residents, and the ids each names (the Webhook Events grid). Any other
# (Rental.Updated, Bill.Created, …) is verified and logged, and triggers nothing.
LEASE_EVENTS = frozenset(
    {"Lease.Created", "Lease.Updated", "Lease.Deleted", "Lease.MoveOut.Created"}
)
TENANT_EVENTS = frozenset({"LeaseTenant.Created", "LeaseTenant.Updated", "LeaseTenant.Deleted"})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def verify(*, headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> PushEvent:
    timestamp = headers.get(TIMESTAMP, "").strip()
    sent = headers.get(SIGNATURE, "").strip()
    if not timestamp or not sent:
        raise PushRejected(f"missing {TIMESTAMP} or {SIGNATURE} header")
    if not timestamp.isdigit():
        raise PushRejected(f"{TIMESTAMP} is not a UNIX time: {timestamp[:20]!r}")
    try:
        base64.b64decode(sent, validate=True)
    except (binascii.Error, ValueError):
        raise PushRejected("signature is not base64") from None
    if not hmac.compare_digest(signature(secret, timestamp, body), sent):
        raise PushRejected("bad signature (check the signing secret under Instant updates)")
    age = now.timestamp() - int(timestamp)
    if age > MAX_AGE_SECONDS:
        raise PushRejected(
            f"stale timestamp: sent {int(age)} s ago (older than {MAX_AGE_SECONDS} s)"
        )
    if -age > MAX_AHEAD_SECONDS:
        raise PushRejected(f"timestamp {int(-age)} s in the future")
    try:
        event = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PushRejected("body is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("EventName"), str):
        raise PushRejected("body is not a Buildium event (no EventName)")
    name = event["EventName"]
    lease_ids: tuple[str, ...] = ()
    tenant_ids: tuple[str, ...] = ()
    if name in LEASE_EVENTS:
        lease_ids = _ids(event, "LeaseId")
        if name == "Lease.MoveOut.Created":
            tenant_ids = _ids(event, "TenantId")
    elif name in TENANT_EVENTS:
        tenant_ids = _ids(event, "TenantId")
    return PushEvent(
        key=f"sig:{sent}",
        name=name[:100],
        lease_ids=lease_ids,
        tenant_ids=tenant_ids,
        account=str(event.get("AccountId", ""))[:40],
    )


def _ids(event: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = event.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise PushRejected(f"{event.get('EventName')} without a numeric {key}")
    return (str(int(value)),)
