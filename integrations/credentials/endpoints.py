"""Which API addresses a credential may point at instead of the vendor's own.

The override exists for vendor sandboxes and the doorsync PMS simulator. It makes the
server send requests (with the PMS secrets) wherever it says, so a manager may only
choose a host on ``settings.PMS_ENDPOINT_HOSTS``; support staff may set any address in
admin. Nobody may point it at a link-local, multicast or unspecified address: those are
never a PMS, and 169.254.169.254 is a cloud's metadata service. This is the form's check,
with words for the person typing; what is enforced on every connection, whatever the
address came from, is integrations.pms.egress.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from integrations.pms.egress import allowed_hosts, host_allowed, ip_of


def endpoint_hosts_for_managers() -> list[str]:
    return allowed_hosts()


def _never_a_pms(host: str) -> bool:
    try:
        ip = ip_of(host)
    except ValueError:
        return False  # a name: the connection itself is checked after DNS (egress)
    return ip.is_link_local or ip.is_multicast or ip.is_unspecified


def endpoint_override_clean(url: str, *, by_support: bool = False) -> str:
    """The address, stripped, or "" for the vendor's own; raises ValidationError naming
    the problem and what to do."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "Enter the API address as https://host/…, or leave it blank for the vendor's own."
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError(
            "The port in the API address is not a number from 1 to 65535."
        ) from None
    if parts.username or parts.password:
        raise ValidationError(
            "Put no user name or password in the API address: enter them in the "
            "credential's own fields, where they are stored encrypted."
        )
    host = parts.hostname.lower()
    if _never_a_pms(host):
        raise ValidationError(f"{host} is not a PMS address: doorsync never connects to it.")
    if not by_support:
        allowed = endpoint_hosts_for_managers()
        if not host_allowed(host, port, allowed):
            also = f" or {', '.join(allowed)}" if allowed else ""
            raise ValidationError(
                f"doorsync connects only to the vendor's own address{also}. "
                "To use a vendor sandbox, ask doorsync support to set its address."
            )
    return url
