"""Manage Settings → Instant updates: the address to register with Buildium, the signing
secret (write-only, encrypted), the latest pushes; another portfolio's manager gets 404; a
vendor that cannot push is told so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.inbound.models import InboundEvent, InboundHook
from tests.integrations.sync.conftest import credential_create, integration_create

from .conftest import SECRET

pytestmark = pytest.mark.django_db


def _tab(prop) -> str:
    return reverse("integrations-manage", args=[prop.id, "instant-updates"])


def test_the_tab_shows_the_address_and_takes_the_secret(alice_client, prop_a, buildium):
    page = alice_client.get(_tab(prop_a)).content.decode()
    hook = InboundHook.objects.get(integration=buildium)
    assert f"http://testserver/hooks/pms/{hook.token}/" in page
    assert "No signing secret yet" in page

    answer = alice_client.post(_tab(prop_a), {"secret": SECRET}, follow=True)
    page = answer.content.decode()
    assert "Signing secret saved" in page and "A signing secret is set" in page
    assert SECRET not in page  # never shown back
    hook.refresh_from_db()
    assert hook.secret_encrypted and SECRET not in hook.secret_encrypted


def test_a_short_secret_is_refused_and_changes_nothing(alice_client, prop_a, hook):
    before = hook.secret_encrypted
    page = alice_client.post(_tab(prop_a), {"secret": "abc"}, follow=True).content.decode()
    assert "Paste the whole signing secret" in page
    hook.refresh_from_db()
    assert hook.secret_encrypted == before


def test_the_latest_pushes_are_listed(alice_client, prop_a, hook):
    from django.utils import timezone

    InboundEvent.objects.create(
        integration=hook.integration, received_at=timezone.now(), verdict="rejected",
        reason="bad signature (check the signing secret under Instant updates)", triggered="nothing",
    )  # fmt: skip
    page = alice_client.get(_tab(prop_a)).content.decode()
    assert 'data-testid="push-log"' in page and "Rejected: bad signature" in page


def test_another_portfolio_gets_404(bob_client, prop_a, buildium):
    assert bob_client.get(_tab(prop_a)).status_code == 404
    assert bob_client.post(_tab(prop_a), {"secret": SECRET}).status_code == 404
    assert not InboundHook.objects.filter(secret_encrypted__gt="").exists()


def test_a_vendor_that_cannot_push_is_told_so(alice_client, org_a, prop_a, pms_simulator):
    integration_create(prop_a, credential_create(org_a, pms_simulator, "yardi"), ["1001"])
    page = alice_client.get(_tab(prop_a)).content.decode()
    assert "cannot push changes" in page and not InboundHook.objects.exists()


def test_rotation_re_encrypts_signing_secrets_too(hook, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from integrations.credentials.crypto import secrets_decrypt

    from .conftest import SECRET

    old = hook.secret_encrypted
    new_key = Fernet.generate_key().decode()
    settings.FERNET_KEYS = [new_key, settings.FERNET_KEYS[0]]
    call_command("rotate_pms_secrets")
    hook.refresh_from_db()
    assert hook.secret_encrypted != old
    settings.FERNET_KEYS = [new_key]
    assert secrets_decrypt(hook.secret_encrypted) == {"secret": SECRET}
