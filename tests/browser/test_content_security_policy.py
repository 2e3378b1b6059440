"""The console and admin work under the Content-Security-Policy, in real Chromium.

Every console page that answers a GET is loaded (the same walk of the URL resolver as the
tenant-isolation test), then admin's; Chromium reports each refused script, style or
connection as a `securitypolicyviolation` event and a console error, and there must be
none. htmx itself is exercised: the alert window opens and loads its content, and Sync
Now's menu closes after its htmx request — both used inline handlers before.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from integrations.models import PMSIntegration
from tests.factories.properties import PASSWORD
from tests.properties.test_tenant_isolation import (
    POST_ONLY,
    objects_of,
    property_url_names,
    url_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watch:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on(
            "console",
            lambda msg: (
                self.console.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status < 500, url
        assert "content-security-policy" in response.headers, url
        self.assert_clean(url)

    def assert_clean(self, where: str) -> None:
        violations = self.page.evaluate("window.__csp || []")
        assert violations == [], f"{where}: {violations}"
        assert self.console == [], f"{where}: {self.console}"


def test_console_and_admin_pages_load_with_no_csp_violation(
    page: Page, live_server, login, alice, prop_a, unit_a, support
):
    ids = objects_of(prop_a, unit_a, alice)
    watch = Watch(page)
    watch.visit(f"{live_server.url}/accounts/login/")
    login("alice", PASSWORD)
    expect(page.get_by_role("heading", name="People")).to_be_visible()

    visited = 0
    for name in property_url_names():
        if name in POST_ONLY:
            continue
        url = url_for(name, ids)
        if url.endswith(".csv"):
            continue  # a download, not a page
        watch.visit(live_server.url + url)
        visited += 1
    assert visited >= 25

    # htmx under the policy: the alert icon opens the window and htmx fills it.
    watch.visit(f"{live_server.url}/p/{prop_a.id}/people/")
    page.get_by_role("button", name="Alerts").click()
    expect(page.locator("#alert-window")).to_be_visible()
    expect(page.locator("#alert-window-body")).not_to_contain_text("Loading…")
    watch.assert_clean("alert window")

    # Admin, as support.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("support")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Site administration")).to_be_visible()
    for path in [
        "/admin/",
        "/admin/integrations/pmscredential/",
        f"/admin/integrations/pmscredential/{ids['credential_id']}/change/",
        "/admin/integrations/pmsintegration/",
        "/admin/residents/resident/",
        f"/admin/residents/resident/{ids['resident_id']}/change/",
        "/admin/auth/user/add/",
    ]:
        watch.visit(live_server.url + path)


def test_sync_now_menu_closes_after_its_htmx_request(
    page: Page, live_server, login, alice, prop_a, unit_a, monkeypatch
):
    from integrations.tasks import user_sync_task

    monkeypatch.setattr(user_sync_task, "delay", lambda run_id: None)  # no worker here
    ids = objects_of(prop_a, unit_a, alice)
    PMSIntegration.objects.filter(id=PMSIntegration.objects.get(property=prop_a).id).update(
        user_sync_enabled=True
    )
    assert ids["property_id"] == prop_a.id
    watch = Watch(page)
    login("alice", PASSWORD)
    watch.visit(f"{live_server.url}/p/{prop_a.id}/people/")
    actions = page.get_by_test_id("people-actions")
    actions.locator("summary").click()
    expect(actions).to_have_attribute("open", "")
    with page.expect_response(lambda r: r.url.endswith("/people/sync-now/")) as sent:
        page.get_by_role("button", name="Sync Now").click()
    assert sent.value.status == 200
    expect(page.get_by_test_id("sync-panel")).to_be_visible()
    expect(actions).not_to_have_attribute("open", "")
    watch.assert_clean("Sync Now")
