"""A credential's secrets never reach the text of an error or a log line, for any vendor."""

from __future__ import annotations

import json
import logging
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

import httpx
import pytest

from integrations.pms import HttpOptions, PMSError, get_connector, secret_values
from integrations.simulator import demo_fields

# Characters that change form in XML, JSON and URLs, so every encoding path is exercised.
SECRET = 'S3cr&t<"pa ss">%/'
VENDORS = ("yardi", "realpage", "entrata", "mri", "appfolio", "buildium", "rentmanager")


def with_secrets(vendor: str) -> dict[str, str]:
    fields = demo_fields(vendor)
    if vendor == "entrata":
        fields["api_key"] = ""  # Basic auth: the password is the secret
    for name in ("password", "interface_license", "license_key", "partner_key", "client_secret",
                 "partner_token"):  # fmt: skip
        if name in fields:
            fields[name] = SECRET + name
    return fields


def forms(secret: str) -> set[str]:
    """The secret as it can appear on the wire: raw, XML-, JSON- and URL-encoded."""
    return {
        secret,
        escape(secret),
        escape(secret, {'"': "&quot;"}),
        json.dumps(secret)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
    }


def all_text(error: BaseException) -> str:
    parts = []
    current: BaseException | None = error
    while current is not None:
        parts += [str(current), repr(current), getattr(current, "detail", "")]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


@pytest.mark.parametrize("vendor", VENDORS)
def test_rejected_credential_against_simulator(vendor, sim, options, caplog):
    caplog.set_level(logging.DEBUG)
    fields = with_secrets(vendor)
    sim.state.faults.set(vendor, {"status_5xx": 2})  # some retries, so something is logged
    connector = get_connector(vendor, fields, options=options, base_url=sim.vendor_url(vendor))
    with pytest.raises(PMSError) as caught:
        connector.check_credential()
    assert "retrying" in caplog.text
    secrets = secret_values(vendor, fields)
    assert secrets
    for secret in secrets:
        for form in forms(secret):
            assert form not in all_text(caught.value)
            assert form not in caplog.text


@pytest.mark.parametrize("vendor", VENDORS)
def test_echoed_request_is_scrubbed(vendor, sleeps, caplog):
    # Given a network layer whose error message echoes the request it choked on
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = f"{request.url} {request.headers} {request.content.decode()}"
        raise httpx.ConnectError(f"proxy refused: {echoed}")

    caplog.set_level(logging.DEBUG)
    fields = with_secrets(vendor)
    options = HttpOptions(sleep=sleeps, jitter=lambda: 0.0, transport=httpx.MockTransport(handler))
    with pytest.raises(PMSError) as caught:
        get_connector(vendor, fields, options=options).list_properties()
    for secret in secret_values(vendor, fields):
        for form in forms(secret):
            assert form not in all_text(caught.value)
            assert form not in caplog.text
    if vendor in ("yardi", "realpage"):
        # SOAP carries the secret in the body, so there was something to mask.
        assert "•••" in caught.value.detail
