"""Automated Access in real Chromium, with a real Celery worker and the PMS simulator.

set-up in code (credential → simulator, integration of one PMS property in Approval
Required, a first sync, units made and mapped, a second sync) → the onboarding backlog
approved → a resident moves in in the PMS → Sync Now → green suggestions → Update
Access → keys from detection + 15 min → they move out → red suggestions → approve →
keys revoked; a grey suggestion discarded with its X → Automatic → the next move-in is
applied by "automation" with nothing to review.
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import httpx
import pytest
from django.utils import dateformat, timezone
from playwright.sync_api import Page, expect

from access.models import AccessSuggestion, Key, KeyGrant
from audit.models import AccessEvent
from integrations.credentials.services import pms_credential_create
from integrations.models import AccessMode, PMSIntegration, PMSRecord, PMSUnit, SyncRun
from integrations.simulator.credentials import demo_fields
from integrations.sync.service import user_sync_execute
from integrations.unit_mapping import units_map_identical_names
from residents.models import Resident, ResidentStatus
from tests.browser.conftest import SCREENSHOTS
from tests.factories.properties import PASSWORD
from units.services import unit_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PMS_PROPERTY = "1001"
SYNC_TIMEOUT = 30_000


def _sync(integration: PMSIntegration) -> None:
    """One sync through the real entry point, in the test's thread (set-up only)."""
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SUPPORT)
    assert user_sync_execute(run_id=run.id).state == SyncRun.State.SUCCEEDED


def _new_future_residents(pms_sim, count: int) -> list[dict]:
    """Future residents added to the PMS, each in an empty unit of its own (the data set
    has too few future residents with an email of their own)."""
    dataset = pms_sim.state.dataset
    lived_in = {r.unit_id for r in dataset.residents.values()}
    empty = sorted(u.id for u in dataset.units_of(PMS_PROPERTY) if u.id not in lived_in)
    soon = (date.today() + timedelta(days=20)).isoformat()
    people = []
    for n, unit_id in enumerate(empty[:count]):
        response = httpx.post(
            f"{pms_sim.url}/_sim/residents",
            json={
                "unit_id": unit_id,
                "lifecycle": "future",
                "first_name": ["Maya", "Noor", "Pablo"][n],
                "last_name": ["Mover", "Nomap", "Prompt"][n],
                "email": f"mover{n}@example.org",
                "lease_start": soon,
                "move_in": soon,
                "lease_end": (date.today() + timedelta(days=385)).isoformat(),
            },
        )
        assert response.status_code == 201, response.text
        people.append(response.json())
    return people


def _patch(pms_sim, sim_id: int, **changes: object) -> None:
    response = httpx.patch(f"{pms_sim.url}/_sim/residents/{sim_id}", json=changes)
    assert response.status_code == 200, response.text


def _doorsync_resident(integration: PMSIntegration, sim_id: int) -> Resident:
    record = PMSRecord.objects.select_related("resident").get(
        integration=integration, external_id=str(sim_id)
    )
    assert record.resident is not None, record.outcome_detail
    return record.resident


def _pending(resident: Resident) -> list[AccessSuggestion]:
    return list(
        AccessSuggestion.objects.filter(
            resident=resident, state=AccessSuggestion.State.PENDING
        ).select_related("key")
    )


def _window_total(prop) -> int:
    from alerts.selectors import alert_count

    return alert_count(property=prop)


def _sync_now(page: Page, integration: PMSIntegration) -> SyncRun:
    """People → Actions → Sync Now; the panel shows the new run's result once it is done."""
    last = SyncRun.objects.filter(integration=integration).order_by("-id").first()
    page.get_by_test_id("people-actions").locator("summary").click()
    page.get_by_role("button", name="Sync Now").click()
    # The panel already shows the previous run's result: wait for this run's own.
    run = SyncRun.objects.filter(integration=integration, id__gt=last.id if last else 0)
    deadline = time.monotonic() + SYNC_TIMEOUT / 1000
    done = (SyncRun.State.SUCCEEDED, SyncRun.State.FAILED)
    while not run.filter(state__in=done).exists():
        assert time.monotonic() < deadline, "Sync Now did not finish"
        time.sleep(0.2)
    new = run.get()
    assert new.state == SyncRun.State.SUCCEEDED, new.error
    details = page.get_by_test_id("sync-result").get_by_role("link", name="Details")
    expect(details).to_have_attribute("href", re.compile(f"/sync-history/{new.id}/$"))
    return new


