"""Scopes: a read token reads every list and detail and changes nothing; a write token
is needed for every POST. A signed-in manager's session works as it did."""

from __future__ import annotations

import pytest

from tests.properties.test_tenant_isolation import (
    POST_ONLY,
    api_url_names,
    objects_of,
    snapshot,
    url_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids(prop_a, unit_a, alice):
    return objects_of(prop_a, unit_a, alice)


def _post_names() -> list[str]:
    return [n for n in api_url_names() if n in POST_ONLY] + ["api-key-grants", "api-sync-runs"]


def test_a_read_token_reads_every_list_and_detail(reader_client, ids):
    for name in api_url_names():
        if name in POST_ONLY:
            continue
        response = reader_client.get(url_for(name, ids))
        assert response.status_code == 200, (name, response.json())


def test_a_read_token_may_not_post_anywhere_and_nothing_changes(reader_client, ids):
    before = snapshot()
    for name in _post_names():
        response = reader_client.post(url_for(name, ids), {}, content_type="application/json")
        assert response.status_code == 403, name
        assert response["Content-Type"] == "application/problem+json"
        assert "no write scope" in response.json()["detail"], name
    assert snapshot() == before


def test_a_write_only_token_may_not_read(org_a, prop_a):
    from django.urls import reverse

    from tests.api.conftest import token_client
    from tests.factories.api import api_token

    client = token_client(api_token(org_a, name="Writer", scopes=["write"]).secret)
    response = client.get(reverse("api-residents", args=[prop_a.id]))
    assert response.status_code == 403
    assert "no read scope" in response.json()["detail"]


def test_a_signed_in_manager_reads_every_list(alice_client, ids):
    for name in api_url_names():
        if name in POST_ONLY:
            continue
        assert alice_client.get(url_for(name, ids)).status_code == 200, name


def test_the_properties_list_is_what_the_token_reaches(
    acme_client, maple_client, elm_client, prop_a, prop_a2, prop_b
):
    from django.urls import reverse

    def names(client):
        return [p["name"] for p in client.get(reverse("api-properties")).json()["results"]]

    assert sorted(names(acme_client)) == ["Harborview", "Maple Court"]
    assert names(maple_client) == ["Maple Court"]
    assert names(elm_client) == ["Elm Tower"]
