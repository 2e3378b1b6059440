"""The wizard's preview of the first sync: the sync's own planner over a fresh read of
the PMS, nothing written — and then the real first sync does what it said."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.models import AccessSuggestion, KeyGrant
from audit.models import AccessEvent
from integrations.models import AccessMode, PMSIntegration, PMSRecord, SyncAlert, SyncRun
from integrations.pms.errors import PMSError
from integrations.sync.preview import user_sync_preview
from residents.models import Resident
from tests.factories import ResidentFactory
from tests.integrations.sync.conftest import credential_create, integration_create
from tests.integrations.sync.test_user_sync_vendors import run_now

pytestmark = pytest.mark.django_db

WRITTEN = (Resident, PMSRecord, SyncRun, SyncAlert, AccessSuggestion, KeyGrant, AccessEvent)


def snapshot() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


@pytest.fixture
def integration(sim, org_a, prop_a) -> PMSIntegration:
    integration = integration_create(prop_a, credential_create(org_a, sim, "yardi"), ["1001"])
    PMSIntegration.objects.filter(id=integration.id).update(
        user_sync_enabled=False, access_mode=AccessMode.APPROVAL_REQUIRED
    )
    integration.refresh_from_db()
    return integration


@pytest.mark.parametrize("vendor", ["yardi", "entrata", "appfolio"])
def test_the_preview_writes_nothing_and_the_first_sync_does_what_it_said(
    vendor, sim, org_a, prop_a
):
    integration = integration_create(prop_a, credential_create(org_a, sim, vendor), ["1001"])
    PMSIntegration.objects.filter(id=integration.id).update(
        access_mode=AccessMode.APPROVAL_REQUIRED
    )
    integration.refresh_from_db()
    # Given a resident of ours already, whose email the PMS has with another name
    record = next(iter(sim.state.dataset.residents.values()))
    ResidentFactory(property=prop_a, first_name="Someone", last_name="Else", email=record.email)
    before = snapshot()

    preview = user_sync_preview(integration=integration)

    # Nothing written: not a resident, record, run, alert, suggestion, key or audit row
    assert snapshot() == before
    assert preview.records > 0
    assert sum(preview.outcomes.values()) == preview.records

    # When User Sync's first run applies the same PMS data
    run = run_now(integration)
    assert run.state == SyncRun.State.SUCCEEDED, run.error

    # Then it did what the preview said, record by record and key by key
    assert dict(preview.outcomes) == run.counts
    opened = {
        kind: SyncAlert.objects.filter(integration=integration, kind=kind).count()
        for kind in preview.alerts
    }
    assert opened == dict(preview.alerts)
    assert preview.alerts  # the resident with the PMS's email opened one
    suggested = AccessSuggestion.objects.filter(property=prop_a, kind="grant").count()
    assert suggested == preview.grants > 0


def test_the_page_shows_it_on_the_wizards_last_step(alice_client, prop_a, integration):
    page = alice_client.get(reverse("integrations-setup", args=[prop_a.id, "user-sync"]))
    assert 'data-testid="sync-preview"' in page.content.decode()

    response = alice_client.get(
        reverse("integrations-sync-preview", args=[prop_a.id]), headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert 'data-testid="sync-preview-result"' in body
    assert "would be <strong>suggested</strong>" in body
    assert "Created" in body
    assert not Resident.objects.exists()


def test_a_pms_that_cannot_be_read_is_named(alice_client, prop_a, integration, sim):
    sim.state.faults.set("yardi", {"expired_credential": True})
    response = alice_client.get(reverse("integrations-sync-preview", args=[prop_a.id]))
    assert 'data-testid="sync-preview-problem"' in response.content.decode()
    with pytest.raises(PMSError):
        user_sync_preview(integration=integration)


def test_no_credential_yet_says_which_step(alice_client, prop_a):
    PMSIntegration.objects.create(property=prop_a)
    response = alice_client.get(reverse("integrations-sync-preview", args=[prop_a.id]))
    assert "Choose a credential and attach PMS property IDs first" in response.content.decode()


def test_another_organizations_preview_is_404(bob_client, prop_a, integration):
    response = bob_client.get(reverse("integrations-sync-preview", args=[prop_a.id]))
    assert response.status_code == 404
