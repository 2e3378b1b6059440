"""A stored PMS secret is only ever sent to the address and account it was entered for.

Two real HTTPS listeners on loopback stand for the vendor's host the secrets were
entered for ("old") and a host a manager would like them sent to ("new"); each records
every request it receives. For each vendor and each field the secrets are bound to —
the API address override, the vendor's URL fields, its account fields — a manager edits
the credential with the secret fields left blank, presses Test connection, then enters
new secrets. The old secrets must appear in nothing any listener received after the
edit, Basic auth, SOAP and form bodies decoded; the new listener must get nothing until
the secrets are typed again (and then the new ones, which shows it was reachable).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import ipaddress
import ssl
import tempfile
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, unquote_plus

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.urls import reverse

from integrations.credentials.crypto import secrets_decrypt
from integrations.credentials.services import binding_field_names, pms_credential_create
from integrations.models import PMSCredential
from integrations.pms.registry import VENDORS
from integrations.simulator.credentials import demo_fields

pytestmark = pytest.mark.django_db

REFUSED = "enter the passwords and keys again"


# --- the listeners ---------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def haystack(self) -> str:
        """Everything the request carried, with the encodings a secret travels in undone."""
        body = self.body.decode("utf-8", errors="replace")
        parts = [self.path, unquote(self.path), body, unquote_plus(body), html.unescape(body)]
        for name, value in self.headers.items():
            parts.append(f"{name}: {value}")
            if name.lower() == "authorization" and value.lower().startswith("basic "):
                parts.append(base64.b64decode(value[6:].strip()).decode(errors="replace"))
        return "\n".join(parts)


@dataclass
class Listener:
    server: ThreadingHTTPServer
    seen: list[Seen] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def carried(self, secret: str) -> bool:
        return any(secret in request.haystack() for request in self.seen)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _start(context: ssl.SSLContext) -> Listener:
    listener: Listener

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            listener.seen.append(Seen(self.command, self.path, dict(self.headers), body))
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = do_PUT = _record

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    listener = Listener(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return listener


@pytest.fixture(scope="module")
def tls_files():
    with tempfile.TemporaryDirectory() as directory:
        yield _self_signed(Path(directory))


@pytest.fixture
def listeners(tls_files, monkeypatch, settings):
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    # The connectors' own transport (with the egress guard) trusts this test's CA only.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    settings.PMS_ENDPOINT_HOSTS = ["127.0.0.1"]
    old, new = _start(context), _start(context)
    try:
        yield old, new
    finally:
        for listener in (old, new):
            listener.server.shutdown()
            listener.server.server_close()


# --- the cases -------------------------------------------------------------------------


def url_fields(vendor: str) -> set[str]:
    return {f.name for f in VENDORS[vendor].fields if f.kind == "url"}


CASES = sorted(
    [(vendor, "endpoint_override") for vendor in VENDORS]
    + [(vendor, name) for vendor in VENDORS for name in binding_field_names(vendor)]
)


def test_every_vendor_binds_its_addresses_and_accounts():
    """The cases below cover what the issue names: Yardi url/database, MRI url, RealPage
    gateway_url, Entrata subdomain, AppFolio database name — and every override."""
    assert {
        ("yardi", "url"),
        ("yardi", "database"),
        ("mri", "url"),
        ("realpage", "gateway_url"),
        ("entrata", "subdomain"),
        ("appfolio", "vhost"),
        ("rentmanager", "company"),
        ("rentmanager", "location_id"),
    } <= set(CASES)
    assert all((vendor, "endpoint_override") in CASES for vendor in VENDORS)


def old_secrets(vendor: str) -> list[str]:
    names = VENDORS[vendor].secret_field_names
    return [v for k, v in demo_fields(vendor).items() if k in names and v]


def new_secrets(vendor: str) -> dict[str, str]:
    names = VENDORS[vendor].secret_field_names
    return {
        k: f"fresh-{k}-{vendor}-0123" for k, v in demo_fields(vendor).items() if k in names and v
    }


def credential_at(org, vendor: str, field_name: str, old: Listener) -> PMSCredential:
    """Saved (by support) reaching the old listener: through the vendor's own URL field
    when that is what the case changes, else through the address override."""
    values = dict(demo_fields(vendor))
    if field_name in url_fields(vendor):
        values[field_name] = f"{old.url}/{vendor}"
        override = ""
    else:
        override = f"{old.url}/{vendor}"
    return pms_credential_create(
        organization=org,
        vendor=vendor,
        label=f"{vendor} live",
        values=values,
        endpoint_override=override,
        by_support=True,
    )


def changed_value(vendor: str, field_name: str, credential: PMSCredential, new: Listener) -> str:
    if field_name == "endpoint_override" or field_name in url_fields(vendor):
        return f"{new.url}/{vendor}"
    if any(f.name == field_name and f.kind == "number" for f in VENDORS[vendor].fields):
        return "7"  # another Rent Manager location
    return "otheraccount7"  # another database / client / PMC / subdomain, same host


@pytest.mark.parametrize(("vendor", "field_name"), CASES)
def test_a_stored_secret_never_reaches_a_new_address_or_account(
    alice_client, org_a, prop_a, listeners, vendor, field_name
):
    old, new = listeners
    credential = credential_at(org_a, vendor, field_name, old)
    stored = PMSCredential.objects.values_list("fields", "endpoint_override", "secrets_encrypted")
    before = stored.get(id=credential.id)
    edit = reverse("integrations-credential-edit", args=[prop_a.id, credential.id])
    form = {
        **credential.fields,
        "label": credential.label,
        "endpoint_override": credential.endpoint_override,
    }
    form[field_name] = changed_value(vendor, field_name, credential, new)
    secrets_blank = dict.fromkeys(VENDORS[vendor].secret_field_names, "")

    # The form says so before anyone tries.
    page = html.unescape(alice_client.get(edit).content.decode())
    note = page.split('data-testid="rebinding-note">', 1)[1].split("</p>", 1)[0]
    label = (
        "API address override"
        if field_name == "endpoint_override"
        else next(f.label for f in VENDORS[vendor].fields if f.name == field_name)
    )
    assert label in note and "enter them all again" in note

    # When the manager saves the new address or account with the secrets left blank,
    refused = alice_client.post(edit, {**form, **secrets_blank})

    # it is refused, saying why, and nothing is stored or sent anywhere.
    assert refused.status_code == 200
    assert REFUSED in html.unescape(refused.content.decode())
    assert stored.get(id=credential.id) == before
    assert old.seen == [] and new.seen == []

    # Test connection still reaches the address the secrets were entered for, only.
    alice_client.post(reverse("integrations-credential-test", args=[prop_a.id, credential.id]))
    assert old.seen, "the credential was live at its own address"
    assert all(old.carried(s) for s in old_secrets(vendor))
    assert new.seen == []
    old.seen.clear()

    # When the secrets are typed again with the change, the save goes through,
    saved = alice_client.post(edit, {**form, **new_secrets(vendor)})
    assert saved.status_code == 302

    # the new secrets went along (so the listeners would have seen the old ones too),
    target = new if field_name in url_fields(vendor) or field_name == "endpoint_override" else old
    assert target.seen, "the save's Test connection reached the new address"
    assert any(target.carried(s) for s in new_secrets(vendor).values())
    # and no listener received an old secret after the change: not on save,
    for secret in old_secrets(vendor):
        assert not old.carried(secret) and not new.carried(secret), secret
    # nor on Test connection,
    alice_client.post(reverse("integrations-credential-test", args=[prop_a.id, credential.id]))
    for secret in old_secrets(vendor):
        assert not old.carried(secret) and not new.carried(secret), secret
    # and no old secret is kept in storage either.
    credential.refresh_from_db()
    kept = set(secrets_decrypt(credential.secrets_encrypted).values())
    assert kept == set(new_secrets(vendor).values())


def test_label_and_login_edits_keep_the_stored_secrets(alice_client, org_a, prop_a, listeners):
    """Nothing bound changes: blank secret fields still mean "keep"."""
    old, _ = listeners
    credential = credential_at(org_a, "yardi", "endpoint_override", old)
    edit = reverse("integrations-credential-edit", args=[prop_a.id, credential.id])
    response = alice_client.post(
        edit,
        {
            **credential.fields,
            "label": "Renamed",
            "username": "another_login",
            "endpoint_override": credential.endpoint_override + "/",  # same address
            "password": "",
            "interface_license": "",
        },
    )
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.label == "Renamed"
    assert secrets_decrypt(credential.secrets_encrypted)["password"] == "yardi-demo-password"


def test_entrata_needs_a_secret_again_though_none_is_required(
    alice_client, org_a, prop_a, listeners
):
    """Entrata's secrets are each optional (an API key, or a username and password): a
    changed subdomain with both left blank is refused all the same."""
    old, new = listeners
    credential = credential_at(org_a, "entrata", "subdomain", old)
    edit = reverse("integrations-credential-edit", args=[prop_a.id, credential.id])
    response = alice_client.post(
        edit,
        {
            **credential.fields,
            "label": credential.label,
            "subdomain": "elsewhere",
            "endpoint_override": credential.endpoint_override,
            "password": "",
            "api_key": "",
        },
    )
    assert response.status_code == 200
    assert REFUSED in html.unescape(response.content.decode())
    credential.refresh_from_db()
    assert credential.fields["subdomain"] == "doorsyncdemo"
    assert old.seen == [] and new.seen == []


# --- admin -----------------------------------------------------------------------------


def admin_post(client, credential: PMSCredential, **changes: str):
    import json

    data = {
        "organization": credential.organization_id,
        "vendor": credential.vendor,
        "label": credential.label,
        "fields": json.dumps(credential.fields),
        "endpoint_override": credential.endpoint_override,
        "new_secrets": "",
        **changes,
    }
    return client.post(
        reverse("admin:integrations_pmscredential_change", args=[credential.id]), data
    )


@pytest.mark.parametrize("field_name", ["url", "endpoint_override"])
def test_admin_enforces_the_same(support_client, org_a, listeners, field_name):
    import json

    old, new = listeners
    credential = credential_at(org_a, "mri", field_name, old)
    if field_name == "url":
        change = {"fields": json.dumps({**credential.fields, "url": f"{new.url}/mri"})}
    else:
        change = {"endpoint_override": f"{new.url}/mri"}

    refused = admin_post(support_client, credential, **change)

    assert refused.status_code == 200
    assert REFUSED in html.unescape(refused.content.decode())
    assert "missing: Partner key, Password" in html.unescape(refused.content.decode())
    credential.refresh_from_db()
    assert "127.0.0.1" in (credential.fields["url"] + credential.endpoint_override)
    assert new.url not in credential.fields["url"] + credential.endpoint_override

    # Given every secret again, the move is saved and only the new secrets go.
    saved = admin_post(
        support_client,
        credential,
        **change,
        new_secrets="partner_key=fresh-partner-key-1\npassword=fresh-password-1",
    )
    assert saved.status_code == 302
    credential.refresh_from_db()
    assert secrets_decrypt(credential.secrets_encrypted) == {
        "partner_key": "fresh-partner-key-1",
        "password": "fresh-password-1",
    }
    support_client.post(
        reverse("admin:integrations_pmscredential_changelist"),
        {"action": "test_connection", "_selected_action": [credential.id]},
    )
    assert new.seen and new.carried("fresh-password-1")
    for secret in old_secrets("mri"):
        assert not new.carried(secret) and not old.carried(secret)


def test_admin_changing_the_vendor_drops_the_secrets_too(support_client, org_a, listeners):
    old, _ = listeners
    credential = credential_at(org_a, "mri", "endpoint_override", old)
    refused = admin_post(support_client, credential, vendor="yardi")
    assert refused.status_code == 200
    assert REFUSED in html.unescape(refused.content.decode())
    assert PMSCredential.objects.get(id=credential.id).vendor == "mri"
