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
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

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


def host_allowed(host: str, port: int | None, entries: Iterable[str] | None = None) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    entries = list(allowed_hosts() if entries is None else entries)
    return host in entries or (port is not None and f"{host}:{port}" in entries)


def public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def checked_address(host: str, port: int) -> str:
    """The address to connect to for ``host``: the first it resolves to, when every
    address it resolves to is public. Raises AddressNotAllowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        # Never hand the name on to be resolved again: fail as an unreachable host does.
        raise httpcore.ConnectError(f"{host}: {exc.strerror or exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        if not public(address):
            raise AddressNotAllowed(host, address)
    return addresses[0]


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
        target = host if host_allowed(host, port) else checked_address(host, port)
        return self._inner.connect_tcp(target, port, timeout, local_address, socket_options)

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
