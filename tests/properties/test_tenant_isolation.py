"""Every console and API URL that names a property answers 404 to a manager of another one.

The URL list is walked from the resolver, so a new view is covered (or fails
this test for an unknown URL argument) without anyone remembering to add it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from access.models import AccessSuggestion, KeyGrant
from access.services import key_grant
from integrations.models import PMSCredential, PMSIntegration, PMSUnit, SyncAlert, SyncRun
from residents.models import ResidentStatus
from tests.factories import DoorFactory, KeyFactory, ResidentFactory
from units.models import UnitImport

pytestmark = pytest.mark.django_db


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            yield p.name, prefix + str(p.pattern)


def property_url_names() -> list[str]:
    names = sorted(
        {name for name, route in _walk(get_resolver().url_patterns) if "<int:property_id>" in route}
    )
    return names


@pytest.fixture
def objects_of_prop_a(prop_a, unit_a, alice):
    resident = ResidentFactory(property=prop_a, unit=unit_a, status=ResidentStatus.CURRENT)
    key = KeyFactory(property=prop_a)
    grant = key_grant(key=key, resident=resident, actor=alice)
    upload = UnitImport.objects.create(property=prop_a, filename="u.csv", content="name\n1\n")
    credential = PMSCredential.objects.create(
        organization=prop_a.organization, vendor="mri", label="MRI", fields={}
    )
    integration = PMSIntegration.objects.create(
        property=prop_a,
        credential=credential,
        pms_property_ids=["1"],
        setup_step="done",
        setup_completed_at=timezone.now(),
    )
    run = SyncRun.objects.create(integration=integration, trigger="schedule", state="succeeded")
    alert = SyncAlert.objects.create(
        integration=integration, kind="possible_match", external_id="t1", resident=resident
    )
    suggestion = AccessSuggestion.objects.create(
        property=prop_a,
        resident=resident,
        kind="grant",
        key=key,
        transition_key="t1|future>current",
        transition_label="Future → Current",
        reason="Lease is current in the PMS",
        detected_at=timezone.now(),
    )
    pms_unit = PMSUnit.objects.create(
        integration=integration,
        external_id="u1",
        pms_property_id="1",
        name="12B",
        unit=unit_a,
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )
    door = DoorFactory(property=prop_a, name="Lobby")
    return {
        "door_id": door.id,
        "pms_unit_id": pms_unit.id,
        "suggestion_id": suggestion.id,
        "alert_id": alert.id,
        "run_id": run.id,
        "step": "credentials",
        "tab": "sync-history",
        "credential_id": credential.id,
        "property_id": prop_a.id,
        "resident_id": resident.id,
        "grant_id": grant.id,
        "key_id": key.id,
        "import_id": upload.id,
    }


def url_for(name: str, ids: dict[str, int]) -> str:
    from django.urls import get_resolver

    _, route = next((n, r) for n, r in _walk(get_resolver().url_patterns) if n == name)
    kwargs = {k: v for k, v in ids.items() if f"<int:{k}>" in route or f"<slug:{k}>" in route}
    unknown = route.count("<") - len(kwargs)
    assert unknown == 0, f"{name}: teach this test the id arguments of {route}"
    return reverse(name, kwargs=kwargs)


def test_the_walk_finds_the_console(objects_of_prop_a):
    names = property_url_names()
    for expected in [
        "people",
        "resident-detail",
        "units",
        "keys",
        "doors",
        "integrations",
        "api-residents",
    ]:
        assert expected in names


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_property_url_is_404_for_another_organization(bob, objects_of_prop_a, method):
    client = Client()
    client.force_login(bob)
    grants_before = KeyGrant.objects.filter(revoked_at__isnull=True).count()
    for name in property_url_names():
        url = url_for(name, objects_of_prop_a)
        response = getattr(client, method)(url)
        assert response.status_code == 404, (
            f"{method.upper()} {url} ({name}) answered {response.status_code}"
        )
    # And nothing was changed by the attempts
    assert KeyGrant.objects.filter(revoked_at__isnull=True).count() == grants_before


def test_owner_reaches_every_property_url(alice, objects_of_prop_a):
    """The same URLs are real for their own manager (so the 404s above mean isolation)."""
    client = Client()
    client.force_login(alice)
    for name in property_url_names():
        if name in {
            "resident-status",
            "resident-grant-key",
            "resident-revoke-grant",
            "integrations-credential-test",
            "integrations-credential-delete",
            "people-sync-now",
            "alerts-sync-resolve",
            "suggestions-update-access",
            "suggestion-discard",
            "integrations-unit-mapping-refresh",
            "integrations-unit-mapping-remove",
        }:
            continue  # POST-only actions
        url = url_for(name, objects_of_prop_a)
        assert client.get(url).status_code in {200, 302}, url


def test_property_manager_restricted_to_one_property(carol, prop_a, prop_a2):
    client = Client()
    client.force_login(carol)
    assert client.get(reverse("people", args=[prop_a.id])).status_code == 200
    assert client.get(reverse("people", args=[prop_a2.id])).status_code == 404


def test_objects_of_one_property_are_404_under_another_of_the_same_manager(
    alice, prop_a2, objects_of_prop_a
):
    """alice may open both properties, but prop_a's resident under prop_a2's URL is 404."""
    client = Client()
    client.force_login(alice)
    ids = {**objects_of_prop_a, "property_id": prop_a2.id}
    for name in [
        "resident-detail",
        "resident-edit",
        "keys-edit",
        "doors-edit",
        "units-import-preview",
    ]:
        assert client.get(url_for(name, ids)).status_code == 404, name
    for name in ["resident-status", "resident-grant-key", "resident-revoke-grant"]:
        assert client.post(url_for(name, ids)).status_code == 404, name


def test_anonymous_is_sent_to_login(prop_a):
    response = Client().get(reverse("people", args=[prop_a.id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_nonexistent_property_is_404(alice_client):
    assert alice_client.get("/p/999999/people/").status_code == 404
