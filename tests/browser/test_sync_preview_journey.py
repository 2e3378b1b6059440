"""On the set-up wizard's last step a manager previews the first sync — counts of what it
would create, skip, hold and suggest — before turning User Sync on."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from integrations.models import PMSIntegration
from residents.models import Resident
from tests.factories.properties import PASSWORD
from tests.integrations.sync.conftest import credential_create, integration_create


def test_a_manager_previews_the_first_sync_before_turning_it_on(
    page: Page, live_server, login, alice, prop_a, org_a, pms_sim, shoot
):
    integration = integration_create(prop_a, credential_create(org_a, pms_sim, "yardi"), ["1001"])
    PMSIntegration.objects.filter(id=integration.id).update(
        user_sync_enabled=False, setup_completed_at=None, setup_step="user_sync"
    )
    login("alice", PASSWORD)
    page.goto(f"{live_server.url}/p/{prop_a.id}/settings/integrations/setup/user-sync/")

    page.get_by_test_id("sync-preview-run").click()

    result = page.get_by_test_id("sync-preview-result")
    expect(result).to_contain_text("PMS records read")
    expect(page.get_by_test_id("sync-preview-outcomes")).to_contain_text("Created")
    expect(page.get_by_test_id("sync-preview-keys")).to_contain_text("would be suggested")
    shoot("sync-preview")
    assert not Resident.objects.exists()  # nothing was written
