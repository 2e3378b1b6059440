"""Every console and API URL that names a property answers 404 to a manager of another one.

The URL list is walked from the resolver, so a new view is covered (or fails
this test for an unknown URL argument) without anyone remembering to add it.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from access.models import AccessSuggestion, KeyGrant
from access.services import key_grant
from api.tokens import api_token_create
from integrations.models import PMSCredential, PMSIntegration, PMSUnit, SyncAlert, SyncRun
from residents.models import ResidentStatus
from tests.factories import DoorFactory, KeyFactory, ResidentFactory
from units.models import UnitImport
from units.services import unit_create
from webhooks.emit import WebhookEvent, messages_deliveries_create
from webhooks.services import endpoint_create

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


def objects_of(prop, unit, actor, label="MRI"):
    """One of everything a console URL can name, in ``prop``."""
    resident = ResidentFactory(property=prop, unit=unit, status=ResidentStatus.CURRENT)
    key = KeyFactory(property=prop)
    grant = key_grant(key=key, resident=resident, actor=actor)
    upload = UnitImport.objects.create(property=prop, filename="u.csv", content="name\n1\n")
    credential = PMSCredential.objects.create(
        organization=prop.organization, vendor="mri", label=label, fields={}
    )
    integration = PMSIntegration.objects.create(
        property=prop,
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
        property=prop,
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
        unit=unit,
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )
    door = DoorFactory(property=prop, name="Lobby")
    token = api_token_create(
        organization=prop.organization,
        name=f"Walk {label}",
        scopes=["read", "write"],
        properties=[prop],
        created_by=None,
    ).token
    endpoint = endpoint_create(
        organization=prop.organization, url="https://hooks.example.com/in", events=["sync.failed"]
    ).endpoint
    (delivery_id,) = messages_deliveries_create(
        pairs=[(WebhookEvent(prop.organization_id, "webhook.test", {}), [endpoint])]
    )
    return {
        "token_id": token.id,
        "endpoint_id": endpoint.id,
        "delivery_id": delivery_id,
        "door_id": door.id,
        "pms_unit_id": pms_unit.id,
        "suggestion_id": suggestion.id,
        "alert_id": alert.id,
        "run_id": run.id,
        "step": "credentials",
        "tab": "sync-history",
        "credential_id": credential.id,
        "property_id": prop.id,
        "resident_id": resident.id,
        "grant_id": grant.id,
        "key_id": key.id,
        "import_id": upload.id,
    }


@pytest.fixture
def objects_of_prop_a(prop_a, unit_a, alice):
    return objects_of(prop_a, unit_a, alice)


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


POST_ONLY = {
    "resident-status",
    "resident-grant-key",
    "resident-revoke-grant",
    "integrations-credential-test",
    "integrations-credential-delete",
    "people-sync-now",
    "alerts-sync-resolve",
    "suggestions-update-access",
    "suggestion-discard",
    "suggestions-approve-category",
    "integrations-unit-mapping-refresh",
    "integrations-unit-mapping-remove",
    "api-key-grant-revoke",
    "api-suggestions-approve",
    "api-suggestions-discard",
    "api-sync-alert-resolve",
    "api-token-revoke",
    "webhooks-endpoint-test",
    "webhooks-endpoint-toggle",
    "webhooks-endpoint-delete",
    "webhooks-delivery-replay",
}


def test_owner_reaches_every_property_url(alice, objects_of_prop_a):
    """The same URLs are real for their own manager (so the 404s above mean isolation)."""
    client = Client()
    client.force_login(alice)
    for name in property_url_names():
        if name in POST_ONLY:
            continue
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


# --- property-scoped managers ------------------------------------------------------------
# carol manages prop_a only; prop_a2 is another property of the same organization. Within
# one organization the walk must hold just as across organizations: every URL of prop_a2
# is a 404 for her, every object of prop_a2 named under her own prop_a is a 404, and so is
# every PMS credential she does not manage (integrations/credentials/ownership.py).

ID_ARGUMENTS = {"step", "tab", "property_id"}


def urls_naming_objects() -> list[str]:
    """Property URLs that also name an object (resident, key, credential, run, …)."""
    names = []
    for name, route in _walk(get_resolver().url_patterns):
        if "<int:property_id>" not in route:
            continue
        args = set(re.findall(r"<(?:\w+:)?(\w+)>", route))
        if args - ID_ARGUMENTS:
            names.append(name)
    return sorted(set(names))


@pytest.fixture
def objects_of_prop_a2(prop_a2, alice):
    unit = unit_create(property=prop_a2, name="3C", building="", floor="3", actor=None)
    return objects_of(prop_a2, unit, alice, label="MRI Maple")


def snapshot():
    return (
        KeyGrant.objects.filter(revoked_at__isnull=True).count(),
        sorted(PMSCredential.objects.values_list("id", "label", "fields", "last_tested_at")),
        sorted(
            PMSIntegration.objects.values_list(
                "property_id", "credential_id", "pms_property_ids", "user_sync_enabled"
            )
        ),
        SyncRun.objects.count(),
        AccessSuggestion.objects.filter(state="pending").count(),
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_of_another_property_is_404_for_a_property_scoped_manager(
    carol, objects_of_prop_a2, method
):
    client = Client()
    client.force_login(carol)
    before = snapshot()
    for name in property_url_names():
        url = url_for(name, objects_of_prop_a2)
        response = getattr(client, method)(url)
        assert response.status_code == 404, (
            f"{method.upper()} {url} ({name}) answered {response.status_code}"
        )
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_propertys_objects_under_her_own_property_are_404(
    carol, prop_a, objects_of_prop_a, objects_of_prop_a2, method
):
    """Every URL that names an object, with her own property and prop_a2's object ids:
    the resident, key, grant, run, alert, PMS unit, import — and the PMS credential."""
    client = Client()
    client.force_login(carol)
    names = urls_naming_objects()
    assert {
        "integrations-credential-edit",
        "integrations-credential-test",
        "integrations-credential-delete",
        "resident-detail",
    } <= set(names)
    before = snapshot()
    ids = {**objects_of_prop_a2, "property_id": prop_a.id}
    nowhere = {k: (v if k in ID_ARGUMENTS else 999_999) for k, v in ids.items()}
    for name in names:
        url = url_for(name, ids)
        status = getattr(client, method)(url).status_code
        # A POST-only action may answer a GET 405 before looking anything up; then it
        # answers the same for an id that exists nowhere, and so reveals nothing.
        if status == 405:
            status = (
                404
                if getattr(client, method)(url_for(name, nowhere)).status_code == 405
                else status
            )
        assert status == 404, f"{method.upper()} {url} ({name}) answered {status}"
    assert snapshot() == before


@pytest.fixture
def shared_credential(prop_a, prop_a2, objects_of_prop_a, objects_of_prop_a2):
    """One login used by both properties: prop_a2 switched to prop_a's credential."""
    credential = PMSCredential.objects.get(id=objects_of_prop_a["credential_id"])
    PMSIntegration.objects.filter(property=prop_a2).update(credential=credential)
    return credential


