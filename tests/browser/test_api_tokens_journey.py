"""Manage Settings → API in real Chromium: alice creates a token for an integrator, copies
it (shown once), the integrator calls the API with it, alice revokes it and the next call
is a 401. Screenshots at 1280 and 390 px; nothing scrolls sideways."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.factories.properties import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"""
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        wide,
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"),
    )


def test_api_token_journey(page: Page, live_server, login, shoot, dialogs, alice, prop_a, prop_a2):
    login("alice", PASSWORD)
    page.get_by_role("link", name="API", exact=True).click()
    expect(page.get_by_role("heading", name="API")).to_be_visible()

    form = page.get_by_test_id("api-token-form")
    form.get_by_label("Name").fill("Acme locks integration")
    form.get_by_label("Write").check()
    form.get_by_label("Harborview").check()
    form.get_by_role("button", name="Create token").click()

    created = page.get_by_test_id("api-token-created")
    expect(created).to_be_visible()
    secret = page.get_by_test_id("api-token-secret").input_value()
    assert secret.startswith("ds_")
    page.get_by_test_id("api-token-copy").click()
    expect(page.get_by_test_id("api-token-copy")).not_to_have_text("Copy")
    page.set_viewport_size({"width": 1280, "height": 900})
    shoot("60-api-token-created-1280")
    _no_sideways_scroll(page)
    page.set_viewport_size({"width": 390, "height": 844})
    _no_sideways_scroll(page)
    shoot("61-api-token-created-390")
    page.set_viewport_size({"width": 1400, "height": 900})

    # The integrator's call works for Harborview, and Maple Court does not exist for it
    api = httpx.Client(base_url=live_server.url, headers={"Authorization": f"Bearer {secret}"})
    assert api.get(f"/api/v1/properties/{prop_a.id}/residents/").status_code == 200
    assert api.get(f"/api/v1/properties/{prop_a2.id}/residents/").status_code == 404

    # The secret is not shown again; the token's row says it was used
    page.reload()
    expect(page.get_by_test_id("api-token-created")).to_have_count(0)
    row = page.get_by_test_id("api-token-row").filter(has_text="Acme locks integration")
    expect(row).not_to_contain_text("Never")
    dialogs.answer_next(accept=True)
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_test_id("api-token-revoked")).to_be_visible()
    assert dialogs.questions and "Revoke “Acme locks integration”" in dialogs.questions[0]
    assert api.get(f"/api/v1/properties/{prop_a.id}/residents/").status_code == 401
    page.set_viewport_size({"width": 390, "height": 844})
    _no_sideways_scroll(page)
    shoot("62-api-tokens-revoked-390")
