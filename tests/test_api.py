"""The read API: /api/v1/properties/<id>/residents/ and /units/, and its OpenAPI schema.

Asked with a manager's session (the console's), as before API tokens; tokens are tested in
tests/api/. Pages are keyset cursors since issue 17 (common/pagination.py) and errors
problem details (common/api.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import ResidentStatus
from tests.factories import ResidentFactory, UnitFactory


def _residents_url(prop) -> str:
    return reverse("api-residents", args=[prop.id])


def _units_url(prop) -> str:
    return reverse("api-units", args=[prop.id])


@pytest.fixture
def people(prop_a, prop_a2, prop_b, unit_a):
    """Three residents of prop_a, and one each at prop_a2 and bob's prop_b."""
    ann = ResidentFactory(
        property=prop_a,
        unit=unit_a,
        first_name="Ann",
        last_name="Lee",
        email="ann@example.com",
        phone="+16175550100",
        status=ResidentStatus.CURRENT,
        lease_start=dt.date(2025, 1, 1),
        lease_end=dt.date(2025, 12, 31),
        move_in=dt.date(2025, 1, 2),
    )
    bea = ResidentFactory(
        property=prop_a, first_name="Bea", last_name="Moss", status=ResidentStatus.FUTURE
    )
    cal = ResidentFactory(
        property=prop_a, first_name="Cal", last_name="Nye", status=ResidentStatus.PAST
    )
    ResidentFactory(property=prop_a2, first_name="Dee", last_name="Lee")
    ResidentFactory(property=prop_b, first_name="Eve", last_name="Lee")
    return ann, bea, cal


# --- residents --------------------------------------------------------------------------------


def test_alice_lists_her_residents_with_every_field(alice_client, prop_a, people):
    ann, bea, cal = people

    response = alice_client.get(_residents_url(prop_a))

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [r["id"] for r in body["results"]] == [ann.id, bea.id, cal.id]
    first = dict(body["results"][0])
    assert first.pop("created_at") and first.pop("updated_at")
    assert first == {
        "id": ann.id,
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@example.com",
        "phone": "+16175550100",
        "unit": "12B",
        "unit_id": ann.unit_id,
        "status": "current",
        "pms_status": "",
        "lease_start": "2025-01-01",
        "lease_end": "2025-12-31",
        "move_in": "2025-01-02",
        "move_out": None,
    }
    assert body["results"][1]["unit"] is None


def test_residents_are_paginated_by_limit_and_cursor(alice_client, prop_a, people):
    ann, bea, cal = people
    url = _residents_url(prop_a)

    first = alice_client.get(url, {"limit": 2}).json()
    second = alice_client.get(first["next"]).json()

    assert [r["id"] for r in first["results"]] == [ann.id, bea.id]
    assert first["next"].startswith(f"http://testserver{url}?")
    assert "limit=2" in first["next"] and "cursor=" in first["next"]
    assert [r["id"] for r in second["results"]] == [cal.id]
    assert second["next"] is None


def test_residents_page_is_100_by_default(alice_client, prop_a):
    ResidentFactory.create_batch(101, property=prop_a)

    body = alice_client.get(_residents_url(prop_a)).json()

    assert len(body["results"]) == 100
    assert len(alice_client.get(body["next"]).json()["results"]) == 1


@pytest.mark.parametrize(
    ("status", "names"),
    [("current", ["Ann"]), ("future", ["Bea"]), ("past", ["Cal"]), ("", ["Ann", "Bea", "Cal"])],
)
def test_residents_status_filter(alice_client, prop_a, people, status, names):
    response = alice_client.get(_residents_url(prop_a), {"status": status})

    assert response.status_code == 200
    assert [r["first_name"] for r in response.json()["results"]] == names


@pytest.mark.parametrize(
    ("search", "names"),
    [
        ("lee", ["Ann"]),  # Dee and Eve Lee live at other properties
        ("ann@example", ["Ann"]),
        ("5550100", ["Ann"]),
        ("12b", ["Ann"]),
        ("bea moss", ["Bea"]),
        ("bea lee", []),
    ],
)
def test_residents_search(alice_client, prop_a, people, search, names):
    response = alice_client.get(_residents_url(prop_a), {"search": search})

    assert [r["first_name"] for r in response.json()["results"]] == names


def test_a_bad_status_filter_is_a_400_naming_the_field(alice_client, prop_a, people):
    response = alice_client.get(_residents_url(prop_a), {"status": "gone"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "status", "message": '"gone" is not a valid choice.'}
    ]


def test_a_search_too_long_is_a_400_naming_the_field(alice_client, prop_a):
    response = alice_client.get(_residents_url(prop_a), {"search": "x" * 101})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "search", "message": "Ensure this field has no more than 100 characters."}
    ]


def test_residents_query_count_does_not_grow_with_the_page(alice_client, prop_a):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert alice_client.get(_residents_url(prop_a)).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        ResidentFactory(property=prop_a, unit=UnitFactory(property=prop_a))
    with_3 = queries()
    for _ in range(30):
        ResidentFactory(property=prop_a, unit=UnitFactory(property=prop_a))

    # 1 session, 2 user, 3 property (membership check), 4 the page with units joined
    # (a keyset page needs no count).
    assert with_3 == 4
    assert queries() == 4