@pytest.mark.parametrize(
    "name",
    [
        "integrations-credential-edit",
        "integrations-credential-test",
        "integrations-credential-delete",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_credential_shared_with_a_property_she_does_not_manage_is_404(
    carol, prop_a, shared_credential, name, method
):
    client = Client()
    client.force_login(carol)
    before = snapshot()
    url = reverse(name, args=[prop_a.id, shared_credential.id])
    assert getattr(client, method)(url).status_code == 404
    assert snapshot() == before


def test_a_portfolio_manager_manages_the_shared_credential(alice, prop_a, shared_credential):
    client = Client()
    client.force_login(alice)
    edit = reverse("integrations-credential-edit", args=[prop_a.id, shared_credential.id])
    assert client.get(edit).status_code == 200
    page = client.get(reverse("integrations", args=[prop_a.id])).content.decode()
    assert f'href="{edit}"' in page


def test_she_manages_her_own_propertys_credential_and_unused_ones(
    carol, prop_a, org_a, objects_of_prop_a, objects_of_prop_a2
):
    client = Client()
    client.force_login(carol)
    own = objects_of_prop_a["credential_id"]
    unused = PMSCredential.objects.create(
        organization=org_a, vendor="yardi", label="Just added", fields={}
    )
    for credential_id in (own, unused.id):
        edit = reverse("integrations-credential-edit", args=[prop_a.id, credential_id])
        assert client.get(edit).status_code == 200
    page = client.get(reverse("integrations", args=[prop_a.id])).content.decode()
    assert "Just added" in page and "MRI Maple" not in page
    delete = reverse("integrations-credential-delete", args=[prop_a.id, unused.id])
    assert client.post(delete).status_code == 302
    assert not PMSCredential.objects.filter(id=unused.id).exists()


def test_her_propertys_shared_credential_is_shown_read_only(carol, prop_a, shared_credential):
    client = Client()
    client.force_login(carol)
    page = client.get(reverse("integrations", args=[prop_a.id])).content.decode()
    assert 'data-testid="shared-credential"' in page
    assert shared_credential.label in page
    edit = reverse("integrations-credential-edit", args=[prop_a.id, shared_credential.id])
    assert edit not in page
    step = client.get(reverse("integrations-manage", args=[prop_a.id, "credentials"]))
    assert 'data-testid="shared-credential"' in step.content.decode()
    assert edit not in step.content.decode()


def test_the_wizard_lets_her_choose_only_credentials_she_manages(
    carol, prop_a, org_a, objects_of_prop_a, objects_of_prop_a2
):
    client = Client()
    client.force_login(carol)
    step = reverse("integrations-manage", args=[prop_a.id, "credentials"])
    theirs = objects_of_prop_a2["credential_id"]
    page = client.get(step).content.decode()
    assert "MRI Maple" not in page and f'value="{theirs}"' not in page

    # A forged choice of prop_a2's credential is refused and changes nothing.
    before = snapshot()
    response = client.post(step, {"credential": theirs}, follow=True)
    assert "Choose a credential" in response.content.decode()
    assert snapshot() == before

    # Her own, unused credential she may choose.
    mine = PMSCredential.objects.create(
        organization=org_a, vendor="yardi", label="Yardi for Harborview", fields={}
    )
    client.post(step, {"credential": mine.id})
    assert PMSIntegration.objects.get(property=prop_a).credential_id == mine.id


def test_choosing_her_shared_credential_again_is_no_change(carol, prop_a, shared_credential):
    client = Client()
    client.force_login(carol)
    step = reverse("integrations-manage", args=[prop_a.id, "credentials"])
    before = snapshot()
    client.post(step, {"credential": shared_credential.id})
    assert snapshot() == before


# --- the REST API with tokens (issue 17) -----------------------------------------------
# The walk above asks every /api/v1/ URL with a manager's session; an integrator's token
# is walked here: another organization's token, and a token of the same organization
# restricted to another property, get 404 from every API URL of prop_a, for every method.


def api_url_names() -> list[str]:
    return sorted(
        {
            name
            for name, route in _walk(get_resolver().url_patterns)
            if route.startswith("api/v1/") and "<int:property_id>" in route
        }
    )


def test_the_walk_finds_the_api():
    assert {
        "api-residents",
        "api-key-grants",
        "api-suggestions-approve",
        "api-sync-runs",
        "api-sync-alert-resolve",
        "api-access-events",
    } <= set(api_url_names())


@pytest.mark.parametrize("whose", ["other organization", "other property"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_api_url_is_404_for_a_token_that_does_not_reach_the_property(
    org_b, prop_a2, objects_of_prop_a, whose, method
):
    organization = org_b if whose == "other organization" else prop_a2.organization
    restricted_to = [] if whose == "other organization" else [prop_a2]
    secret = api_token_create(
        organization=organization,
        name="Intruder",
        scopes=["read", "write"],
        properties=restricted_to,
        created_by=None,
    ).secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    before = snapshot()
    for name in api_url_names():
        url = url_for(name, objects_of_prop_a)
        response = getattr(client, method)(url, {}, content_type="application/json")
        assert response.status_code == 404, (
            f"{method.upper()} {url} ({name}) answered {response.status_code}"
        )
    assert snapshot() == before


def test_the_owning_token_reaches_every_api_url(objects_of_prop_a):
    """The same URLs answer a token of prop_a (so the 404s above mean isolation)."""
    secret = api_token_create(
        organization=PMSCredential.objects.get(id=objects_of_prop_a["credential_id"]).organization,
        name="Owner",
        scopes=["read"],
        created_by=None,
    ).secret
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    for name in api_url_names():
        if name in POST_ONLY:
            continue
        url = url_for(name, objects_of_prop_a)
        assert client.get(url).status_code == 200, url
