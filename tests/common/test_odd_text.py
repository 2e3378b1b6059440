"""NUL bytes and broken characters are refused with a message naming where they are."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common.odd_text import odd_character
from units.models import UnitImport

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("plain", None),
        ("\u202eright-to-left\u200f", None),  # real text in Arabic and Hebrew names
        ("\ufffd", None),
        ("a\x00b", "a NUL character (a zero byte)"),
        ("a\ud800", "a broken character"),
        ("\udfff", "a broken character"),
    ],
)
def test_odd_character(value, found):
    problem = odd_character(value)
    assert problem == found if found is None else problem.startswith(found)


@pytest.mark.parametrize(
    ("url_name", "parameter"),
    [
        ("alerts", "q"),
        ("integrations-sync-run", "q"),
        ("integrations-sync-run", "why"),
        ("integrations-unit-mapping-suggest", "q"),
        ("people", "q"),
    ],
)
def test_a_nul_in_a_search_is_a_400_naming_the_parameter(alice_client, prop_a, url_name, parameter):
    from tests.properties.test_tenant_isolation import url_for

    ids = {"property_id": prop_a.id, "run_id": 1}
    response = alice_client.get(url_for(url_name, ids), {parameter: "12\x00B"})
    assert response.status_code == 400
    body = response.content.decode()
    assert f"The “{parameter}” parameter holds a NUL character (a zero byte)" in body
    assert 'data-testid="odd-text"' in body


def test_a_nul_in_a_form_field_is_a_400_naming_the_field(alice_client, prop_a):
    response = alice_client.post(reverse("units-create", args=[prop_a.id]), {"name": "1\x00"})
    assert response.status_code == 400
    assert "The “name” field holds a NUL character" in response.content.decode()


def test_bytes_that_are_not_utf8_are_refused_not_read_as_replacement_characters(
    alice_client, prop_a
):
    # A lone surrogate (U+D800) as a probe sends it: its UTF-8-like bytes, percent-encoded.
    url = reverse("people", args=[prop_a.id]) + "?q=%ED%A0%80"
    response = alice_client.get(url)
    assert response.status_code == 400
    assert "The “q” parameter holds a broken character" in response.content.decode()
    # Raw bytes too (WSGI hands the query string over as latin-1: "\xff" is the byte 0xFF)
    response = alice_client.get(reverse("people", args=[prop_a.id]), QUERY_STRING="q=\xff")
    assert response.status_code == 400
    assert "The “q” parameter holds a broken character" in response.content.decode()
    response = alice_client.post(
        reverse("units-create", args=[prop_a.id]),
        data="name=%FF",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "The “name” field holds a broken character" in response.content.decode()


def test_the_api_answers_problem_details_naming_the_parameter(alice_client, prop_a):
    response = alice_client.get(reverse("api-residents", args=[prop_a.id]), {"search": "\x00"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["errors"] == [{"field": "search", "message": body["detail"]}]
    assert "NUL character" in body["detail"]


def test_an_htmx_request_is_answered_where_htmx_will_show_it(alice_client, prop_a):
    response = alice_client.get(
        reverse("people", args=[prop_a.id]), {"q": "\x00"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert response["HX-Retarget"] == "body"


def test_a_unit_csv_holding_a_nul_names_its_line_and_is_not_kept(alice_client, prop_a):
    raw = b"name,building\n101,A\n102,A\n10\x003,A\n"
    response = alice_client.post(
        reverse("units-import", args=[prop_a.id]),
        {"file": SimpleUploadedFile("units.csv", raw, content_type="text/csv")},
    )
    assert response.status_code == 200
    (error,) = response.context["upload_form"].errors["file"]
    assert error.startswith("Line 4 holds a NUL character (a zero byte)")
    assert not UnitImport.objects.exists()


def test_a_utf16_unit_csv_is_explained(alice_client, prop_a):
    raw = "name\n101\n".encode("utf-16-le")  # ASCII in UTF-16: every other byte is zero
    response = alice_client.post(
        reverse("units-import", args=[prop_a.id]),
        {"file": SimpleUploadedFile("units.csv", raw, content_type="text/csv")},
    )
    (error,) = response.context["upload_form"].errors["file"]
    assert "Line 1 holds a NUL character" in error and "UTF-16" in error


def test_right_to_left_marks_are_text_like_any_other(alice_client, prop_a):
    name = "\u200f\u05d3\u05d9\u05e8\u05d4 12"
    response = alice_client.post(reverse("units-create", args=[prop_a.id]), {"name": name})
    assert response.status_code == 302
