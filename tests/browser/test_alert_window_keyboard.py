"""The alert window with the keyboard alone, in real Chromium.

Tab to the alert icon → Enter opens the window → Tab to the Grant filter → Enter → Tab
to two green suggestions, Space selects each → Tab to Update Access → Enter: the keys are
granted and the keyboard is on the message saying so → Tab never leaves the window →
Escape closes it and the keyboard is back on the alert icon. Every control reached shows
where the keyboard is (a visible focus outline). At a desktop width and on a phone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from access.models import AccessSuggestion
from tests.browser.conftest import SCREENSHOTS
from tests.browser.world import build_world
from tests.factories.properties import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 150

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {
        tag: el.tagName.toLowerCase(),
        text: (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\\s+/g, ' '),
        type: el.getAttribute('type'),
        testid: el.dataset.testid || '',
        opensWindow: el.hasAttribute('data-opens-alert-window'),
        checked: !!el.checked,
        inWindow: !!el.closest('#alert-window'),
        outline: style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0,
    };
}"""


def focused(page: Page) -> dict[str, Any] | None:
    return page.evaluate(FOCUSED)


def tab_to(page: Page, wanted, *, what: str) -> dict[str, Any]:
    """Press Tab until the focused control is the one wanted; each one passed shows focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if now is None:
            continue
        assert now["outline"] >= 2, f"no visible focus on {now}"
        if wanted(now):
            return now
    raise AssertionError(f"Tab never reached {what}")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_alert_window_works_with_the_keyboard_alone(
    width, page: Page, live_server, login, alice, prop_a, prop_a2, pms_sim
):
    world = build_world(prop=prop_a, wizard_prop=prop_a2, pms_sim=pms_sim)
    page.set_viewport_size({"width": width, "height": 844 if width < 600 else 900})
    login("alice", PASSWORD)
    page.goto(f"{live_server.url}/p/{world.property_id}/people/")
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    pending_grants = AccessSuggestion.objects.filter(
        property=prop_a, state=AccessSuggestion.State.PENDING, kind="grant"
    )
    before = pending_grants.count()
    assert before >= 2

    # Tab from the top of the page to the alert icon, and open the window with Enter
    tab_to(page, lambda f: f["opensWindow"], what="the alert icon")
    page.keyboard.press("Enter")
    window = page.get_by_role("dialog", name="Alerts")
    expect(window).to_be_visible()
    expect(page.get_by_test_id("suggestions")).to_be_visible()
    assert focused(page)["inWindow"]

    # Filter to the green suggestions: the keyboard stays on the filter
    tab_to(page, lambda f: f["text"].startswith("Grant "), what="the Grant filter")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("suggestions").locator(".status-tabs a.active")).to_contain_text(
        "Grant"
    )
    expect(page.locator('[data-testid="suggestion"][data-kind="grant"]').first).to_be_visible()
    assert page.locator('[data-testid="suggestion"]:not([data-kind="grant"])').count() == 0
    now = focused(page)
    assert now and now["inWindow"] and now["text"].startswith("Grant"), now

    # Select two suggestions with Space (passing "Select this page", which would take all)
    for n in range(2):
        box = tab_to(
            page,
            lambda f: f["type"] == "checkbox" and not f["checked"] and f["testid"] != "select-page",
            what=f"suggestion {n + 1}",
        )
        assert box["inWindow"]
        page.keyboard.press("Space")
        assert focused(page)["checked"]
    expect(page.get_by_test_id("selection-count")).to_contain_text("2 selected")
    SCREENSHOTS.mkdir(exist_ok=True)
    window.screenshot(path=str(SCREENSHOTS / f"keyboard-alert-window-{width}.png"))

    # Update Access with Enter: done, and the keyboard is on the message saying so
    tab_to(page, lambda f: f["testid"] == "update-access", what="Update Access")
    page.keyboard.press("Enter")
    flash = page.get_by_test_id("alert-flash")
    expect(flash).to_be_visible()
    expect(flash).to_be_focused()
    assert pending_grants.count() == before - 2

    # Focus is held inside the window: Tab and Shift+Tab go round it, never to the page
    for key in ["Tab"] * 40 + ["Shift+Tab"] * 40:
        page.keyboard.press(key)
        now = focused(page)
        assert now is not None and now["inWindow"], f"{key} left the alert window: {now}"

    # Escape closes it and gives the keyboard back to the alert icon
    page.keyboard.press("Escape")
    expect(window).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("^Alerts"))).to_be_focused()


def test_the_navigation_menu_works_with_the_keyboard_on_a_phone(
    page: Page, live_server, login, alice, prop_a
):
    page.set_viewport_size({"width": 390, "height": 844})
    login("alice", PASSWORD)
    nav = page.get_by_role("navigation", name="Console")
    menu = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")

    tab_to(page, lambda f: f["text"] == "Menu", what="the Menu button")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    # The keyboard is in the menu, on its first entry; Escape folds it back
    expect(nav.get_by_role("link", name="People")).to_be_focused()
    expect(nav.get_by_role("link", name="People")).to_have_attribute("aria-current", "page")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()

    # Open again and go to Keys with the keyboard
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["text"] == "Keys", what="Keys")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Keys")).to_be_visible()
    expect(nav).to_be_hidden()
    # Log out is in the menu on a phone; tabbing on past it folds the menu
    menu.focus()
    page.keyboard.press("Enter")
    tab_to(page, lambda f: f["text"] == "Log out", what="Log out")
    expect(nav.get_by_role("button", name="Log out")).to_be_focused()
    page.keyboard.press("Tab")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
