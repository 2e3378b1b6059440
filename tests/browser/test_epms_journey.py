"""ePMS set-up and User Sync in real Chromium, with a real Celery worker and the PMS simulator.

set up ePMS through the wizard → Sync Now → progress → residents appear →
change an email in the simulator → Sync Now → Email Mismatch alert → resolve it.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from access.models import AccessSuggestion
from integrations.credentials.services import pms_credential_create
from integrations.models import PMSRecord, SyncAlert
from integrations.simulator.credentials import demo_fields
from residents.models import Resident
from tests.factories.properties import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_epms_setup_and_user_sync(
    page: Page, live_server, login, shoot, alice, prop_a, pms_sim, celery_worker_thread
):
    # Given a tested Entrata credential pointed at the simulator
    pms_credential_create(
        organization=prop_a.organization,
        vendor="entrata",
        label="Entrata (simulator)",
        values=demo_fields("entrata"),
        endpoint_override=pms_sim.vendor_url("entrata"),
    )
    login("alice", PASSWORD)

    # When alice sets up ePMS: Integrations → Set Up
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Set Up").click()
    # 1 credentials
    expect(page.get_by_test_id("wizard-steps")).to_contain_text("Enter Credentials")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Choose a credential")).to_be_visible()  # nothing chosen → message
    page.get_by_label(re.compile("Entrata \\(simulator\\)")).check()
    page.get_by_role("button", name="Continue").click()
    # 2 property IDs, listed live from the PMS
    expect(page.get_by_test_id("step-property-ids")).to_contain_text("Harbor View Apartments")
    shoot("10-wizard-property-ids")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Choose at least one PMS property")).to_be_visible()
    page.get_by_label("Harbor View Apartments").check()
    page.get_by_role("button", name="Continue").click()
    # Back and reload keep the wizard's state
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("Harbor View Apartments")).to_be_checked()
    page.reload()
    expect(page.get_by_label("Harbor View Apartments")).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    # 3 exclude lease statuses — the vendor's own
    expect(page.get_by_test_id("step-excluded-statuses")).to_contain_text("Notice")
    page.get_by_label("Notice").check()
    shoot("11-wizard-excluded-statuses")
    page.get_by_role("button", name="Continue").click()
    # 4 User Sync on → Done: the first sync starts
    expect(page.get_by_label("User Sync")).to_be_checked()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("User Sync is on")).to_be_visible()

    # Then on People, Sync Now shows live progress and then the result
    pms_sim.state.faults.set("entrata", {"latency_ms": 1500})
    page.get_by_role("navigation", name="Console").get_by_role("link", name="People").click()
    page.get_by_test_id("people-actions").locator("summary").click()
    page.get_by_role("button", name="Sync Now").click()
    expect(page.get_by_test_id("sync-panel")).to_contain_text(
        "Syncing with Entrata", timeout=10_000
    )
    shoot("12-sync-progress")
    pms_sim.state.faults.reset()
    expect(page.get_by_test_id("sync-result")).to_contain_text("Last sync finished", timeout=30_000)
    page.reload()
    expect(page.get_by_test_id("last-sync")).not_to_contain_text("never")
    created = Resident.objects.filter(property=prop_a).count()
    assert created > 5
    expect(page.get_by_test_id("people-table")).to_contain_text("PMS:")
    shoot("13-people-after-sync")

    # The first sync's move-ins are access suggestions (Approval Required is the default):
    # the alert icon counts them, so count what the email change adds on top.
    suggestions = AccessSuggestion.objects.filter(property=prop_a, state="pending").count()

    # When the PMS changes a synced resident's email
    record = (
        PMSRecord.objects.filter(integration__property=prop_a, resident__isnull=False)
        .order_by("external_id")
        .first()
    )
    resident = record.resident
    sim_id = next(
        r.id for r in pms_sim.state.dataset.residents.values() if r.email.lower() == resident.email
    )
    response = httpx.patch(
        f"{pms_sim.url}/_sim/residents/{sim_id}", json={"email": "new.address@example.org"}
    )
    assert response.status_code == 200, response.text
    page.get_by_test_id("people-actions").locator("summary").click()
    page.get_by_role("button", name="Sync Now").click()
    expect(page.get_by_test_id("sync-result")).to_contain_text("Email", timeout=30_000)

    # Then the alert icon counts an Email Mismatch, and nothing of that resident changed
    page.reload()
    expect(page.get_by_test_id("alert-count")).to_have_text(str(suggestions + 1))
    resident.refresh_from_db()
    assert resident.email != "new.address@example.org"
    page.get_by_role("button", name=re.compile("Alerts")).click()
    alert_item = page.get_by_test_id("sync-alert")
    expect(alert_item).to_contain_text("Email Mismatch")
    expect(alert_item).to_contain_text("new.address@example.org")
    shoot("14-email-mismatch-alert")

    # When she takes the PMS email
    alert_item.get_by_role("button", name="Take the PMS email").click()
    expect(page.get_by_test_id("alerts-panel")).to_contain_text(
        "email is now new.address@example.org"
    )
    if suggestions:
        expect(page.get_by_test_id("alert-count")).to_have_text(str(suggestions))
    else:
        expect(page.get_by_test_id("alert-count")).to_have_count(0)
    shoot("15-alert-resolved")
    resident.refresh_from_db()
    assert resident.email == "new.address@example.org"
    alert = SyncAlert.objects.get()
    assert (alert.state, alert.resolution, alert.resolved_by) == ("resolved", "take_pms", alice)
