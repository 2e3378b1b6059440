"""The foundation's manager journey, in real Chromium against a live server.

log in → switch property → add units by CSV → create a key → add a resident →
make them Current → their keys are shown → make them Past → keys revoked.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from access.models import KeyGrant
from residents.models import Resident, ResidentStatus
from tests.factories.properties import PASSWORD


def nav(page: Page, name: str) -> None:
    """Click an entry of the side navigation (People; Access → Units, Keys, Doors)."""
    page.get_by_role("navigation", name="Console").get_by_role(
        "link", name=name, exact=True
    ).click()


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_journey(
    page: Page, live_server, login, shoot, dialogs, alice, prop_a, prop_a2, tmp_path
):
    # Given alice manages two properties
    login("alice", PASSWORD)
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    shoot("01-people-empty")

    # When she switches to Maple Court with the property switcher
    page.get_by_test_id("property-switcher").locator("summary").click()
    page.get_by_role("link", name="Maple Court").click()
    expect(page.get_by_test_id("property-switcher")).to_contain_text("Maple Court")
    assert f"/p/{prop_a2.id}/people/" in page.url

    # And adds units from a CSV (Access → Units → Actions → Add Unit)
    nav(page, "Units")
    page.get_by_test_id("units-actions").locator("summary").click()
    page.get_by_role("link", name="Add Unit").click()
    # A file with a bad row is refused whole, the problem named, the page still readable
    bad_file = tmp_path / "bad.csv"
    bad_file.write_text(f"name,building,floor\n101,A,1\n{'X' * 300},A,1\n")
    page.get_by_label("CSV file").set_input_files(str(bad_file))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("longer than 100 characters")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot("02a-units-import-errors")
    page.get_by_role("link", name="Upload a corrected file").click()
    csv_file = tmp_path / "units.csv"
    csv_file.write_text("name,building,floor\n101,A,1\n102,A,1\n201,A,2\n")
    page.get_by_label("CSV file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_test_id("import-preview")).to_contain_text("201")
    shoot("02-units-import-preview")
    page.get_by_test_id("confirm-import").click()
    expect(page.get_by_text("3 units imported")).to_be_visible()
    expect(page.get_by_test_id("units-table")).to_contain_text("Vacant")
    shoot("03-units-list")

    # And creates a key for the gym
    nav(page, "Doors")
    page.get_by_label("Name").fill("Gym door")
    page.get_by_role("button", name="Add door").click()
    expect(page.get_by_test_id("doors-table")).to_contain_text("Gym door")
    nav(page, "Keys")
    page.get_by_role("link", name="Create Key").click()
    page.get_by_label("Name").fill("Gym")
    page.get_by_label("Gym door").check()
    page.get_by_label("Shareable").check()
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_test_id("keys-table")).to_contain_text("Gym")
    shoot("04-keys")

    # And adds a resident in unit 101
    nav(page, "People")
    page.get_by_test_id("people-actions").locator("summary").click()
    page.get_by_role("link", name="Add Resident").click()
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_label("Email").fill("  Dana.Reyes@Example.com ")
    page.get_by_label("Phone").fill("(617) 555-0142")
    page.get_by_label("Unit").select_option(label="A 101")
    page.get_by_role("button", name="Add resident").click()
    expect(page.get_by_test_id("resident-status")).to_have_text("Future")
    expect(page.get_by_test_id("resident-keys")).to_contain_text("No keys")

    # When she makes Dana Current
    status_form = page.get_by_test_id("status-form")
    status_form.get_by_label("New status").select_option("current")
    status_form.get_by_role("button", name="Change status").click()

    # Then Dana's unit key and the common-area keys are shown
    expect(page.get_by_test_id("resident-status")).to_have_text("Current")
    keys = page.get_by_test_id("resident-keys")
    expect(keys).to_contain_text("Unit A 101")
    expect(keys).to_contain_text("Resident Entrances")
    expect(keys).to_contain_text("Resident Amenities")
    expect(page.get_by_test_id("timeline")).to_contain_text("Future → Current")
    shoot("05-resident-current")
    dana = Resident.objects.get(email="dana.reyes@example.com")
    assert dana.phone == "+16175550142"
    assert KeyGrant.objects.filter(resident=dana, revoked_at__isnull=True).count() == 3

    # When she makes Dana Past
    status_form.get_by_label("New status").select_option("past")
    status_form.get_by_label("Reason").fill("Moved out")
    # It asks first, naming what goes: dismissed, nothing changes
    dialogs.answer_next(accept=False)
    status_form.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("resident-status")).to_have_text("Current")
    assert dialogs.questions == [
        "Revoke all 3 of Dana's keys now? Their doors stop opening for them at once."
    ]
    assert KeyGrant.objects.filter(resident=dana, revoked_at__isnull=True).count() == 3
    dialogs.answer_next(accept=True)
    status_form.get_by_role("button", name="Change status").click()

    # Then every key is revoked and the timeline says so
    expect(page.get_by_test_id("resident-status")).to_have_text("Past")
    expect(page.get_by_test_id("resident-keys")).to_contain_text("No keys")
    expect(page.get_by_test_id("timeline")).to_contain_text(re.compile("revoked from Dana Reyes"))
    shoot("06-resident-past")
    dana.refresh_from_db()
    assert dana.status == ResidentStatus.PAST
    assert not KeyGrant.objects.filter(resident=dana, revoked_at__isnull=True).exists()

    # And the People list shows her as Past
    nav(page, "People")
    expect(page.get_by_test_id("people-table")).to_contain_text("Reyes, Dana")
    shoot("07-people-list")


def test_wrong_password_is_refused_with_a_message(page: Page, live_server, login, alice):
    login("alice", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("do not match")
