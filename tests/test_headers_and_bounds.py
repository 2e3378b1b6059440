"""Issue 14, item 12: a Content-Security-Policy, no caching of personal data, and bounds on
what is kept — a credential's secrets and retained unit CSV uploads.

(tests/browser/test_content_security_policy.py loads every page under the policy in
Chromium; here the headers and bounds themselves.)"""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.credentials.crypto import secrets_decrypt
from integrations.credentials.services import pms_credential_create, pms_credential_update
from integrations.models import PMSCredential
from integrations.simulator.credentials import demo_fields
from tests.factories import ResidentFactory
from units.models import UnitImport
from units.services import unit_import_apply, unit_import_preview

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parts = (d.strip().split() for d in header.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


# --- Content-Security-Policy ---------------------------------------------------------------


def test_pages_carry_a_policy_with_no_inline_script_or_style(client, alice_client, prop_a):
    for response in (
        client.get(reverse("login")),
        alice_client.get(reverse("people", args=[prop_a.id])),
    ):
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]


def test_console_templates_hold_no_inline_handler_or_style(alice_client, prop_a, unit_a):
    resident = ResidentFactory(property=prop_a, unit=unit_a)
    for url in (
        reverse("people", args=[prop_a.id]),
        reverse("resident-detail", args=[prop_a.id, resident.id]),
    ):
        page = alice_client.get(url).content.decode()
        for attribute in (" onclick=", " onchange=", " onsubmit=", "hx-on", " style="):
            assert attribute not in page, (url, attribute)
        assert "<style" not in page


def test_only_the_browsable_api_may_use_inline_styles(alice_client, prop_a):
    url = reverse("api-residents", args=[prop_a.id])
    browsable = alice_client.get(url, HTTP_ACCEPT="text/html")
    assert browsable.status_code == 200
    policy = directives(browsable["Content-Security-Policy"])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]
    as_json = alice_client.get(url, HTTP_ACCEPT="application/json")
    assert directives(as_json["Content-Security-Policy"])["style-src"] == ["'self'"]


# --- Cache-Control ---------------------------------------------------------------------------