# --- units --------------------------------------------------------------------------------------


def test_alice_lists_her_units_with_occupancy(alice_client, prop_a, prop_a2, unit_a):
    vacant = UnitFactory(property=prop_a, name="14C", building="B", floor="14")
    ResidentFactory(property=prop_a, unit=unit_a, status=ResidentStatus.CURRENT)
    ResidentFactory(property=prop_a, unit=vacant, status=ResidentStatus.FUTURE)
    UnitFactory(property=prop_a2, name="99")

    response = alice_client.get(_units_url(prop_a))

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    for row in body["results"]:
        assert row.pop("created_at") and row.pop("updated_at")
    assert body["results"] == [
        {"id": unit_a.id, "name": "12B", "building": "A", "floor": "12", "occupied": True},
        {"id": vacant.id, "name": "14C", "building": "B", "floor": "14", "occupied": False},
    ]


def test_units_are_paginated(alice_client, prop_a):
    for n in range(5):
        UnitFactory(property=prop_a, name=f"{n}")
    url = _units_url(prop_a)

    names = []
    page = alice_client.get(url, {"limit": 2}).json()
    while True:
        names.extend(u["name"] for u in page["results"])
        if page["next"] is None:
            break
        page = alice_client.get(page["next"]).json()

    assert names == ["0", "1", "2", "3", "4"]


# --- who may ask -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [_residents_url, _units_url], ids=["residents", "units"])
def test_bob_asking_for_alices_property_gets_404(bob_client, prop_a, people, url):
    response = bob_client.get(url(prop_a))

    assert response.status_code == 404
    assert "Lee" not in response.content.decode()


@pytest.mark.parametrize("url", [_residents_url, _units_url], ids=["residents", "units"])
def test_a_property_manager_sees_only_their_property(carol, prop_a, prop_a2, url):
    client = Client()
    client.force_login(carol)

    assert client.get(url(prop_a)).status_code == 200
    assert client.get(url(prop_a2)).status_code == 404


@pytest.mark.parametrize("url", [_residents_url, _units_url], ids=["residents", "units"])
def test_anonymous_gets_401(client, prop_a, people, url):
    response = client.get(url(prop_a))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="doorsync"'
    assert response.json()["detail"] == "Authentication credentials were not provided."


@pytest.mark.parametrize("url", [_residents_url, _units_url], ids=["residents", "units"])
def test_the_api_is_read_only(alice_client, bob_client, prop_a, url):
    assert alice_client.post(url(prop_a), {}).status_code == 405
    assert alice_client.delete(url(prop_a)).status_code == 405
    # Another tenant learns nothing, whatever the method
    assert bob_client.post(url(prop_a), {}).status_code == 404


def test_an_unknown_property_is_404(alice_client):
    assert alice_client.get("/api/v1/properties/999999/residents/").status_code == 404


# --- schema -------------------------------------------------------------------------------------


@pytest.fixture
def schema(alice_client) -> dict:
    response = alice_client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def _resolve(schema: dict, node: dict) -> dict:
    ref = node.get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else node


def test_the_openapi_schema_renders(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "doorsync API"
    assert set(schema["paths"]) >= {
        "/api/v1/properties/{property_id}/residents/",
        "/api/v1/properties/{property_id}/units/",
    }
    residents = schema["paths"]["/api/v1/properties/{property_id}/residents/"]["get"]
    params = {p["name"]: p for p in residents["parameters"]}
    assert params["property_id"]["schema"]["type"] == "integer"
    assert sorted(params["status"]["schema"]["enum"]) == ["current", "future", "past"]
    assert params["search"]["schema"]["maxLength"] == 100


def test_the_schema_documents_the_units_page_and_its_fields(schema):
    units = schema["paths"]["/api/v1/properties/{property_id}/units/"]["get"]

    assert {p["name"] for p in units["parameters"]} == {
        "property_id",
        "limit",
        "cursor",
        "updated_since",
    }
    page = _resolve(schema, units["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(page["properties"]) == {"next", "resume", "results"}
    # The unit fields, not another endpoint's (two serializers once shared the name "Output")
    unit = _resolve(schema, page["properties"]["results"]["items"])
    assert set(unit["properties"]) == {
        "id",
        "name",
        "building",
        "floor",
        "occupied",
        "created_at",
        "updated_at",
    }
    assert unit["properties"]["occupied"]["type"] == "boolean"


def test_the_schema_documents_the_residents_page(schema):
    residents = schema["paths"]["/api/v1/properties/{property_id}/residents/"]["get"]

    assert {"limit", "cursor", "updated_since", "unit"} <= {
        p["name"] for p in residents["parameters"]
    }
    page = _resolve(schema, residents["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(page["properties"]) == {"next", "resume", "results"}


def test_the_openapi_schema_renders_as_yaml_by_default(alice_client):
    response = alice_client.get(reverse("api-schema"))

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")
    assert b"/api/v1/properties/{property_id}/units/:" in response.content
