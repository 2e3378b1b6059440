"""A manager turns off the daily digest from Manage Settings → Email notices. (The page at
390 px is checked with every console page in the responsive walk.)"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from notices.models import NoticeKind, NoticeOptOut
from tests.factories.properties import PASSWORD


def test_a_manager_turns_off_the_daily_digest(page: Page, live_server, login, alice, prop_a, shoot):
    login("alice", PASSWORD)
    page.goto(f"{live_server.url}/p/{prop_a.id}/people/")

    page.get_by_role("link", name="Email notices").click()
    form = page.get_by_test_id("notice-settings")
    expect(form).to_contain_text("alice@example.com")
    digest = form.get_by_label("Daily digest of access suggestions waiting")
    expect(digest).to_be_checked()
    shoot("notice-settings-desktop")

    digest.uncheck()
    form.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Your email notice choices are saved.")
    expect(
        page.get_by_test_id("notice-settings").get_by_label(
            "Daily digest of access suggestions waiting"
        )
    ).not_to_be_checked()
    assert list(NoticeOptOut.objects.filter(user=alice).values_list("kind", flat=True)) == [
        NoticeKind.SUGGESTION_DIGEST
    ]
