"""The address of the client, not of the proxy in front of doorsync.

X-Forwarded-For is written by whoever sent the request, so only the entries the
deployment's own proxies appended can be believed: with ``TRUSTED_PROXY_COUNT`` proxies in
front, the client is the ``TRUSTED_PROXY_COUNT``-th entry from the right (each proxy
appends the address it received the request from). With 0 (the default: doorsync serves
directly) the header is ignored and ``REMOTE_ADDR`` is the client. Believing the left-most
entry would let anyone choose their address: evade a per-address throttle by changing it
on every try, or lock out someone else's address.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies: int = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0:
        return remote
    entries = [e for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(entries) < proxies:
        # Fewer hops than proxies: the request did not come through all of them; the header
        # (if any) is the client's own word, so the connection's address is all we know.
        return remote
    return _address(entries[-proxies]) or remote
