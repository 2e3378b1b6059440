"""PMS credentials: encrypted at rest, write-only, tested against the simulator, rotatable."""

from __future__ import annotations

import html
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from integrations.credentials.crypto import SecretsUnreadable, secrets_decrypt
from integrations.credentials.services import (
    pms_credential_create,
    pms_credential_test,
    pms_credential_update,
)
from integrations.models import PMSCredential, PMSIntegration
from integrations.pms.registry import VENDORS
from integrations.simulator.credentials import demo_fields

pytestmark = pytest.mark.django_db

ALL_VENDORS = sorted(VENDORS)


def secrets_of(vendor: str) -> list[str]:
    names = VENDORS[vendor].secret_field_names
    return [v for k, v in demo_fields(vendor).items() if k in names and v]


def make(org, vendor, sim, label=None, **overrides):
    return pms_credential_create(
        organization=org,
        vendor=vendor,
        label=label or f"{vendor} demo",
        values={**demo_fields(vendor), **overrides},
        endpoint_override=sim.vendor_url(vendor),
    )


@pytest.mark.parametrize("vendor", ALL_VENDORS)
def test_secrets_are_encrypted_at_rest(org_a, pms_simulator, vendor):
    credential = make(org_a, vendor, pms_simulator)
    row = PMSCredential.objects.values("fields", "secrets_encrypted").get(id=credential.id)
    for secret in secrets_of(vendor):
        assert secret not in str(row["fields"])
        assert secret not in row["secrets_encrypted"]
    assert set(secrets_decrypt(row["secrets_encrypted"]).values()) == set(secrets_of(vendor))


@pytest.mark.parametrize("vendor", ALL_VENDORS)
def test_each_vendor_connects_to_the_simulator(org_a, pms_simulator, vendor):
    credential = make(org_a, vendor, pms_simulator)
    result = pms_credential_test(credential=credential)
    assert result.ok, result.message
    assert "PMS propert" in result.message
    credential.refresh_from_db()
    assert credential.last_test_ok is True


@pytest.mark.parametrize("vendor", ALL_VENDORS)
def test_expired_credential_fails_the_test_with_the_vendor_named(
    org_a, pms_simulator, vendor, caplog
):
    credential = make(org_a, vendor, pms_simulator)
    pms_simulator.state.faults.set(vendor, {"expired_credential": True})
    try:
        with caplog.at_level(logging.DEBUG):
            result = pms_credential_test(credential=credential)
    finally:
        pms_simulator.state.faults.reset()
    assert not result.ok
    assert VENDORS[vendor].display_name.split()[0] in result.message
    credential.refresh_from_db()
    assert credential.last_test_ok is False
    # The secret appears neither in the message nor in anything logged.
    for secret in secrets_of(vendor):
        assert secret not in result.message
        assert secret not in caplog.text


def test_missing_required_field_is_refused_and_nothing_saved(org_a, pms_simulator):
    with pytest.raises(ValidationError, match="missing: Client secret"):
        make(org_a, "appfolio", pms_simulator, client_secret="")
    assert not PMSCredential.objects.exists()


def test_entrata_needs_an_api_key_or_username_and_password(org_a, pms_simulator):
    with pytest.raises(ValidationError, match="either an API key"):
        make(org_a, "entrata", pms_simulator, password="", api_key="")


def test_duplicate_label_is_refused(org_a, pms_simulator):
    make(org_a, "mri", pms_simulator, label="Main PMS")
    with pytest.raises(ValidationError, match="already exists"):
        make(org_a, "yardi", pms_simulator, label="main pms")


def test_update_with_blank_secret_keeps_the_stored_one(org_a, pms_simulator):
    credential = make(org_a, "appfolio", pms_simulator)
    pms_credential_update(
        credential=credential,
        label="Renamed",
        values={**demo_fields("appfolio"), "client_secret": ""},
        endpoint_override=pms_simulator.vendor_url("appfolio"),
    )
    credential.refresh_from_db()
    assert credential.label == "Renamed"
    assert secrets_decrypt(credential.secrets_encrypted)["client_secret"] == "appfolio-demo-secret"


def test_rotation_re_encrypts_under_the_new_key(org_a, pms_simulator, settings):
    credential = make(org_a, "mri", pms_simulator)
    old_token = PMSCredential.objects.get(id=credential.id).secrets_encrypted
    old_key = settings.FERNET_KEYS[0]
    new_key = Fernet.generate_key().decode()

    # Given a new key put first, the old one kept after it
    settings.FERNET_KEYS = [new_key, old_key]
    call_command("rotate_pms_secrets")

    # Then the stored token changed and opens with the new key alone
    token = PMSCredential.objects.get(id=credential.id).secrets_encrypted
    assert token != old_token
    settings.FERNET_KEYS = [new_key]
    assert secrets_decrypt(token)["password"] == "mri-demo-password"
    # And a token nobody's key opens says what to do
    settings.FERNET_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SecretsUnreadable, match="Restore the previous key"):
        secrets_decrypt(token)


