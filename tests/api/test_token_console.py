"""Manage Settings → API: portfolio managers create tokens (the secret shown once) and
revoke them; a property-scoped manager is told who does; other organizations see 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from tests.factories.api import api_token

pytestmark = pytest.mark.django_db


def _page(prop) -> str:
    return reverse("api-tokens", args=[prop.id])


def test_alice_creates_a_token_and_sees_its_secret_once(alice_client, prop_a, prop_a2):
    response = alice_client.post(
        _page(prop_a),
        {"name": "Acme locks", "scopes": ["read", "write"], "properties": [prop_a2.id]},
    )

    assert response.status_code == 200
    token = ApiToken.objects.get()
    secret = response.context["created"].secret
    page = response.content.decode()
    assert secret in page and 'data-testid="api-token-copy"' in page
    assert (token.scopes, list(token.properties.all())) == (["read", "write"], [prop_a2])
    assert "no-store" in response["Cache-Control"]
    # Never again
    assert secret not in alice_client.get(_page(prop_a)).content.decode()
    assert f"ds_{token.prefix}_…" in alice_client.get(_page(prop_a)).content.decode()


def test_bad_input_is_shown_on_the_form_and_creates_nothing(alice_client, prop_a):
    response = alice_client.post(_page(prop_a), {"name": "", "scopes": []})

    assert response.status_code == 400
    assert "Choose Read, Write or both." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_alice_revokes_a_token(alice_client, prop_a, org_a):
    created = api_token(org_a)

    response = alice_client.post(reverse("api-token-revoke", args=[prop_a.id, created.token.id]))

    assert response.status_code == 302
    created.token.refresh_from_db()
    assert created.token.revoked_at is not None
    page = alice_client.get(_page(prop_a)).content.decode()
    assert 'data-testid="api-token-revoked"' in page


def test_a_property_scoped_manager_is_told_who_manages_tokens(carol, prop_a, org_a):
    api_token(org_a, name="Secret integration")
    client = Client()
    client.force_login(carol)

    page = client.get(_page(prop_a))

    assert page.status_code == 200
    assert 'data-testid="api-not-manager"' in page.content.decode()
    assert "Secret integration" not in page.content.decode()
    assert client.post(_page(prop_a), {"name": "Mine", "scopes": ["read"]}).status_code == 404
    token = ApiToken.objects.get()
    revoke = reverse("api-token-revoke", args=[prop_a.id, token.id])
    assert client.post(revoke).status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_another_organizations_token_is_404(alice_client, prop_a, org_b):
    theirs = api_token(org_b)
    response = alice_client.post(reverse("api-token-revoke", args=[prop_a.id, theirs.token.id]))
    assert response.status_code == 404
    theirs.token.refresh_from_db()
    assert theirs.token.revoked_at is None
