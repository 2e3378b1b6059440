"""An independent Standard Webhooks verifier, written from the spec with the standard
library only (hmac, hashlib, base64): the tests check doorsync's signatures with it, not
with doorsync's own signing code."""

from __future__ import annotations

import base64
import hashlib
import hmac


def verify(
    *, secret: str, headers: dict[str, str], body: bytes, now: int, tolerance: int = 300
) -> bool:
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(now - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for entry in headers["webhook-signature"].split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False