def _open_alert_window(page: Page) -> None:
    page.get_by_role("button", name=re.compile("^Alerts")).click()
    expect(page.get_by_test_id("alerts-panel")).to_be_visible()


def _shoot_window(page: Page, name: str) -> None:
    """The alert window alone, as the manager sees it (a full-page shot dims it)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#alert-window").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_automated_access_journey(
    page: Page, live_server, login, shoot, dialogs, alice, prop_a, pms_sim, celery_worker_thread
):
    # Given an Entrata integration of Harbor View (1001), User Sync on, Approval Required
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
        access_mode=AccessMode.APPROVAL_REQUIRED,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )
    # Three future residents: one moves in and out, one moves into a PMS unit left
    # unmapped (grey suggestion), one moves in once Automatic is on.
    mover, unmapped_mover, auto_mover = _new_future_residents(pms_sim, 3)
    unmapped_unit = pms_sim.state.dataset.units[unmapped_mover["unit_id"]]

    # And a first sync, then a unit (with its unit key) for every PMS unit but one, mapped
    _sync(integration)
    pms_units = list(PMSUnit.objects.filter(integration=integration).order_by("name"))
    assert len(pms_units) > 50
    for pms_unit in pms_units:
        if pms_unit.name != unmapped_unit.name:
            unit_create(property=prop_a, name=pms_unit.name, actor=None)
    assert units_map_identical_names(integration=integration, actor=None) == len(pms_units) - 1
    _sync(integration)  # assigns the residents of the newly mapped units
    resident = _doorsync_resident(integration, mover["id"])
    assert resident.status == ResidentStatus.FUTURE
    assert (
        resident.unit is not None
        and resident.unit.name == pms_sim.state.dataset.units[mover["unit_id"]].name
    )
    unit_key = Key.objects.get(unit=resident.unit, kind=Key.Kind.UNIT)
    common = list(
        Key.objects.filter(property=prop_a, share_with_current_residents=True).order_by("name")
    )
    assert [k.name for k in common] == ["Resident Amenities", "Resident Entrances"]

    # When alice opens the alert window: the onboarding backlog (every current resident
    # was first seen as a move-in) — she approves all of it
    login("alice", PASSWORD)
    backlog = AccessSuggestion.objects.filter(
        property=prop_a, state=AccessSuggestion.State.PENDING
    ).count()
    expect(page.get_by_test_id("alert-count")).to_have_text(str(_window_total(prop_a)))
    _open_alert_window(page)
    expect(page.get_by_test_id("suggestion-count")).to_have_text(str(backlog))
    _shoot_window(page, "30-aa-onboarding-backlog")
    # It asks first (with or without htmx): dismissed, nothing is applied
    dialogs.answer_next(accept=False)
    page.get_by_test_id("select-all-matching").click()
    expect(page.get_by_test_id("suggestion-count")).to_have_text(str(backlog))
    assert dialogs.questions == [f"Apply all {backlog} suggestions?"]
    assert AccessSuggestion.objects.filter(property=prop_a, state="pending").count() == backlog
    dialogs.answer_next(accept=True)
    page.get_by_test_id("select-all-matching").click()
    expect(page.get_by_test_id("alert-flash")).to_contain_text("Access updated")
    _shoot_window(page, "31-aa-backlog-approved")
    assert not AccessSuggestion.objects.filter(
        property=prop_a, state=AccessSuggestion.State.PENDING
    ).exists()
    page.keyboard.press("Escape")
    page.reload()
    before = _window_total(prop_a)

    # When the PMS moves two future residents in: one into a mapped unit, one not
    today = date.today().isoformat()
    _patch(pms_sim, mover["id"], lifecycle="current", move_in=today)
    _patch(pms_sim, unmapped_mover["id"], lifecycle="current", move_in=today)
    _sync_now(page, integration)

    # Then the alert icon counts the new suggestions, without a reload
    expect(page.get_by_test_id("alert-count")).to_have_text(str(before + 3 + 3))
    shoot("32-aa-sync-after-move-in")
    _open_alert_window(page)
    group = page.get_by_test_id("suggestion-group").filter(has_text=resident.full_name)
    expect(group.get_by_test_id("suggestion")).to_have_count(3)
    for key in (unit_key, *common):
        row = group.get_by_test_id("suggestion").filter(has_text=key.name)
        expect(row).to_have_attribute("data-kind", "grant")
    _shoot_window(page, "33-aa-move-in-suggestions")
    detected_at = _pending(resident)[0].detected_at
    # Access starts 15 minutes after detection, shown in the property's time (New York)
    starts = dateformat.format(
        timezone.localtime(detected_at + timedelta(minutes=15), prop_a.zone), "M j, g:i A"
    )
    expect(group.get_by_test_id("suggestion").filter(has_text=unit_key.name)).to_contain_text(
        f"from {starts}"
    )
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page

    # When she selects Maya's three suggestions and presses Update Access
    for box in group.get_by_role("checkbox").all():
        box.check()
    expect(page.get_by_test_id("selection-count")).to_have_text("3 selected (up to 50).")
    page.get_by_test_id("update-access").click()

    # Then they are applied, and the counts follow without a reload
    expect(page.get_by_test_id("alert-flash")).to_have_text("Access updated: 3 keys granted.")
    expect(page.get_by_test_id("alert-count")).to_have_text(str(before + 3))
    expect(page.get_by_test_id("suggestion-count")).to_have_text("3")
    _shoot_window(page, "34-aa-move-in-approved")
    grants = list(KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True))
    assert {g.key_id for g in grants} == {unit_key.id, *(k.id for k in common)}
    # Access starts 15 minutes after the move-in was detected, as the suggestion said.
    assert {g.starts_at for g in grants} == {detected_at + timedelta(minutes=15)}
    assert {g.source for g in grants} == {KeyGrant.Source.AUTOMATED}
    assert {g.granted_by for g in grants} == {alice}

    # When she discards Noor's grey suggestion with the X shown on hover
    grey = page.get_by_test_id("suggestion").filter(has_text="No change")
    expect(grey).to_contain_text(f"PMS unit Building C {unmapped_unit.name} is not mapped")
    discard = grey.get_by_role("button", name="Discard suggestion")
    expect(discard).to_be_hidden()
    grey.hover()
    expect(discard).to_be_visible()
    _shoot_window(page, "35-aa-discard-on-hover")
    discard.click()

    # Then it is gone and both counts drop, still without a reload
    expect(page.get_by_test_id("alert-flash")).to_have_text("Suggestion discarded.")
    expect(page.get_by_test_id("suggestion").filter(has_text="No change")).to_have_count(0)
    expect(page.get_by_test_id("alert-count")).to_have_text(str(before + 2))
    expect(page.get_by_test_id("suggestion-count")).to_have_text("2")
    assert page.evaluate("window.__sameDocument") is True
    noor = _doorsync_resident(integration, unmapped_mover["id"])
    assert (
        AccessSuggestion.objects.get(resident=noor, kind=AccessSuggestion.Kind.NONE).state
        == AccessSuggestion.State.DISCARDED
    )

    # And Maya's page shows her three keys from detection + 15 minutes, property time
    page.keyboard.press("Escape")
    page.get_by_test_id("people-table").get_by_role("link", name="Mover, Maya").click()
    keys_table = page.get_by_test_id("resident-keys")
    for key in (unit_key, *common):
        expect(keys_table.get_by_role("row").filter(has_text=key.name)).to_contain_text(starts)
    expect(page.get_by_test_id("resident-status")).to_have_text("Current")
    expect(page.get_by_test_id("timeline")).to_contain_text(
        f"Grant suggestion for Maya Mover: “{unit_key.name}” approved"
    )
    shoot("36-aa-resident-keys")

    # When Maya moves out in the PMS
    page.get_by_role("navigation", name="Console").get_by_role("link", name="People").click()
    _patch(pms_sim, mover["id"], lifecycle="past", move_out=today)
    _sync_now(page, integration)

    # Then three red suggestions wait for her, one per key she holds
    expect(page.get_by_test_id("alert-count")).to_have_text(str(before + 2 + 3))
    _open_alert_window(page)
    group = page.get_by_test_id("suggestion-group").filter(has_text=resident.full_name)
    expect(group).to_contain_text("Current → Past")
    expect(group.get_by_test_id("suggestion")).to_have_count(3)
    for key in (unit_key, *common):
        row = group.get_by_test_id("suggestion").filter(has_text=key.name)
        expect(row).to_have_attribute("data-kind", "revoke")
    _shoot_window(page, "37-aa-move-out-suggestions")

    # When she approves them
    for box in group.get_by_role("checkbox").all():
        box.check()
    page.get_by_test_id("update-access").click()

    # Then every key of Maya's is revoked
    expect(page.get_by_test_id("alert-flash")).to_have_text("Access updated: 3 keys revoked.")
    expect(page.get_by_test_id("alert-count")).to_have_text(str(before + 2))
    assert not KeyGrant.objects.filter(resident=resident, revoked_at__isnull=True).exists()
    assert KeyGrant.objects.filter(resident=resident, revoked_by=alice).count() == 3
    page.keyboard.press("Escape")
    page.get_by_test_id("people-table").get_by_role("link", name="Mover, Maya").click()
    expect(page.get_by_test_id("resident-status")).to_have_text("Past")
    expect(page.get_by_test_id("resident-keys")).to_contain_text("No keys.")
    shoot("38-aa-moved-out")

    # When she switches the integration to Automatic (Manage Settings → Automate Access)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Manage Settings").click()
    page.get_by_test_id("manage-tabs").get_by_role("link", name="Automate Access").click()
    expect(page.get_by_label("Operation mode")).to_have_value(AccessMode.APPROVAL_REQUIRED)
    page.get_by_label("Operation mode").select_option(label="Automatic")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Automated Access: Automatic.")).to_be_visible()
    expect(page.get_by_label("Operation mode")).to_have_value(AccessMode.AUTOMATIC)
    shoot("39-aa-automatic")
    integration.refresh_from_db()
    assert integration.access_mode == AccessMode.AUTOMATIC

    # And Pablo moves in in the PMS
    page.get_by_role("navigation", name="Console").get_by_role("link", name="People").click()
    _patch(pms_sim, auto_mover["id"], lifecycle="current", move_in=today)
    run = _sync_now(page, integration)

    # Then his keys are there at once, granted by automation, with nothing to review
    pablo = _doorsync_resident(integration, auto_mover["id"])
    expect(page.get_by_test_id("alert-count")).to_have_text(str(before + 2))
    page.get_by_test_id("people-table").get_by_role("link", name="Prompt, Pablo").click()
    pablo_unit_key = Key.objects.get(unit=pablo.unit, kind=Key.Kind.UNIT)
    keys_table = page.get_by_test_id("resident-keys")
    for key in (pablo_unit_key, *common):
        expect(keys_table.get_by_role("row").filter(has_text=key.name)).to_contain_text("Automated")
    expect(page.get_by_test_id("timeline")).to_contain_text("by automation")
    shoot("40-aa-automatic-move-in")
    assert not AccessSuggestion.objects.filter(resident=pablo).exists()
    events = AccessEvent.objects.filter(resident=pablo, action=AccessEvent.Action.KEY_GRANTED)
    assert {e.actor_label for e in events} == {"automation"}
    assert {e.key_id for e in events} == {pablo_unit_key.id, *(k.id for k in common)}
    grants = KeyGrant.objects.filter(resident=pablo, revoked_at__isnull=True)
    assert grants.count() == 3
    assert {g.starts_at for g in grants} == {
        min(e.created_at for e in events) + timedelta(minutes=15)
    }
    assert run.finished_at is not None
