"""The icon: linked from the console's pages and admin's, and at /favicon.ico."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_favicon_ico_leads_to_the_icon():
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")
    assert Client().post("/favicon.ico").status_code == 405


@pytest.mark.parametrize("url", ["login", "admin:login"])
def test_pages_link_the_icon(url):
    html = Client().get(reverse(url)).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg">' in html


def test_admin_pages_link_the_icon(support_client):
    html = support_client.get(reverse("admin:index")).content.decode()
    assert 'rel="icon"' in html
