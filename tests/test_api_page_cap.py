"""API pages are capped, and a limit that is not a number, or a cursor this API did not
make, is a 400 naming it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from common.pagination import MAX_LIMIT
from tests.factories import ResidentFactory, UnitFactory

pytestmark = pytest.mark.django_db

URLS = ["api-residents", "api-units"]


@pytest.fixture
def many(prop_a):
    ResidentFactory.create_batch(MAX_LIMIT + 5, property=prop_a)
    UnitFactory.create_batch(MAX_LIMIT + 5, property=prop_a)


@pytest.mark.parametrize("url", URLS)
def test_the_largest_page_is_served_and_next_continues(alice_client, prop_a, many, url):
    body = alice_client.get(reverse(url, args=[prop_a.id]), {"limit": MAX_LIMIT}).json()
    assert len(body["results"]) == MAX_LIMIT
    assert f"limit={MAX_LIMIT}" in body["next"]
    rest = alice_client.get(body["next"]).json()
    assert len(rest["results"]) == 5


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    "limit",
    [str(MAX_LIMIT + 1), "1000000", str(10**25), "0", "-1", "1e3", "abc", "", " 5", "٥", "1.5"],
)
def test_a_limit_over_the_cap_or_not_a_number_is_a_400_naming_it(alice_client, prop_a, url, limit):
    response = alice_client.get(reverse(url, args=[prop_a.id]), {"limit": limit})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "limit"
    assert f"from 1 to {MAX_LIMIT}" in error["message"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    "cursor",
    [
        "-1",
        "x",
        "",
        "W10",  # []
        "WzEsMl0",  # [1,2]: not a time
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwxXQ",  # a time without a zone
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OV0",  # id > bigint
        "x" * 300,
    ],
)
def test_a_cursor_this_api_did_not_make_is_a_400_naming_it(alice_client, prop_a, url, cursor):
    response = alice_client.get(reverse(url, args=[prop_a.id]), {"cursor": cursor})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


@pytest.mark.parametrize("url", URLS)
def test_a_cursor_past_the_end_is_an_empty_page(alice_client, prop_a, url):
    # [a time in 2999, the largest id]
    cursor = "WyIyOTk5LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiw5MjIzMzcyMDM2ODU0Nzc1ODA3XQ"
    response = alice_client.get(reverse(url, args=[prop_a.id]), {"cursor": cursor})
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_the_schema_documents_the_cap(alice_client):
    schema = alice_client.get(reverse("api-schema"), {"format": "json"}).json()
    for path, item in schema["paths"].items():
        if "get" not in item or "limit" not in str(item["get"]["parameters"]):
            continue  # not a list
        limit = next(p for p in item["get"]["parameters"] if p["name"] == "limit")
        assert limit["schema"]["maximum"] == MAX_LIMIT, path