def test_console_create_form_never_echoes_secrets(alice_client, prop_a, pms_simulator):
    url = reverse("integrations-credential-create", args=[prop_a.id]) + "?vendor=yardi"
    assert "Interface license" in alice_client.get(url).content.decode()
    values = {**demo_fields("yardi"), "label": "", "vendor": "yardi"}
    response = alice_client.post(url, values)  # label missing: the form comes back
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html
    for secret in secrets_of("yardi"):
        assert secret not in html
    assert not PMSCredential.objects.exists()


def test_console_saves_and_tests_the_connection(alice_client, prop_a, pms_simulator):
    url = reverse("integrations-credential-create", args=[prop_a.id]) + "?vendor=entrata"
    values = {
        **demo_fields("entrata"),
        "label": "Entrata demo",
        "vendor": "entrata",
        "endpoint_override": pms_simulator.vendor_url("entrata"),
    }
    response = alice_client.post(url, values, follow=True)
    html = response.content.decode()
    assert "Saved. Test connection: Connected to Entrata" in html
    credential = PMSCredential.objects.get()
    assert credential.organization == prop_a.organization
    edit_html = alice_client.get(
        reverse("integrations-credential-edit", args=[prop_a.id, credential.id])
    ).content.decode()
    assert "Saved — leave blank to keep it." in edit_html
    for secret in secrets_of("entrata"):
        assert secret not in html
        assert secret not in edit_html


def test_console_test_button_reports_a_rejected_credential(
    alice_client, prop_a, org_a, pms_simulator
):
    credential = make(org_a, "realpage", pms_simulator, license_key="wrong-license")
    response = alice_client.post(
        reverse("integrations-credential-test", args=[prop_a.id, credential.id]), follow=True
    )
    html = response.content.decode()
    assert "Test connection failed" in html
    assert "RealPage" in html
    assert "wrong-license" not in html


def test_another_organizations_credential_is_404(bob_client, prop_b, org_a, pms_simulator):
    credential = make(org_a, "mri", pms_simulator)
    for name in ["integrations-credential-edit", "integrations-credential-test"]:
        url = reverse(name, args=[prop_b.id, credential.id])
        assert bob_client.get(url).status_code == 404
        assert bob_client.post(url).status_code == 404


def test_admin_shows_no_secret(org_a, pms_simulator, django_user_model):
    credential = make(org_a, "yardi", pms_simulator)
    support = django_user_model.objects.create_superuser("support", password="pw-support-123")
    client = Client()
    client.force_login(support)
    pages = [
        reverse("admin:integrations_pmscredential_changelist"),
        reverse("admin:integrations_pmscredential_change", args=[credential.id]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "stored, encrypted" in html or url.endswith("/pmscredential/")
        for secret in secrets_of("yardi"):
            assert secret not in html


def test_admin_replaces_a_secret_write_only(org_a, pms_simulator, django_user_model):
    credential = make(org_a, "appfolio", pms_simulator)
    support = django_user_model.objects.create_superuser("support", password="pw-support-123")
    client = Client()
    client.force_login(support)
    url = reverse("admin:integrations_pmscredential_change", args=[credential.id])
    response = client.post(
        url,
        {
            "organization": org_a.id,
            "vendor": "appfolio",
            "label": credential.label,
            "fields": '{"vhost": "doorsyncdemo", "client_id": "doorsync-demo-client"}',
            "endpoint_override": credential.endpoint_override,
            "new_secrets": "client_secret=rotated-secret",
        },
    )
    assert response.status_code == 302
    credential.refresh_from_db()
    assert secrets_decrypt(credential.secrets_encrypted)["client_secret"] == "rotated-secret"


# --- API address override: managers may not make the server call any address --------------


def create_url(prop, vendor="entrata"):
    return reverse("integrations-credential-create", args=[prop.id]) + f"?vendor={vendor}"


def post_with_endpoint(client, prop, endpoint):
    values = {**demo_fields("entrata"), "label": "Entrata", "vendor": "entrata"}
    return client.post(create_url(prop), {**values, "endpoint_override": endpoint})


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is not a PMS address"),
        ("http://10.0.0.5:8080/", "doorsync connects only to the vendor&#x27;s own address"),
        ("https://internal.example.com/", "ask doorsync support to set its address"),
        ("https://user:pw@127.0.0.1/", "Put no user name or password in the API address"),
        ("ftp://127.0.0.1/", "Enter the API address as https://host/…"),
    ],
)
def test_console_refuses_an_address_off_the_allow_list_and_saves_nothing(
    alice_client, prop_a, settings, endpoint, message
):
    settings.PMS_ENDPOINT_HOSTS = ["127.0.0.1"]

    response = post_with_endpoint(alice_client, prop_a, endpoint)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PMSCredential.objects.exists()


def test_console_accepts_an_allowed_host_on_any_port(alice_client, prop_a, settings):
    settings.PMS_ENDPOINT_HOSTS = ["127.0.0.1"]

    response = post_with_endpoint(alice_client, prop_a, "http://127.0.0.1:9/entrata")

    assert response.status_code == 302
    assert PMSCredential.objects.get().endpoint_override == "http://127.0.0.1:9/entrata"


