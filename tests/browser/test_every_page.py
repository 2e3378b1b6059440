"""Every console page on a phone, a tablet and a desktop, checked by the browser and by axe.

Each page of ``PAGES`` is opened in real Chromium at 390, 768 and 1280 px wide with
demo-like data (tests/browser/world.py): the page must not scroll sideways (the
document and the body are no wider than the window) and axe-core finds no serious or
critical accessibility violation. A full-page screenshot of each is saved under
screenshots/every-page/<width>/ to look at.

A new page is one line in ``PAGES``; ``test_every_console_url_is_walked`` fails until a
new console URL is either walked or named in ``NOT_PAGES`` with the reason. Manage
Settings tabs and wizard steps are read from the views, so a new tab is walked at once.

axe-core (static/vendor/axe-core, vendored from npm; see README) is loaded only here, by
URL from the live server's static files: the Content-Security-Policy allows scripts from
'self', so nothing is bypassed — an inline <script> with its text (what Playwright's
add_script_tag(content=…) or (path=…) makes) would be refused like any inline script.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from integrations.views import MANAGE_TABS, WIZARD_STEPS
from tests.browser.conftest import SCREENSHOTS
from tests.browser.world import build_world
from tests.factories.properties import PASSWORD
from tests.properties.test_tenant_isolation import POST_ONLY, property_url_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = "/static/vendor/axe-core/axe.min.js"
WIDTHS = {"phone": 390, "tablet": 768, "desktop": 1280}
# The impacts that fail the walk; "moderate" and "minor" are reported by axe but tolerated.
FAILING_IMPACTS = {"serious", "critical"}


def _open_alert_window(page: Page) -> None:
    page.get_by_role("button", name=re.compile("^Alerts")).click()
    expect(page.get_by_test_id("alerts-panel")).to_be_visible()


def _open_alert_window_at_suggestions(page: Page) -> None:
    _open_alert_window(page)
    page.get_by_test_id("suggestions").scroll_into_view_if_needed()


def _open_nav_menu(page: Page) -> None:
    """On a phone the navigation hides behind its menu button; elsewhere it is shown."""
    button = page.get_by_role("button", name="Menu")
    if button.is_visible():
        button.click()
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()


def _open_details(test_id: str) -> Callable[[Page], None]:
    def _open(page: Page) -> None:
        page.get_by_test_id(test_id).locator("summary").click()

    return _open


@dataclass(frozen=True)
class ConsolePage:
    name: str  # the screenshot's file name and the failure's label
    path: str  # formatted with World.ids(): {p}, {p2}, {resident}, {key}, …
    url_name: str  # the URL it walks (test_every_console_url_is_walked)
    then: Callable[[Page], None] | None = None  # opened after loading: a menu, the window
    anonymous: bool = False


PAGES: list[ConsolePage] = [
    ConsolePage("login", "/accounts/login/", "login", anonymous=True),
    ConsolePage("people", "/p/{p}/people/", "people"),
    ConsolePage("people-nav-open", "/p/{p}/people/", "people", then=_open_nav_menu),
    ConsolePage(
        "people-actions-open", "/p/{p}/people/", "people", then=_open_details("people-actions")
    ),
    ConsolePage(
        "people-switcher-open",
        "/p/{p}/people/",
        "people",
        then=_open_details("property-switcher"),
    ),
    ConsolePage("people-filtered", "/p/{p}/people/?status=current&q=a", "people"),
    ConsolePage("alert-window", "/p/{p}/people/", "alerts", then=_open_alert_window),
    ConsolePage(
        "alert-window-suggestions",
        "/p/{p}/people/",
        "alerts",
        then=_open_alert_window_at_suggestions,
    ),
    ConsolePage("resident-create", "/p/{p}/people/new/", "resident-create"),
    ConsolePage("resident-detail", "/p/{p}/people/{resident}/", "resident-detail"),
    ConsolePage("resident-edit", "/p/{p}/people/{resident}/edit/", "resident-edit"),
    ConsolePage("units", "/p/{p}/access/units/", "units"),
    ConsolePage("units-create", "/p/{p}/access/units/new/", "units-create"),
    ConsolePage("units-import", "/p/{p}/access/units/import/", "units-import"),
    ConsolePage(
        "units-import-preview", "/p/{p}/access/units/import/{import}/", "units-import-preview"
    ),
    ConsolePage("keys", "/p/{p}/access/keys/", "keys"),
    ConsolePage("keys-create", "/p/{p}/access/keys/new/", "keys-create"),
    ConsolePage("key-detail", "/p/{p}/access/keys/{key}/", "keys-edit"),
    ConsolePage("doors", "/p/{p}/access/doors/", "doors"),
    ConsolePage("door-edit", "/p/{p}/access/doors/{door}/", "doors-edit"),
    ConsolePage("integrations", "/p/{p}/settings/integrations/", "integrations"),
    ConsolePage(
        "credential-vendor",
        "/p/{p}/settings/integrations/credentials/new/",
        "integrations-credential-create",
    ),
    ConsolePage(
        "credential-create",
        "/p/{p}/settings/integrations/credentials/new/?vendor=yardi",
        "integrations-credential-create",
    ),
    ConsolePage(
        "credential-edit",
        "/p/{p}/settings/integrations/credentials/{credential}/",
        "integrations-credential-edit",
    ),
    ConsolePage("wizard-start", "/p/{p2}/settings/integrations/setup/", "integrations-setup-start"),
    *[
        ConsolePage(
            f"wizard-{step}", f"/p/{{p2}}/settings/integrations/setup/{step}/", "integrations-setup"
        )
        for step, _ in WIZARD_STEPS
    ],
    ConsolePage(
        "manage-start", "/p/{p}/settings/integrations/manage/", "integrations-manage-start"
    ),
    *[
        ConsolePage(
            f"manage-{tab}", f"/p/{{p}}/settings/integrations/manage/{tab}/", "integrations-manage"
        )
        for tab, _ in MANAGE_TABS
    ],
    ConsolePage(
        "unit-mapping-unmapped",
        "/p/{p}/settings/integrations/manage/unit-mapping/?state=unmapped",
        "integrations-manage",
    ),
    ConsolePage(
        "sync-history-why",
        "/p/{p}/settings/integrations/manage/sync-history/?why=a",
        "integrations-manage",
    ),
    ConsolePage(
        "sync-run",
        "/p/{p}/settings/integrations/manage/sync-history/{run}/",
        "integrations-sync-run",
    ),
    ConsolePage(
        "unit-mapping-suggest",
        "/p/{p}/settings/integrations/unit-mapping/suggest/",
        "integrations-unit-mapping-suggest",
    ),
    ConsolePage(
        "reports-assigned-access",
        "/p/{p}/settings/reports/assigned-access/",
        "report-assigned-access",
    ),
    ConsolePage(
        "reports-admin-actions", "/p/{p}/settings/reports/admin-actions/", "report-admin-actions"
    ),
    ConsolePage("notices-settings", "/p/{p}/settings/notices/", "notices-settings"),
    ConsolePage("api-tokens", "/p/{p}/settings/api/", "api-tokens"),
    ConsolePage("webhooks", "/p/{p}/settings/webhooks/", "webhooks"),
    ConsolePage("webhooks-endpoint", "/p/{p}/settings/webhooks/{endpoint}/", "webhooks-endpoint"),
]

# Property URLs that are not pages, with the reason.
NOT_PAGES = {
    **{name: "POST only: answers with a redirect or a fragment" for name in POST_ONLY},
    "units-import-template": "a CSV download",
    "units-import-errors": "a CSV download",
    "people-sync-status": "an htmx fragment of People (the sync panel), polled",
    "integrations-sync-preview": "an htmx fragment of the wizard's last step (walked there)",
    **{
        name: "JSON API (/api/v1/, its own tests and schemathesis)"
        for name in property_url_names()
        if name.startswith("api-") and name != "api-tokens"
    },
}


def test_every_console_url_is_walked():
    walked = {page.url_name for page in PAGES}
    missing = sorted(set(property_url_names()) - walked - set(NOT_PAGES))
    assert not missing, (
        f"Console URLs no page of PAGES opens: {missing}. Add each to PAGES in "
        "tests/browser/test_every_page.py (or to NOT_PAGES, saying why it is not a page)."
    )


def _axe_violations(page: Page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
            }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(v['nodes'])}"
        for v in result
        if v["impact"] in FAILING_IMPACTS
    ]


def _overflow(page: Page) -> str | None:
    widths = page.evaluate(
        """() => ({
            doc: document.documentElement.scrollWidth,
            body: document.body.scrollWidth,
            window: window.innerWidth,
            widest: [...document.querySelectorAll('body *')]
                .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1
                               && e.getClientRects().length)
                .slice(0, 3)
                .map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                            + ' right=' + Math.round(e.getBoundingClientRect().right)),
        })"""
    )
    if widths["doc"] <= widths["window"] and widths["body"] <= widths["window"]:
        return None
    return (
        f"scrolls sideways: document {widths['doc']} px, body {widths['body']} px, window "
        f"{widths['window']} px; past the edge: {widths['widest']}"
    )


def _small_touch_targets(page: Page) -> list[str]:
    """Controls a finger must hit that are less than 44 px tall (WCAG 2.5.5): buttons,
    fields, menus, tabs and the navigation; a checkbox counts by its label. Links inside
    running text are exempt, as WCAG exempts them."""
    return page.evaluate(
        """() => {
            const controls = document.querySelectorAll(
                'button, .btn, input:not([type=hidden]), select, textarea, summary, '
                + '.sidenav a, .status-tabs a, .menu a, .pagination a, .wizard-steps a, .choice a');
            const small = [];
            for (const el of controls) {
                if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
                if (el.closest('dialog:not([open])')) continue;
                // A checkbox is hit through its label: the one around it or the one naming it.
                const labels = ['checkbox', 'radio'].includes(el.type) ? [...(el.labels || [])] : [];
                const box = [el, ...labels].map((t) => t.getBoundingClientRect())
                    .reduce((a, b) => (b.height > a.height ? b : a));
                if (box.height < 43.5) {
                    small.push(el.tagName.toLowerCase() + ' "' + (el.textContent || el.name || '').trim().slice(0, 30)
                               + '" ' + Math.round(box.height) + 'px');
                }
            }
            return small.slice(0, 8);
        }"""
    )


@pytest.mark.parametrize("screen", list(WIDTHS))
def test_every_page_fits_the_screen_and_passes_axe(
    screen, page: Page, live_server, login, alice, prop_a, prop_a2, pms_sim
):
    world = build_world(prop=prop_a, wizard_prop=prop_a2, pms_sim=pms_sim)
    ids = world.ids()
    page.set_viewport_size({"width": WIDTHS[screen], "height": 844 if screen == "phone" else 900})
    folder = SCREENSHOTS / "every-page" / str(WIDTHS[screen])
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    signed_in = False
    for console_page in sorted(PAGES, key=lambda p: not p.anonymous):
        if not console_page.anonymous and not signed_in:
            login("alice", PASSWORD)
            expect(page.get_by_role("heading", name="People")).to_be_visible()
            signed_in = True
        response = page.goto(live_server.url + console_page.path.format(**ids))
        assert response is not None and response.ok, f"{console_page.name}: {response}"
        if console_page.then:
            console_page.then(page)
        # A page as a whole; an opened menu or window as it covers the screen.
        shot = folder / f"{console_page.name}.png"
        page.screenshot(path=str(shot), full_page=console_page.then is None)
        overflow = _overflow(page)
        if overflow:
            problems.append(f"{console_page.name} ({page.url}): {overflow}")
        if screen != "desktop":
            small = _small_touch_targets(page)
            if small:
                problems.append(f"{console_page.name}: touch targets under 44 px: {small}")
        for violation in _axe_violations(page):
            problems.append(f"{console_page.name}: {violation}")
    assert not problems, f"At {WIDTHS[screen]} px:\n" + "\n".join(problems)
