"""/api/docs/: Swagger UI from this origin (drf-spectacular-sidecar), its start-up code a
script file of its own, under the Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_docs_page_loads_its_scripts_from_this_origin(alice_client):
    response = alice_client.get(reverse("api-docs"))

    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*src=)[^>]*>", page)  # no inline script
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert alice_client.get(reverse("api-docs"), {"script": ""}).status_code == 200


def test_the_docs_page_needs_a_login_or_token(client):
    assert client.get(reverse("api-docs")).status_code in {401, 403}
