"""Where the server may send PMS requests.

Managers type PMS addresses (Yardi's Voyager URL, MRI's API URL, RealPage's gateway, an
Entrata subdomain), and the server then calls them with the PMS secrets. A typed address
must never reach the private network doorsync runs in: a cloud metadata service
(169.254.169.254), a database, an admin port. So every connection is checked where it is
made — after DNS, on the address actually connected to — and refused unless that address
is public, or its host is one the operator allowed (``settings.PMS_ENDPOINT_HOSTS``: the
simulator in development, a sandbox inside a VPN). Checking the connected address rather
than the typed text also covers decimal or hex IPs, trailing dots and names that resolve
(or re-resolve) to a private address.

PMS requests therefore do not go through HTTP(S)_PROXY from the environment (httpx uses
the transport built here): a deployment whose egress must pass a proxy needs one at the
network level.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings


class AddressNotAllowed(Exception):
    """A connection to a private, loopback, link-local or reserved address was refused.

    Not an httpcore error on purpose: httpx passes it through unchanged, and it is not
    retried (the same address would be refused again)."""

    def __init__(self, host: str, address: str = "") -> None:
        self.host = host
        self.address = address
        shown = f"{host} ({address})" if address and address != host else host
        super().__init__(f"{shown} is a private or reserved network address")


def allowed_hosts() -> list[str]:
    """``host`` or ``host:port`` entries, lower-cased, stripped."""
    return [h.strip().lower().rstrip(".") for h in settings.PMS_ENDPOINT_HOSTS if h.strip()]


def _entry(entry: str) -> tuple[str, int | None] | None:
    """("host", port or None) of an allow-list entry: "host", "host:8443", "10.0.0.7",
    "fd00::1" or "[fd00::1]:8443"; None when it cannot be read."""
    if entry.count(":") > 1 and not entry.startswith("["):
        return entry, None  # a bare IPv6 address
    try:
        parts = urlsplit(f"//{entry}")
        return (parts.hostname or "").rstrip("."), parts.port
    except ValueError:
        return None


def host_allowed(host: str, port: int | None, entries: Iterable[str] | None = None) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    for entry in allowed_hosts() if entries is None else entries:
        parsed = _entry(entry)
        if parsed is not None and parsed[0] == host and parsed[1] in (None, port):
            return True
    return False


def ip_of(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The IP address written in ``text`` ("[v6]", a zone id, ::ffff:a.b.c.d read as the
    IPv4 address it carries); ValueError when it is a name."""
    ip = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def public(address: str) -> bool:
    ip = ip_of(address)
    return ip.is_global and not ip.is_multicast


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to for ``host``, in the resolver's order, when every one
    of them is public. Raises AddressNotAllowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        # Never hand the name on to be resolved again: fail as an unreachable host does.
        raise httpcore.ConnectError(f"{host}: {exc.strerror or exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for address in addresses:
        if not public(address):
            raise AddressNotAllowed(host, address)
    return addresses


def checked_address(host: str, port: int) -> str:
    return checked_addresses(host, port)[0]


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, connecting only where ``checked_address`` allows.

    It connects to the checked IP itself (TLS still verifies the host name: httpcore
    passes the request's host as server_hostname), so a name cannot resolve to a public
    address for the check and a private one for the connection."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if host_allowed(host, port):
            return self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        # Each checked address in turn, as a plain connection tries every A/AAAA record:
        # a vendor with one dead address or a broken IPv6 route still answers.
        error: Exception | None = None
        for address in checked_addresses(host, port):
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None  # checked_addresses returns at least one address
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise AddressNotAllowed(path)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def guarded_transport() -> httpx.HTTPTransport:
    """httpx's own transport with the guarded backend under its connection pool.

    httpx offers no parameter for the backend, so it is set on the pool httpx built; a
    test fails if an httpx upgrade moves it."""
    transport = httpx.HTTPTransport()
    pool = transport._pool  # private: see the docstring
    if not isinstance(pool, httpcore.ConnectionPool):  # pragma: no cover - no proxy is set
        raise RuntimeError("doorsync expects httpx to build an httpcore.ConnectionPool")
    pool._network_backend = GuardedBackend(pool._network_backend)
    return transport
