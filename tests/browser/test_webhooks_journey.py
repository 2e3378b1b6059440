"""Webhooks in real Chromium, with a real Celery worker and a local receiver.

alice (portfolio manager) adds an endpoint in Manage Settings → Webhooks, copies the
secret shown once, presses Send test event and sees it delivered in the log; then she
approves a move-in's suggestions in the alert window, and the receiver gets the signed
access.granted events — checked with an independent verifier (standard library hmac).
Screenshots at 1280 and 390 px; no page scrolls sideways at 390.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import Page, expect

from access.automation import DetectedTransition, transitions_suggest
from access.models import Key, KeyGrant
from access.policy import PMSTransition
from residents.models import ResidentStatus
from tests.browser.conftest import SCREENSHOTS
from tests.factories import ResidentFactory
from tests.factories.properties import PASSWORD
from tests.webhooks.receiver import start_receiver
from tests.webhooks.verify import verify
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
WAIT = 20_000


@pytest.fixture
def receiver():
    r = start_receiver()
    yield r
    r.stop()


def _no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _shoot_both(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    for label, size in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
        if label == "390":
            assert _no_sideways_scroll(page), f"{name} scrolls sideways at 390 px"
    page.set_viewport_size(DESKTOP)


def test_a_manager_adds_an_endpoint_and_an_approval_reaches_it_signed(
    page: Page, live_server, login, alice, prop_a, unit_a, receiver, celery_worker_thread
):
    # Given a move-in into 12B waiting for approval (unit key + common-area keys)
    resident = ResidentFactory(property=prop_a, unit=unit_a, status=ResidentStatus.CURRENT)
    with transaction.atomic():
        transitions_suggest(
            property=prop_a,
            detected=[
                DetectedTransition(
                    resident=resident,
                    transition=PMSTransition("future", "current", None, unit_a.id),
                    transition_key=f"R{resident.id}|future>current",
                )
            ],
            now=timezone.now(),
        )
    page.set_viewport_size(DESKTOP)
    login("alice", PASSWORD)

    # When alice adds an endpoint for key grants and revokes
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_test_id("webhooks-empty")).to_be_visible()
    _shoot_both(page, "60-webhooks-empty")
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("Resident app")
    page.get_by_label(re.compile(r"access\.granted —")).check()
    page.get_by_label(re.compile(r"access\.revoked —")).check()
    page.get_by_label(re.compile(r"sync\.failed —")).check()
    page.get_by_role("button", name="Add endpoint").click()

    # Then the secret is shown, once
    secret = page.get_by_test_id("webhook-secret").inner_text()
    assert secret.startswith("whsec_")
    _shoot_both(page, "61-webhooks-secret")
    page.get_by_role("link", name="Open the endpoint").click()
    assert secret not in page.content()

    # When she sends a test event, it is delivered and logged
    page.get_by_role("button", name="Send test event").click()
    assert receiver.arrived.wait(WAIT / 1000), "the test event never arrived"
    test_request = receiver.requests[0]
    assert json.loads(test_request.body)["type"] == "webhook.test"
    now = int(timezone.now().timestamp())
    assert verify(secret=secret, headers=test_request.headers, body=test_request.body, now=now)
    page.reload()
    row = page.get_by_test_id("webhook-delivery").first
    expect(row).to_contain_text("webhook.test")
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("200")
    expect(row).to_contain_text(" ms")
    _shoot_both(page, "62-webhooks-delivery-log")

    # When she approves the move-in's suggestions in the alert window
    receiver.arrived.clear()
    page.get_by_role("button", name=re.compile("^Alerts")).click()
    expect(page.get_by_test_id("alerts-panel")).to_be_visible()
    group = page.get_by_test_id("suggestion-group").filter(has_text=resident.full_name)
    for box in group.get_by_role("checkbox").all():
        box.check()
    page.get_by_test_id("update-access").click()
    expect(page.get_by_test_id("alert-flash")).to_contain_text("Access updated")

    # Then the receiver gets one signed access.granted per key, naming the grant
    grants = {g.id: g for g in KeyGrant.objects.filter(resident=resident)}
    assert (
        len(grants)
        == Key.objects.filter(property=prop_a)
        .exclude(unit__isnull=False)
        .filter(share_with_current_residents=True)
        .count()
        + 1
    )

    def granted() -> list:
        return [r for r in receiver.requests if json.loads(r.body)["type"] == "access.granted"]

    for _ in range(100):
        if len(granted()) == len(grants):
            break
        receiver.arrived.wait(0.2)
        receiver.arrived.clear()
    assert len(granted()) == len(grants)
    now = int(timezone.now().timestamp())
    for request in granted():
        assert verify(secret=secret, headers=request.headers, body=request.body, now=now)
        data = json.loads(request.body)["data"]
        grant = grants[data["grant_id"]]
        assert (data["resident_id"], data["key_id"], data["property_id"]) == (
            resident.id,
            grant.key_id,
            prop_a.id,
        )
    # (the worker records each answer just after the receiver has it)
    for _ in range(100):
        if WebhookDelivery.objects.filter(state="succeeded").count() == len(grants) + 1:
            break
        receiver.arrived.wait(0.1)
    assert WebhookDelivery.objects.filter(state="succeeded").count() == len(grants) + 1

    # And Replay sends the test event again under the same webhook-id
    page.keyboard.press("Escape")
    page.reload()
    page.get_by_test_id("webhook-delivery").filter(has_text="webhook.test").get_by_role(
        "button", name="Replay"
    ).click()
    expect(page.get_by_test_id("replay-mark")).to_have_count(1)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_test_id("webhook-endpoint")).to_contain_text("Resident app")
    _shoot_both(page, "63-webhooks-list")
