"""Following a vendor's next-page link without following it somewhere it should not go."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit


def same_origin_next(current_url: str, link: str) -> str | None:
    """The absolute next-page URL, or None if it points at another scheme, host or port.

    The link comes from the response body, and the next request carries the credential:
    a link to another host would hand the vendor's Basic auth to whoever is there.
    """
    resolved = urljoin(current_url, link)
    here, there = urlsplit(current_url), urlsplit(resolved)
    if (here.scheme, here.hostname, here.port) != (there.scheme, there.hostname, there.port):
        return None
    return resolved
