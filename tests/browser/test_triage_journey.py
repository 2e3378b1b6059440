"""After a first sync the alert window holds 600 suggestions: the manager sees them counted
by category first, takes back the keys of former residents in one click, clears the
no-change rows, reviews the grants a page at a time and approves the rest whole."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from access.automation import suggestion_counts
from access.models import KeyGrant
from tests.alerts.conftest import suggest
from tests.browser.test_automated_access_journey import _shoot_window
from tests.factories.properties import PASSWORD


def test_a_manager_triages_a_600_item_first_sync(
    page: Page, live_server, login, dialogs, alice, prop_a
):
    suggest(prop_a, "grant", "Future → Current", 380)
    suggest(prop_a, "revoke", "Current → Past", 120)
    suggest(prop_a, "none", "Future → Current", 100)
    login("alice", PASSWORD)
    page.goto(f"{live_server.url}/p/{prop_a.id}/people/")

    page.get_by_role("button", name=re.compile("^Alerts")).click()
    triage = page.get_by_test_id("triage")
    categories = triage.get_by_test_id("triage-category")
    # Counted first, red first
    expect(categories).to_have_count(3)
    expect(categories.nth(0)).to_contain_text("120 revokes — Current → Past")
    expect(categories.nth(1)).to_contain_text("380 grants — Future → Current")
    expect(categories.nth(2)).to_contain_text("100 no change — Future → Current")
    _shoot_window(page, "triage-window")

    # 1. Take back the former residents' keys: the count is asked before it is applied
    dialogs.answer_next(accept=True)
    categories.nth(0).get_by_test_id("approve-category").click()
    expect(page.get_by_test_id("alert-flash")).to_contain_text("Access updated")
    assert dialogs.questions[-1] == "Revoke 120 keys (Current → Past) now?"

    # 2. Clear the no-change rows
    dialogs.answer_next(accept=True)
    page.get_by_test_id("triage-category").filter(has_text="no change").get_by_test_id(
        "approve-category"
    ).click()
    expect(page.get_by_test_id("alert-flash")).to_contain_text("100 no-change suggestions cleared")

    # 3. Review the grants: one page selected at once, Update Access
    page.get_by_test_id("triage-category").filter(has_text="grants").get_by_role(
        "link", name="Review"
    ).click()
    expect(page.get_by_test_id("suggestion-narrowed")).to_contain_text("380 from")
    page.get_by_test_id("select-page").check()
    expect(page.get_by_test_id("selection-count")).to_have_text("50 selected (up to 50).")
    page.get_by_test_id("update-access").click()
    expect(page.get_by_test_id("alert-flash")).to_contain_text("50 keys granted")

    # 4. The rest whole, at the count shown
    dialogs.answer_next(accept=True)
    page.get_by_test_id("triage-category").filter(has_text="330 grants").get_by_test_id(
        "approve-category"
    ).click()
    expect(page.get_by_test_id("alert-flash")).to_contain_text("330 keys granted")
    assert suggestion_counts(property=prop_a)["all"] == 0
    assert KeyGrant.objects.filter(revoked_at__isnull=True).count() == 380
    assert KeyGrant.objects.filter(revoked_at__isnull=False).count() == 120
