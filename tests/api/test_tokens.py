"""API tokens: the secret shown once and stored hashed, revoke, last used at most once a
minute, and what a bad Authorization header answers."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from api.tokens import api_token_authenticate, api_token_revoke
from tests.api.conftest import token_client
from tests.factories.api import api_token

pytestmark = pytest.mark.django_db


def test_the_secret_is_returned_once_and_only_its_hash_is_kept(org_a, alice):
    created = api_token(org_a, by=alice)

    token = ApiToken.objects.get()
    assert created.secret.startswith(f"ds_{token.prefix}_")
    assert len(created.secret) > 40
    assert token.secret_hash == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret not in str(ApiToken.objects.values().get())
    assert token.created_by == alice and token.scopes == ["read", "write"]


def test_a_name_is_unique_among_live_tokens_and_free_again_once_revoked(org_a, org_b):
    first = api_token(org_a, name="Acme")
    with pytest.raises(ValidationError) as error:
        api_token(org_a, name="  Acme ")
    assert "already exists" in str(error.value.message_dict["name"])
    api_token(org_b, name="Acme")  # another organization's

    api_token_revoke(token=first.token, actor=None)
    api_token(org_a, name="Acme")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"name": " "}, "name"), ({"scopes": []}, "scopes"), ({"scopes": ["admin"]}, "scopes")],
)
def test_bad_input_names_the_field_and_creates_nothing(org_a, kwargs, field):
    with pytest.raises(ValidationError) as error:
        api_token(org_a, **kwargs)
    assert field in error.value.message_dict
    assert not ApiToken.objects.exists()


def test_another_organizations_property_cannot_be_chosen(org_a, prop_b):
    with pytest.raises(ValidationError):
        api_token(org_a, properties=[prop_b])
    assert not ApiToken.objects.exists()


def test_a_revoked_token_answers_401_at_once(org_a, prop_a):
    created = api_token(org_a)
    client = token_client(created.secret)
    url = reverse("api-residents", args=[prop_a.id])
    assert client.get(url).status_code == 200

    assert api_token_revoke(token=created.token, actor=None) is True
    assert api_token_revoke(token=created.token, actor=None) is False

    response = client.get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer nope",
        "Bearer ds_",
        "Bearer ds_00000000_x",
        "Bearer ds_{prefix}_wrong",
    ],
)
def test_a_bad_token_is_a_401_saying_what_to_do(org_a, prop_a, client, header):
    created = api_token(org_a)
    header = header.format(prefix=created.token.prefix)

    response = client.get(reverse("api-residents", args=[prop_a.id]), HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="doorsync"'
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized"


def test_last_used_is_written_at_most_once_a_minute(org_a):
    created = api_token(org_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api_token_authenticate(secret=created.secret)
        # A second request in the same minute reads the token and writes nothing.
        with CaptureQueriesContext(connection) as ctx:
            api_token_authenticate(secret=created.secret)
        assert len(ctx.captured_queries) == 1
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api_token_authenticate(secret=created.secret)
    created.token.refresh_from_db()
    assert created.token.last_used_at == start + timedelta(seconds=61)
