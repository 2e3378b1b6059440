"""The mass-revoke brake in real Chromium, with a real Celery worker and the PMS simulator.

set-up in code (an Entrata integration in Automatic mode, a first sync, units made and
mapped, a second sync that gives every current resident their keys) → the PMS suddenly
reports every current resident Past → Sync Now → no key is taken: the alert window shows
one sync alert, "This sync would revoke N of M residents' keys", with the held revokes
listed below it → the manager is asked first, then revokes them all in one press → the
keys are gone and the alert is closed. Screenshots at desktop width and at 390 px.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from access.models import AccessSuggestion, KeyGrant
from integrations.credentials.services import pms_credential_create
from integrations.models import AccessMode, PMSIntegration, PMSUnit, SyncAlert
from integrations.pms.types import Lifecycle
from integrations.simulator.credentials import demo_fields
from integrations.unit_mapping import units_map_identical_names
from residents.models import Resident, ResidentStatus
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_automated_access_journey import (
    PMS_PROPERTY,
    _open_alert_window,
    _patch,
    _shoot_window,
    _sync,
    _sync_now,
)
from tests.factories.properties import PASSWORD
from units.services import unit_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


def _live_keys(prop) -> int:
    return KeyGrant.objects.filter(resident__property=prop, revoked_at=None).count()


def test_the_brake_holds_a_mass_revoke_and_the_manager_approves_it_in_bulk(
    page: Page, live_server, login, shoot, dialogs, alice, prop_a, pms_sim, celery_worker_thread
):
    # Given an Entrata integration of Harbor View (1001) in Automatic mode
    credential = pms_credential_create(
        organization=prop_a.organization,
        vendor="entrata",
        label="Entrata (simulator)",
        values=demo_fields("entrata"),
        endpoint_override=pms_sim.vendor_url("entrata"),
    )
    integration = PMSIntegration.objects.create(
        property=prop_a,
        credential=credential,
        pms_property_ids=[PMS_PROPERTY],
        pms_property_names={PMS_PROPERTY: "Harbor View Apartments"},
        user_sync_enabled=True,
        access_mode=AccessMode.AUTOMATIC,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )
    # And everyone placed in a mapped unit, current residents holding their keys
    _sync(integration)
    for pms_unit in PMSUnit.objects.filter(integration=integration):
        unit_create(property=prop_a, name=pms_unit.name, actor=None)
    units_map_identical_names(integration=integration, actor=None)
    _sync(integration)
    current = Resident.objects.filter(property=prop_a, status=ResidentStatus.CURRENT).count()
    keys_before = _live_keys(prop_a)
    assert current >= 20 and keys_before >= 3 * current

    # When the PMS suddenly reports every current resident of 1001 as Past
    leaving = [
        r
        for r in pms_sim.state.dataset.residents_of(PMS_PROPERTY)
        if r.lifecycle == Lifecycle.CURRENT
    ]
    for r in leaving:
        _patch(pms_sim, r.id, lifecycle="past", move_out=timezone.localdate().isoformat())
    login("alice", PASSWORD)
    _sync_now(page, integration)

    # Then no key was taken: the revokes wait behind one sync alert that says why
    assert _live_keys(prop_a) == keys_before
    alert = SyncAlert.objects.get(kind=SyncAlert.Kind.MASS_REVOKE, state=SyncAlert.State.OPEN)
    revoking = alert.pms_data["revoking"]
    held_rows = AccessSuggestion.objects.filter(property=prop_a, state="pending", brake=True)
    held = held_rows.count()
    # Every resident the PMS moved out (those on notice stay living there)
    assert revoking == held_rows.values("resident").distinct().count() >= 5
    assert alert.pms_data["current"] == current
    _open_alert_window(page)
    brake = page.get_by_test_id("mass-revoke-alert")
    expect(brake).to_be_visible()
    expect(brake.get_by_test_id("mass-revoke-detail")).to_contain_text(
        f"This sync would revoke {revoking} of {alert.pms_data['current']} residents' keys"
    )
    expect(page.get_by_test_id("suggestion-count")).to_have_text(str(held))
    _shoot_window(page, "40-brake-alert-desktop")
    page.set_viewport_size(PHONE)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "41-brake-alert-390.png"), full_page=True)
    _shoot_window(page, "41-brake-alert-window-390")
    # The buttons fit the phone's width
    for name in ("Revoke them all", "Keep their keys"):
        box = brake.get_by_role("button", name=name).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # When she presses "Revoke them all": asked first; dismissed, nothing happens
    dialogs.answer_next(accept=False)
    brake.get_by_role("button", name="Revoke them all").click()
    assert dialogs.questions == [
        f"Revoke the keys of all {revoking} residents now? Check the PMS first: this cannot "
        "be undone in one step."
    ]
    assert _live_keys(prop_a) == keys_before
    # Accepted: every held key is revoked in one press, and the alert closes
    dialogs.answer_next(accept=True)
    brake.get_by_role("button", name="Revoke them all").click()
    expect(page.get_by_test_id("alert-flash")).to_have_text(
        f"Revoked {held} keys of {revoking} residents."
    )
    expect(page.get_by_test_id("mass-revoke-alert")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "42-brake-approved-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    _shoot_window(page, "42-brake-approved-desktop")
    assert _live_keys(prop_a) == keys_before - held
    alert.refresh_from_db()
    assert (alert.state, alert.resolution, alert.resolved_by) == ("resolved", "approve", alice)
    assert not AccessSuggestion.objects.filter(
        property=prop_a, state="pending", brake=True
    ).exists()
