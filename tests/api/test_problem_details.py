"""Errors are RFC 9457 problem details; too many requests for a token is a 429 with
Retry-After."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_404_is_a_problem(acme_client, prop_a):
    response = acme_client.get(reverse("api-resident", args=[prop_a.id, 999_999]))

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://doorsync.example/problems/not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "No such resident at this property.",
    }


def test_a_bad_body_names_every_field(acme_client, prop_a):
    response = acme_client.post(
        reverse("api-suggestions-approve", args=[prop_a.id]),
        {"ids": [1, "x", -3]},
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["type"].endswith("/invalid-request")
    assert body["detail"] == "The request has invalid fields: ids.1, ids.2."
    assert [e["field"] for e in body["errors"]] == ["ids.1", "ids.2"]


def test_malformed_json_is_a_400_problem(acme_client, prop_a):
    response = acme_client.post(
        reverse("api-suggestions-approve", args=[prop_a.id]),
        "{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "JSON parse error" in response.json()["detail"]


def test_over_the_rate_limit_is_a_429_with_retry_after(acme_client, client, prop_a, settings):
    settings.API_TOKEN_RATE = "3/minute"
    url = reverse("api-residents", args=[prop_a.id])
    for _ in range(3):
        assert acme_client.get(url).status_code == 200

    response = acme_client.get(url)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["title"] == "Too Many Requests"
    assert "retry after" in response.json()["detail"]


def test_every_answer_is_no_store(acme_client, prop_a):
    response = acme_client.get(reverse("api-residents", args=[prop_a.id]))
    assert "no-store" in response["Cache-Control"]
