"""Login, logout, throttling, the property switcher, navigation and the alert icon."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from access.models import Key
from properties.services import organization_create, property_create
from tests.factories.properties import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_lands_on_people_of_the_first_property(alice, prop_a, prop_a2):
    client = Client()
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("people", args=[prop_a.id])
    assert b"<h1>People</h1>" in response.content


def test_wrong_password_says_so(alice):
    response = Client().post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "That username and password do not match" in response.content.decode()


def test_login_is_throttled_after_repeated_failures(alice, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    # Even the right password is refused while the lock lasts.
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()


def test_logout_is_a_post(alice_client):
    assert alice_client.get(reverse("logout")).status_code == 405
    response = alice_client.post(reverse("logout"))
    assert response.status_code == 302
    assert alice_client.get(reverse("console-home")).status_code == 302


def test_switcher_lists_only_the_users_properties(alice_client, prop_a, prop_a2, prop_b):
    html = alice_client.get(reverse("units", args=[prop_a.id])).content.decode()
    assert "Maple Court" in html
    assert "Elm Tower" not in html
    # The switcher keeps the section: from Units to the other property's Units.
    assert f'href="/p/{prop_a2.id}/access/units/"' in html


def test_navigation_names_the_sections(alice_client, prop_a):
    html = alice_client.get(reverse("people", args=[prop_a.id])).content.decode()
    for label in ["People", "Access", "Units", "Keys", "Doors", "Manage Settings", "Integrations"]:
        assert f">{label}<" in html


def test_alert_icon_shows_the_count_and_the_window_loads(alice_client, prop_a):
    html = alice_client.get(reverse("people", args=[prop_a.id])).content.decode()
    assert (
        '<span class="sr-only">Alerts</span><span id="alert-count-slot"><span class="sr-only">0</span>'
        in html
    )
    panel = alice_client.get(reverse("alerts", args=[prop_a.id]), HTTP_HX_REQUEST="true")
    assert "No alerts" in panel.content.decode()


def test_integrations_page_has_the_card(alice_client, prop_a):
    html = alice_client.get(reverse("integrations", args=[prop_a.id])).content.decode()
    assert "Automate user creation and updates" in html


def test_user_without_membership_sees_a_clear_page(django_user_model):
    user = django_user_model.objects.create_user("nomad", password=PASSWORD)
    client = Client()
    client.force_login(user)
    assert "No properties yet" in client.get(reverse("console-home")).content.decode()


def test_new_property_gets_the_common_area_keys(db):
    org = organization_create(name="Acme")
    prop = property_create(organization=org, name="Acme Lofts", time_zone="Europe/London")
    keys = Key.objects.filter(property=prop).order_by("name")
    assert [(k.name, k.kind, k.share_with_current_residents) for k in keys] == [
        ("Resident Amenities", "common", True),
        ("Resident Entrances", "common", True),
    ]


def test_property_time_zone_must_be_real(db):
    from django.core.exceptions import ValidationError

    org = organization_create(name="Acme")
    with pytest.raises(ValidationError, match="is not a time zone name"):
        property_create(organization=org, name="Nowhere", time_zone="Mars/Olympus")
