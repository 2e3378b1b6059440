"""Rent Manager set up from the console, in real Chromium, against the PMS simulator:
add the credential (a refused login is said as such), Test connection, pick properties,
exclude statuses, turn User Sync on, and see the residents appear."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from integrations.models import PMSCredential, PMSIntegration
from integrations.simulator.credentials import demo_fields
from residents.models import Resident
from tests.factories.properties import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rent_manager_setup_and_user_sync(
    page: Page, live_server, login, shoot, alice, prop_a, pms_sim, celery_worker_thread
):
    demo = demo_fields("rentmanager")
    login("alice", PASSWORD)

    # When alice adds a Rent Manager credential, mistyping the password
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Add credential").click()
    page.get_by_role("link", name="Rent Manager").click()
    expect(page.get_by_role("heading", name="Add Rent Manager credential")).to_be_visible()
    expect(page.get_by_label("Location ID")).to_have_value("1")
    page.get_by_label(re.compile("^Label")).fill("Rent Manager (simulator)")
    page.get_by_label("Company code").fill(demo["company"])
    page.get_by_label("User name").fill(demo["username"])
    page.get_by_label(re.compile("^Password")).fill("not-the-password")
    page.get_by_label("API address override").fill(pms_sim.vendor_url("rentmanager"))
    shoot("40-rent-manager-credential")
    page.get_by_role("button", name="Save and test connection").click()

    # Then the test says Rent Manager refused the login, in its own words
    expect(page.get_by_text("Test connection failed")).to_be_visible()
    expect(page.get_by_text("it refused the login").first).to_be_visible()
    expect(page.get_by_text("Invalid Username, Password or Location.").first).to_be_visible()
    shoot("41-rent-manager-login-refused")

    # When she enters the right password, then presses Test connection
    page.get_by_role("link", name="Rent Manager (simulator)").click()
    page.get_by_label(re.compile("^Password")).fill(demo["password"])
    page.get_by_role("button", name="Save and test connection").click()
    expect(page.get_by_text(re.compile("Saved. Test connection: "))).to_be_visible()
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text(re.compile("^Test connection: "))).to_be_visible()
    row = page.get_by_test_id("credentials").get_by_role("row", name=re.compile("Rent Manager"))
    expect(row).to_contain_text("OK")
    credential = PMSCredential.objects.get(vendor="rentmanager")
    assert credential.fields["location_id"] == "1" and "password" not in credential.fields

    # And sets up ePMS with it: properties listed live, Rent Manager's statuses offered
    page.get_by_role("link", name="Set Up").click()
    page.get_by_label(re.compile("Rent Manager \\(simulator\\)")).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("step-property-ids")).to_contain_text("Harbor View Apartments")
    page.get_by_label("Harbor View Apartments").check()
    page.get_by_role("button", name="Continue").click()
    statuses = page.get_by_test_id("step-excluded-statuses")
    for name in ("Current", "Future", "Past"):
        expect(statuses).to_contain_text(name)
    page.get_by_label("Future", exact=True).check()
    shoot("42-rent-manager-excluded-statuses")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("User Sync")).to_be_checked()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("User Sync is on")).to_be_visible()

    # Then the first sync brings the residents in
    page.get_by_role("navigation", name="Console").get_by_role("link", name="People").click()
    expect(page.get_by_test_id("last-sync")).not_to_contain_text("never", timeout=30_000)
    page.reload()
    expect(page.get_by_test_id("people-table")).to_contain_text("PMS:")
    shoot("43-rent-manager-people")
    integration = PMSIntegration.objects.get(property=prop_a)
    assert integration.pms_property_ids == ["1001"]
    synced = Resident.objects.filter(property=prop_a)
    assert synced.count() > 5
    # Future tenants were excluded: none of them came in, and the others did.
    assert not synced.filter(pms_status="Future").exists()
    assert synced.filter(pms_status="Current").exists()
