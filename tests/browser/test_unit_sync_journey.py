"""Unit Sync in real Chromium, with a real Celery worker and the PMS simulator.

set-up done (credential + integration) → first Sync Now → Manage Settings → Unit Mapping
lists the PMS units → Suggest matches → save → Sync Now → residents in their units →
Edit → Remove Mapping → the PMS moves a resident into that PMS unit → Sync Now → the
move does not flow: the resident keeps their unit.
"""

from __future__ import annotations

import re

import httpx
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from common.text import plural
from integrations.credentials.services import pms_credential_create
from integrations.models import PMSIntegration, PMSRecord, PMSUnit, SyncRun
from integrations.pms.types import Lifecycle, ResidentRole
from integrations.simulator.credentials import demo_fields
from residents.models import Resident, ResidentStatus
from tests.factories.properties import PASSWORD
from units.models import Unit
from units.services import units_bulk_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VENDOR = "entrata"
PMS_PROPERTY = "1001"


# Whether the element itself is what a click at its centre lands on.
HIT_TEST = """el => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return el === hit || el.contains(hit);
}"""


def sync_now(page: Page) -> None:
    """People → Actions → Sync Now, then wait for *this* run's result (not the last one's)."""
    page.get_by_role("navigation", name="Console").get_by_role("link", name="People").click()
    last_id = SyncRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
    page.get_by_test_id("people-actions").locator("summary").click()
    page.get_by_role("button", name="Sync Now").click()
    run = None
    for _ in range(300):
        # Only a run started by this click: one query, so a run created meanwhile is not
        # mistaken for the previous one.
        run = SyncRun.objects.filter(id__gt=last_id).order_by("id").first()
        if run is not None and run.finished_at is not None:
            break
        page.wait_for_timeout(100)
    assert run is not None and run.state == SyncRun.State.SUCCEEDED, run and run.error
    page.reload()
    expect(page.get_by_test_id("sync-result")).to_contain_text("Last sync finished")
    expect(
        page.get_by_test_id("sync-result").get_by_role("link", name="Details")
    ).to_have_attribute("href", re.compile(f"/sync-history/{run.id}/$"))


def open_unit_mapping(page: Page) -> None:
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Manage Settings").click()
    page.get_by_test_id("manage-tabs").get_by_role("link", name="Unit Mapping").click()
    expect(page.get_by_role("heading", name="Unit Mapping")).to_be_visible()