def test_without_allowed_hosts_the_console_hides_the_field_and_keeps_supports_address(
    alice_client, prop_a, org_a, pms_simulator, settings
):
    credential = make(org_a, "entrata", pms_simulator)
    settings.PMS_ENDPOINT_HOSTS = []

    assert "API address override" not in alice_client.get(create_url(prop_a)).content.decode()
    edit = reverse("integrations-credential-edit", args=[prop_a.id, credential.id])
    html = alice_client.get(edit).content.decode()
    assert "API address override" not in html
    # A forged field is ignored, and saving the rest keeps the address support set.
    response = alice_client.post(
        edit,
        {**credential.fields, "label": "Renamed", "endpoint_override": "http://169.254.169.254/"},
    )
    assert response.status_code == 302
    credential.refresh_from_db()
    assert (credential.label, credential.endpoint_override) == (
        "Renamed",
        pms_simulator.vendor_url("entrata"),
    )


def test_a_manager_editing_the_rest_keeps_an_address_only_support_may_set(
    alice_client, prop_a, org_a, settings
):
    credential = pms_credential_create(
        organization=org_a,
        vendor="entrata",
        label="Entrata sandbox",
        values=demo_fields("entrata"),
        endpoint_override="https://sandbox.entrata.example/",
        by_support=True,
    )
    settings.PMS_ENDPOINT_HOSTS = ["127.0.0.1"]
    edit = reverse("integrations-credential-edit", args=[prop_a.id, credential.id])

    response = alice_client.post(
        edit,
        {
            **credential.fields,
            "label": "Sandbox",
            "endpoint_override": "https://sandbox.entrata.example/",
        },
    )

    assert response.status_code == 302
    credential.refresh_from_db()
    assert (credential.label, credential.endpoint_override) == (
        "Sandbox",
        "https://sandbox.entrata.example/",
    )
    # …but may not move it to another host off the list.
    response = alice_client.post(
        edit,
        {
            **credential.fields,
            "label": "Sandbox",
            "endpoint_override": "https://elsewhere.example/",
        },
    )
    assert response.status_code == 200
    credential.refresh_from_db()
    assert credential.endpoint_override == "https://sandbox.entrata.example/"


def test_the_service_refuses_a_metadata_address_even_for_support(org_a):
    with pytest.raises(ValidationError) as exc:
        pms_credential_create(
            organization=org_a,
            vendor="yardi",
            label="Yardi",
            values=demo_fields("yardi"),
            endpoint_override="http://[fe80::1]/",
            by_support=True,
        )
    assert exc.value.message_dict == {
        "endpoint_override": ["fe80::1 is not a PMS address: doorsync never connects to it."]
    }
    assert not PMSCredential.objects.exists()


def test_admin_sets_a_sandbox_address_but_not_a_metadata_address(org_a, support_client):
    url = reverse("admin:integrations_pmscredential_add")
    data = {
        "organization": org_a.id,
        "vendor": "yardi",
        "label": "Yardi sandbox",
        "fields": "{}",
        "new_secrets": "",
    }

    refused = support_client.post(url, {**data, "endpoint_override": "http://169.254.169.254/"})
    assert refused.status_code == 200
    assert "169.254.169.254 is not a PMS address" in refused.content.decode()
    assert not PMSCredential.objects.exists()

    saved = support_client.post(url, {**data, "endpoint_override": "https://sandbox.example/"})
    assert saved.status_code == 302
    assert PMSCredential.objects.get().endpoint_override == "https://sandbox.example/"


# --- deleting a credential ---------------------------------------------------------------


def test_an_unused_credential_can_be_deleted_from_integrations(
    alice_client, prop_a, org_a, pms_simulator
):
    unused = make(org_a, "entrata", pms_simulator, label="Mistyped")
    page = alice_client.get(reverse("integrations", args=[prop_a.id])).content.decode()
    delete = reverse("integrations-credential-delete", args=[prop_a.id, unused.id])
    assert f'action="{delete}"' in page

    response = alice_client.post(delete, follow=True)

    assert "Credential “Mistyped” deleted." in response.content.decode()
    assert not PMSCredential.objects.filter(id=unused.id).exists()
    assert alice_client.post(delete).status_code == 404


def test_a_credential_a_property_uses_cannot_be_deleted_and_says_where(
    alice_client, prop_a, org_a, pms_simulator
):
    used = make(org_a, "yardi", pms_simulator, label="Yardi live")
    PMSIntegration.objects.create(property=prop_a, credential=used)
    page = alice_client.get(reverse("integrations", args=[prop_a.id])).content.decode()
    delete = reverse("integrations-credential-delete", args=[prop_a.id, used.id])
    assert f'action="{delete}"' not in page  # no Delete offered

    response = alice_client.post(delete, follow=True)  # forged

    assert (
        f"“Yardi live” is used by {prop_a.name}. Choose another credential there first "
        "(Manage Settings → Credentials), then delete this one."
    ) in html.unescape(response.content.decode())
    assert PMSCredential.objects.filter(id=used.id).exists()
