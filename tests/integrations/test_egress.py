"""PMS requests never reach the private network, whatever address was typed.

The check runs on the address actually connected to (integrations/pms/egress.py), so it
holds for every vendor URL field, the API address override, decimal IPs and names that
resolve to a private address. Only hosts on PMS_ENDPOINT_HOSTS (the simulator here) may
be private.
"""

from __future__ import annotations

import socket

import httpcore
import pytest
from django.urls import reverse

from integrations.credentials.services import pms_credential_create, pms_credential_test
from integrations.models import PMSCredential
from integrations.pms import egress
from integrations.pms.egress import AddressNotAllowed, GuardedBackend, checked_address
from integrations.pms.errors import AddressRefused, CredentialFieldsInvalid
from integrations.pms.http import HttpOptions, HttpTransport
from integrations.pms.registry import clean_fields, get_connector
from integrations.simulator.credentials import demo_fields


def resolving_to(monkeypatch, *addresses: str) -> None:
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    monkeypatch.setattr(egress.socket, "getaddrinfo", fake)


# --- the address check -------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",  # cloud metadata
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "0.0.0.0",  # noqa: S104 - an address refused, not bound
        "100.64.0.1",  # carrier-grade NAT
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:169.254.169.254",
        "224.0.0.1",
    ],
)
def test_private_and_reserved_addresses_are_refused(monkeypatch, address):
    resolving_to(monkeypatch, address)
    with pytest.raises(AddressNotAllowed, match="private or reserved"):
        checked_address("pms.example.com", 443)


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    resolving_to(monkeypatch, "93.184.215.14", "10.0.0.1")
    with pytest.raises(AddressNotAllowed):
        checked_address("pms.example.com", 443)


def test_a_public_address_is_connected_to_as_checked(monkeypatch):
    resolving_to(monkeypatch, "93.184.215.14")
    assert checked_address("pms.example.com", 443) == "93.184.215.14"


def test_decimal_and_hex_ip_forms_are_checked_after_resolution():
    # The resolver turns these into 169.254.169.254 — no network needed.
    for host in ("2852039166", "0xa9fea9fe", "169.254.43518"):
        with pytest.raises(AddressNotAllowed):
            checked_address(host, 80)


