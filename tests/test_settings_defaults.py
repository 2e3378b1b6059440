"""What doorsync's settings do with nothing set: production, no shipped keys, and in
development a PMS allow-list of the simulator's host:port only.

Each case imports doorsync.settings in a fresh interpreter with a controlled environment
(the suite itself runs on tests/settings.py, which sets DEBUG=true)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from django.conf import settings
from integrations.pms.egress import host_allowed
print(json.dumps({
    "debug": settings.DEBUG,
    "hosts": settings.PMS_ENDPOINT_HOSTS,
    "allowed": {p: host_allowed("127.0.0.1", int(p)) for p in ("8765", "5432", "6379", "80")},
    "secure_cookies": getattr(settings, "SESSION_COOKIE_SECURE", False),
}))
"""


def settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "FERNET_KEYS",
            "PMS_ENDPOINT_HOSTS",
            "PMS_SIMULATOR_URL",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "doorsync.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_nothing_set_is_production_and_refuses_to_start_without_keys():
    result = settings_with()
    assert result.returncode != 0
    assert "SECRET_KEY must be set (DEBUG is off, the default)" in result.stderr


def test_a_secret_key_alone_does_not_get_a_derived_fernet_key():
    result = settings_with(SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "FERNET_KEYS must be set" in result.stderr


def test_production_with_its_keys_allows_no_private_pms_host():
    result = settings_with(SECRET_KEY="x" * 60, FERNET_KEYS=Fernet.generate_key().decode())
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["debug"] is False
    assert probe["secure_cookies"] is True
    assert probe["hosts"] == []
    assert not any(probe["allowed"].values())


@pytest.mark.parametrize(
    ("simulator_url", "expected"),
    [
        (None, ["127.0.0.1:8765"]),
        ("http://127.0.0.1:9100", ["127.0.0.1:9100"]),
        ("http://[::1]:9100", ["[::1]:9100"]),
    ],
)
def test_development_allows_the_simulators_port_only(simulator_url, expected):
    env = {"DEBUG": "true"}
    if simulator_url:
        env["PMS_SIMULATOR_URL"] = simulator_url
    result = settings_with(**env)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["hosts"] == expected
    if simulator_url is None:
        # The simulator's port, and not PostgreSQL's, Redis's or any other on loopback.
        assert probe["allowed"] == {"8765": True, "5432": False, "6379": False, "80": False}


def test_the_development_default_keeps_overrides_and_connections_off_other_local_ports(settings):
    """With the development default in force, neither the override form nor a PMS
    connection reaches PostgreSQL's or Redis's port on the simulator's host."""
    import httpx
    from django.core.exceptions import ValidationError

    from integrations.credentials.endpoints import endpoint_override_clean
    from integrations.pms.egress import AddressNotAllowed, guarded_transport

    settings.PMS_ENDPOINT_HOSTS = ["127.0.0.1:8765"]  # what DEBUG=true computes (above)
    assert endpoint_override_clean("http://127.0.0.1:8765/yardi") == "http://127.0.0.1:8765/yardi"
    for port in (5432, 6379):
        with pytest.raises(ValidationError, match="connects only to the vendor"):
            endpoint_override_clean(f"http://127.0.0.1:{port}/")
        with (
            httpx.Client(transport=guarded_transport()) as client,
            pytest.raises(AddressNotAllowed),
        ):
            client.get(f"http://127.0.0.1:{port}/")