def test_unit_mapping_and_unit_sync(
    page: Page, live_server, login, shoot, dialogs, alice, prop_a, pms_sim, celery_worker_thread
):
    # Given ePMS set up for Harborview against the simulator's Entrata
    credential = pms_credential_create(
        organization=prop_a.organization,
        vendor=VENDOR,
        label="Entrata (simulator)",
        values=demo_fields(VENDOR),
        endpoint_override=pms_sim.vendor_url(VENDOR),
    )
    PMSIntegration.objects.create(
        property=prop_a,
        credential=credential,
        pms_property_ids=[PMS_PROPERTY],
        pms_property_names={PMS_PROPERTY: "Harbor View Apartments"},
        user_sync_enabled=True,
        setup_step=PMSIntegration.SetupStep.DONE,
        setup_completed_at=timezone.now(),
    )
    # And units already in DOOR for the PMS units that house someone, named as the PMS
    # names them ("A-101" of building A; Entrata calls the building "Building A")
    sim_units = pms_sim.state.dataset.units_of(PMS_PROPERTY)
    housed = {r.unit_id for r in pms_sim.state.dataset.residents_of(PMS_PROPERTY)}
    ours = [u for u in sim_units if u.id in housed]
    units_bulk_create(property=prop_a, rows=[(u.name, u.building, str(u.floor)) for u in ours])
    login("alice", PASSWORD)

    # When alice runs the first sync
    sync_now(page)
    created = Resident.objects.filter(property=prop_a).count()
    assert created > 5
    # Then nobody has a unit yet: no PMS unit is mapped
    assert not Resident.objects.filter(property=prop_a, unit__isnull=False).exists()
    assert PMSUnit.objects.count() == len(sim_units)

    # When she opens Manage Settings → Unit Mapping, it lists the simulator's units
    open_unit_mapping(page)
    first = sorted(sim_units, key=lambda u: (u.building, len(u.name), u.name))[0]
    table = page.get_by_test_id("unit-mapping")
    expect(table).to_contain_text(f"Building {first.building} {first.name}")
    expect(page.get_by_role("link", name=re.compile("Unmapped"))).to_contain_text(
        str(len(sim_units))
    )
    shoot("20-unit-mapping-unmapped")

    # When she asks for suggested matches and saves them
    page.get_by_role("link", name="Suggest matches").click()
    suggestions = page.get_by_test_id("unit-mapping-suggestions")
    expect(suggestions.locator("tbody tr")).to_have_count(len(ours))
    shoot("21-suggested-matches")
    suggestions.get_by_role("button", name=f"Save {len(ours)} mappings").click()
    expect(page.get_by_text(f"{plural(len(ours), 'suggested mapping')} saved.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Mapped"))).to_contain_text(str(len(ours)))
    shoot("22-unit-mapping-after-suggestions")
    mapped = dict(
        PMSUnit.objects.filter(unit__isnull=False).values_list("external_id", "unit__name")
    )
    assert mapped == {str(u.id): u.name for u in ours}

    # When she syncs again
    sync_now(page)

    # Then the residents of each mapped PMS unit are in its unit
    synced = list(
        PMSRecord.objects.filter(integration__property=prop_a, resident__isnull=False)
        .select_related("resident__unit")
        .order_by("external_id")
    )
    assert synced
    for record in synced:
        assert record.resident.unit is not None, record.external_id
        assert record.resident.unit.name == mapped[record.pms_unit_id], record.external_id
    # And the People page shows it
    shown = next(r.resident for r in synced if r.resident.status == ResidentStatus.CURRENT)
    page.get_by_label("Search").fill(shown.email)
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_test_id("people-table").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(str(shown.unit))
    page.goto(page.url.split("?")[0])
    shoot("23-people-with-units")

    # Given two current residents in different units: one to stay, one the PMS will move
    current = [
        r
        for r in synced
        if r.resident.status == ResidentStatus.CURRENT and r.lifecycle == Lifecycle.CURRENT.value
    ]
    stayer = current[0]
    # The mover holds the lease: Entrata lists a lease's unit, so the holder's unit moves
    # the whole lease (for Entrata the record id is the simulator's resident id)
    dataset = pms_sim.state.dataset
    mover = next(
        r
        for r in current
        if r.pms_unit_id != stayer.pms_unit_id
        and dataset.residents[int(r.external_id)].role is ResidentRole.PRIMARY
    )
    removed_unit = stayer.resident.unit
    removed = PMSUnit.objects.get(external_id=stayer.pms_unit_id)

    # When alice removes the mapping of the stayer's PMS unit: Edit → Remove Mapping
    open_unit_mapping(page)
    page.get_by_label("Search PMS units").fill(removed.name)
    page.get_by_role("button", name="Search").click()
    mapping_row = page.locator(f'tr[data-pms-unit="{removed.label}"]')
    expect(mapping_row).to_contain_text(str(removed_unit))
    mapping_row.get_by_text("Edit").click()
    # A person can click it: nothing (the table's edge, say) cuts the menu off
    remove_button = mapping_row.get_by_role("button", name="Remove Mapping")
    assert remove_button.evaluate(HIT_TEST), "Remove Mapping is hidden under something else"
    shoot("24-edit-remove-mapping")
    # She is asked first, naming both sides; dismissing keeps the mapping
    dialogs.answer_next(accept=False)
    remove_button.click()
    assert dialogs.questions == [
        f"Remove the mapping of PMS unit {removed.label} to {removed_unit}? Its residents "
        "keep their unit; new PMS changes for it stop flowing."
    ]
    removed.refresh_from_db()
    assert removed.unit == removed_unit
    dialogs.answer_next(accept=True)
    mapping_row.get_by_role("button", name="Remove Mapping").click()
    expect(page.get_by_text(f"Mapping removed for PMS unit {removed.label}")).to_be_visible()
    unmapped_input = page.locator(f'tr[data-pms-unit="{removed.label}"]').get_by_role("combobox")
    expect(unmapped_input).to_be_visible()
    expect(unmapped_input).to_have_value("")
    shoot("25-mapping-removed")
    removed.refresh_from_db()
    assert removed.unit is None

    # And the PMS moves the mover into that PMS unit
    response = httpx.patch(
        f"{pms_sim.url}/_sim/residents/{mover.external_id}",
        json={"unit_id": int(removed.external_id)},
    )
    assert response.status_code == 200, response.text
    mover_unit = mover.resident.unit
    sync_now(page)

    # Then the move does not flow: the mover keeps their unit; the stayer keeps theirs
    mover.resident.refresh_from_db()
    stayer.resident.refresh_from_db()
    assert mover.resident.unit == mover_unit
    assert stayer.resident.unit == removed_unit
    mover.refresh_from_db()
    assert mover.pms_unit_id == removed.external_id
    assert f"PMS unit {removed.label} is not mapped" in mover.outcome_detail
    page.get_by_label("Search").fill(mover.resident.email)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("people-table").locator("tbody tr")).to_contain_text(str(mover_unit))
    shoot("26-people-after-pms-move-to-unmapped-unit")

    # And "Why isn't this resident syncing?" says why
    page.goto(f"{live_server.url}/p/{prop_a.id}/settings/integrations/manage/sync-history/")
    page.get_by_label("Email or name").fill(mover.email)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_test_id("why-lookup")).to_contain_text(
        f"PMS unit {removed.label} is not mapped"
    )
    shoot("27-why-lookup-unmapped-unit")
    assert Unit.objects.filter(property=prop_a).count() == len(ours)