def test_a_name_that_does_not_resolve_is_not_handed_on_to_resolve_again(monkeypatch):
    def fails(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(egress.socket, "getaddrinfo", fails)
    inner = _Recorder()
    with pytest.raises(httpcore.ConnectError, match="Name or service not known"):
        GuardedBackend(inner).connect_tcp("169.254.169.254.", 80)
    assert inner.connected == []


class _Recorder(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append((host, port))
        raise httpcore.ConnectError("recorded")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise AssertionError("never")


def test_the_backend_connects_to_the_checked_address_not_the_name_again(monkeypatch, settings):
    settings.PMS_ENDPOINT_HOSTS = []
    resolving_to(monkeypatch, "93.184.215.14")
    inner = _Recorder()
    with pytest.raises(httpcore.ConnectError):
        GuardedBackend(inner).connect_tcp("pms.example.com", 443)
    # A name re-resolving to a private address later cannot slip in: the IP is pinned.
    assert inner.connected == [("93.184.215.14", 443)]


def test_allowed_hosts_may_be_private_by_host_or_host_and_port(monkeypatch, settings):
    settings.PMS_ENDPOINT_HOSTS = [" Sandbox.Internal ", "10.0.0.7:8443"]
    resolving_to(monkeypatch, "10.0.0.7")
    inner = _Recorder()
    backend = GuardedBackend(inner)
    for host, port in [("sandbox.internal", 443), ("10.0.0.7", 8443)]:
        with pytest.raises(httpcore.ConnectError):
            backend.connect_tcp(host, port)
    with pytest.raises(AddressNotAllowed):
        backend.connect_tcp("10.0.0.7", 22)
    assert inner.connected == [("sandbox.internal", 443), ("10.0.0.7", 8443)]


def test_real_transports_carry_the_guard():
    # httpx offers no parameter for the backend: if an upgrade moves its pool, this fails.
    transport = HttpTransport(vendor="Yardi")
    try:
        pool = transport._client._transport._pool
        assert isinstance(pool._network_backend, GuardedBackend)
    finally:
        transport.close()


# --- through the connectors -------------------------------------------------------------


def test_a_simulator_off_the_allow_list_is_refused_once_and_named(pms_simulator, settings):
    settings.PMS_ENDPOINT_HOSTS = []
    slept: list[float] = []
    connector = pms_simulator.connector("yardi", options=HttpOptions(sleep=slept.append))

    with pytest.raises(AddressRefused) as caught, connector:
        connector.list_properties()

    assert "doorsync does not connect to Yardi at this address" in str(caught.value)
    assert "127.0.0.1 is a private or reserved network address" in str(caught.value)
    assert "Integrations → PMS credentials" in str(caught.value)
    assert slept == []  # refused, not retried
    assert not caught.value.transient


def test_every_vendor_url_field_goes_through_the_guard(settings):
    # Yardi's Voyager URL, MRI's API URL, RealPage's gateway: typed by a manager.
    settings.PMS_ENDPOINT_HOSTS = []
    for vendor, field in [("yardi", "url"), ("mri", "url"), ("realpage", "gateway_url")]:
        fields = {**demo_fields(vendor), field: "https://169.254.169.254/latest/meta-data"}
        connector = get_connector(vendor, fields, options=HttpOptions(max_attempts=1))
        with pytest.raises(AddressRefused), connector:
            connector.list_properties()


@pytest.mark.parametrize(
    ("vendor", "field", "value", "message"),
    [
        ("entrata", "subdomain", "169.254.169.254/?", "Subdomain is the one word before"),
        ("entrata", "subdomain", "evil.example.com#", "Subdomain is the one word before"),
        ("appfolio", "vhost", "a.b", "Database name is the one word before"),
        ("rentmanager", "company", "evil.example.com/", "Company code is the one word before"),
        ("rentmanager", "location_id", "1; DROP", "Location ID must be a whole number"),
        ("yardi", "url", "http://www.yardiasp14.com/1", "Voyager URL must be an https:// address"),
        ("mri", "url", "https://user:pw@mri.example.com/", "API URL must be an https:// address"),
        ("realpage", "gateway_url", "https://gw:99999/", "Gateway URL must be an https://"),
    ],
)
def test_address_fields_must_be_well_formed(vendor, field, value, message):
    with pytest.raises(CredentialFieldsInvalid, match=message):
        clean_fields(vendor, {**demo_fields(vendor), field: value})


@pytest.mark.django_db
def test_test_connection_says_why_an_address_is_refused(org_a, settings):
    settings.PMS_ENDPOINT_HOSTS = []
    credential = pms_credential_create(
        organization=org_a,
        vendor="mri",
        label="MRI",
        values={**demo_fields("mri"), "url": "https://2852039166/mriapiservices/api.asp"},
    )

    result = pms_credential_test(credential=credential)

    assert not result.ok
    assert result.message.startswith("doorsync does not connect to MRI at this address")


@pytest.mark.django_db
def test_the_console_refuses_a_subdomain_that_is_not_one_word(alice_client, prop_a):
    url = reverse("integrations-credential-create", args=[prop_a.id]) + "?vendor=entrata"
    values = {**demo_fields("entrata"), "label": "Entrata", "vendor": "entrata"}

    response = alice_client.post(url, {**values, "subdomain": "169.254.169.254/?"})

    assert response.status_code == 200
    assert "Subdomain is the one word before the vendor" in response.content.decode()
    assert not PMSCredential.objects.exists()


def test_a_secret_too_short_to_be_real_is_refused_by_name_not_value():
    with pytest.raises(CredentialFieldsInvalid) as caught:
        clean_fields("entrata", {**demo_fields("entrata"), "api_key": "k", "password": ""})
    assert str(caught.value) == "API key is too short to be the real one: check it in your PMS"


class _FirstDead(_Recorder):
    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append((host, port))
        if len(self.connected) == 1:
            raise httpcore.ConnectError("no route")
        return "stream"


def test_each_checked_address_is_tried_in_turn(monkeypatch, settings):
    # A vendor with a dead first address (or a broken IPv6 route) still answers
    settings.PMS_ENDPOINT_HOSTS = []
    resolving_to(monkeypatch, "93.184.215.14", "93.184.215.15")
    inner = _FirstDead()
    assert GuardedBackend(inner).connect_tcp("pms.example.com", 443) == "stream"
    assert inner.connected == [("93.184.215.14", 443), ("93.184.215.15", 443)]


def test_ipv6_allow_list_entries_with_and_without_a_port(settings):
    settings.PMS_ENDPOINT_HOSTS = ["[fd00::1]:8443", "fd00::2", "bad:entry:99999:x]"]
    assert egress.host_allowed("fd00::1", 8443)
    assert not egress.host_allowed("fd00::1", 443)
    assert egress.host_allowed("[fd00::2]", 443)