def test_pages_with_personal_data_are_never_stored(alice_client, support_client, prop_a, unit_a):
    resident = ResidentFactory(property=prop_a, unit=unit_a, email="pat@example.com")
    for client, url in [
        (alice_client, reverse("people", args=[prop_a.id])),
        (alice_client, reverse("resident-detail", args=[prop_a.id, resident.id])),
        (alice_client, reverse("alerts", args=[prop_a.id])),
        (alice_client, reverse("api-residents", args=[prop_a.id])),
        (support_client, reverse("admin:residents_resident_change", args=[resident.id])),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


# --- a secret's length --------------------------------------------------------------------


def test_a_100k_character_secret_is_refused_by_name(alice_client, prop_a, settings):
    settings.PMS_ENDPOINT_HOSTS = ["127.0.0.1"]
    url = reverse("integrations-credential-create", args=[prop_a.id]) + "?vendor=appfolio"
    response = alice_client.post(
        url,
        {
            **demo_fields("appfolio"),
            "label": "AppFolio",
            "vendor": "appfolio",
            "client_secret": "s" * 100_000,
        },
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Client secret is too long: at most 1,000 characters." in page
    assert 'maxlength="1000"' not in page  # the browser must not cut a paste silently
    assert not PMSCredential.objects.exists()


def test_the_service_bounds_secrets_and_fields_too(org_a):
    with pytest.raises(ValidationError) as exc:
        pms_credential_create(
            organization=org_a,
            vendor="mri",
            label="MRI",
            values={**demo_fields("mri"), "password": "p" * 1_001, "database": "d" * 301},
        )
    assert exc.value.message_dict == {
        "password": ["Password is too long: at most 1,000 characters. Check what was pasted."],
        "database": ["Database is too long: at most 300 characters. Check what was pasted."],
    }
    credential = pms_credential_create(
        organization=org_a, vendor="mri", label="MRI", values=demo_fields("mri")
    )
    with pytest.raises(ValidationError, match="Partner key is too long"):
        pms_credential_update(
            credential=credential,
            label="MRI",
            values={**credential.fields, "partner_key": "k" * 1_001, "password": ""},
        )
    exactly = "k" * 1_000
    pms_credential_update(
        credential=credential, label="MRI", values={**credential.fields, "partner_key": exactly}
    )
    credential.refresh_from_db()
    assert secrets_decrypt(credential.secrets_encrypted)["partner_key"] == exactly


def test_admin_refuses_an_overlong_secret(support_client, org_a):
    credential = pms_credential_create(
        organization=org_a, vendor="appfolio", label="AppFolio", values=demo_fields("appfolio")
    )
    import json

    url = reverse("admin:integrations_pmscredential_change", args=[credential.id])
    data = {
        "organization": org_a.id,
        "vendor": "appfolio",
        "label": credential.label,
        "fields": json.dumps(credential.fields),
        "endpoint_override": "",
    }
    response = support_client.post(url, {**data, "new_secrets": "x" * 10_001})
    assert response.status_code == 200
    response = support_client.post(
        url, {**data, "new_secrets": "client_secret=" + "s" * 1_001}, follow=True
    )
    assert "Client secret is too long" in html.unescape(response.content.decode())
    credential.refresh_from_db()
    assert secrets_decrypt(credential.secrets_encrypted)["client_secret"] == "appfolio-demo-secret"


# --- retained CSV uploads -----------------------------------------------------------------


def upload(prop, actor, name="u.csv", rows="101,A,1\n"):
    created, _ = unit_import_preview(
        property=prop, filename=name, raw=f"name,building,floor\n{rows}".encode(), actor=actor
    )
    return created


def test_waiting_previews_are_bounded_per_property(prop_a, prop_a2, alice, settings):
    settings.UNIT_CSV_PREVIEWS_KEPT = 10
    other = upload(prop_a2, alice)
    ids = [upload(prop_a, alice, name=f"{i}.csv").id for i in range(25)]
    waiting = UnitImport.objects.filter(property=prop_a, state=UnitImport.State.PREVIEW)
    assert sorted(waiting.values_list("id", flat=True)) == sorted(ids[-10:])
    assert UnitImport.objects.filter(id=other.id).exists()  # another property's is its own


def test_an_unconfirmed_preview_expires_after_a_day(prop_a, alice, settings):
    settings.UNIT_CSV_PREVIEW_HOURS = 24
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        old = upload(prop_a, alice, name="old.csv")
    with time_machine.travel(start + dt.timedelta(hours=23), tick=False):
        upload(prop_a, alice, name="fresh.csv")
        assert UnitImport.objects.filter(id=old.id).exists()
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        upload(prop_a, alice, name="later.csv")
    assert not UnitImport.objects.filter(id=old.id).exists()
    assert set(UnitImport.objects.values_list("filename", flat=True)) == {"fresh.csv", "later.csv"}


def test_an_imported_files_text_goes_after_30_days_its_record_stays(prop_a, alice, settings):
    settings.UNIT_CSV_CONTENT_DAYS = 30
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        imported = upload(prop_a, alice, name="units.csv", rows="101,A,1\n102,A,1\n")
        unit_import_apply(upload=imported, actor=alice)
    with time_machine.travel(start + dt.timedelta(days=29), tick=False):
        upload(prop_a, alice, name="a.csv", rows="201,A,2\n")
        imported.refresh_from_db()
        assert imported.content
    with time_machine.travel(start + dt.timedelta(days=31), tick=False):
        upload(prop_a, alice, name="b.csv", rows="202,A,2\n")
    imported.refresh_from_db()
    assert imported.content == ""
    assert (imported.filename, imported.row_count, imported.state) == (
        "units.csv",
        2,
        UnitImport.State.APPLIED,
    )
