"""Manage Settings → Sync Schedule in real Chromium: the manager sees how often User Sync
runs, when the next one is due (in the property's zone) and each cadence's share of the
vendor's rate limit; an option over the budget cannot be chosen; choosing every 5 minutes
saves and says so. Screenshots at desktop width and at 390 px, where the tabs and the
form stay within the screen."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from integrations.credentials.services import pms_credential_create
from integrations.models import PMSIntegration
from integrations.simulator.credentials import demo_fields
from tests.factories import PropertyFactory
from tests.factories.properties import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


def integration_of(prop, credential, properties: int, minutes: int = 60) -> PMSIntegration:
    return PMSIntegration.objects.create(
        property=prop,
        credential=credential,
        pms_property_ids=[str(1000 + n) for n in range(properties)],
        user_sync_enabled=True,
        sync_interval_minutes=minutes,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
        last_sync_started_at=timezone.now(),
    )


def test_the_manager_chooses_a_cadence_within_the_vendors_rate_limit(
    page: Page, live_server, login, shoot, alice, prop_a
):
    # Given a Yardi login serving Harborview (50 PMS properties: 100 calls a sync) and
    # another property with 150 (300 calls an hour), of the 1,500 an hour: every 5 minutes
    # would use 100%, every 15 minutes 47%
    credential = pms_credential_create(
        organization=prop_a.organization,
        vendor="yardi",
        label="Yardi login",
        values=demo_fields("yardi"),
    )
    integration = integration_of(prop_a, credential, properties=50)
    integration_of(PropertyFactory(organization=prop_a.organization), credential, properties=150)

    login(alice.username, PASSWORD)
    page.goto(f"{live_server.url}/p/{prop_a.id}/settings/integrations/manage/credentials/")
    page.get_by_role("navigation", name="Manage Settings").get_by_role(
        "link", name="Sync Schedule"
    ).click()

    form = page.get_by_test_id("sync-schedule")
    expect(form.get_by_test_id("sync-next-due")).to_contain_text("Next sync due at")
    expect(form.get_by_test_id("sync-next-due")).to_contain_text("EST")
    expect(form.get_by_test_id("sync-budget-use")).to_contain_text(
        "Every 60 minutes uses 27% of Yardi Voyager's rate limit (1,500 calls an hour), "
        "this credential's 2 properties together (7% for this one)"
    )
    five = form.get_by_role("radio", name=re.compile(r"^5 minutes"))
    expect(five).to_be_disabled()
    expect(form).to_contain_text("over 80%: not available")
    shoot("sync_schedule_desktop")

    # When she chooses every 15 minutes and saves
    form.get_by_role("radio", name=re.compile(r"^15 minutes")).check()
    form.get_by_role("button", name="Save").click()

    # Then it is saved and said so
    expect(page.get_by_text("User Sync runs every 15 minutes.")).to_be_visible()
    expect(page.get_by_test_id("sync-budget-use")).to_contain_text("Every 15 minutes uses 47%")
    integration.refresh_from_db()
    assert integration.sync_interval_minutes == 15

    # And at 390 px the tabs and the form stay within the screen (the tabs wrap)
    page.set_viewport_size(PHONE)
    page.reload()
    for part in (page.get_by_test_id("manage-tabs"), page.get_by_test_id("sync-schedule")):
        box = part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shoot("sync_schedule_phone")
    page.set_viewport_size(DESKTOP)
