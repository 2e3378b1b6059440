"""A manager opens Manage Settings → Reports, filters Assigned Access by a resident typed
without accents, switches to Admin Actions and exports it as CSV."""

from __future__ import annotations

import csv
import io

from playwright.sync_api import Page, expect

from access.services import key_grant
from residents.models import ResidentStatus
from tests.factories import KeyFactory, ResidentFactory
from tests.factories.properties import PASSWORD


def test_a_manager_filters_and_exports_the_reports(
    page: Page, live_server, login, alice, prop_a, shoot
):
    lobby = KeyFactory(property=prop_a, name="Lobby")
    jose = ResidentFactory(
        property=prop_a, first_name="José", last_name="García", status=ResidentStatus.CURRENT
    )
    ann = ResidentFactory(
        property=prop_a, first_name="Ann", last_name="Ames", status=ResidentStatus.CURRENT
    )
    key_grant(key=lobby, resident=jose, actor=alice, reason="Asked at the desk")
    key_grant(key=lobby, resident=ann, actor=None, reason="Lease is current")
    login("alice", PASSWORD)
    page.goto(f"{live_server.url}/p/{prop_a.id}/people/")

    page.get_by_role("link", name="Reports").click()
    table = page.get_by_test_id("report-table")
    expect(table).to_contain_text("José García")
    expect(table).to_contain_text("Ann Ames")

    page.get_by_label("Resident").fill("garcia")
    page.get_by_role("button", name="Filter").click()
    expect(table).to_contain_text("José García")
    expect(table).not_to_contain_text("Ann Ames")
    expect(table).to_contain_text("Manual")
    shoot("reports-assigned-access")

    page.get_by_test_id("report-tabs").get_by_role("link", name="Admin Actions").click()
    expect(page.get_by_test_id("report-table")).to_contain_text("Asked at the desk")
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    rows = list(csv.reader(io.StringIO(info.value.path().read_text(encoding="utf-8"))))
    assert rows[0] == ["When", "Who", "How", "Action", "Resident", "Key", "What", "Why"]
    assert {row[4] for row in rows[1:]} >= {"José García", "Ann Ames"}
    shoot("reports-admin-actions")
