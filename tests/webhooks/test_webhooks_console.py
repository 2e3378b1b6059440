"""Manage Settings → Webhooks: add an endpoint (secret shown once), the delivery log,
Send test event, Replay, disable/enable, delete — for portfolio managers only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from webhooks.emit import WebhookEvent, messages_deliveries_create
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookMessage

pytestmark = pytest.mark.django_db


def page_url(prop) -> str:
    return reverse("webhooks", args=[prop.id])


def test_adding_an_endpoint_shows_the_secret_once(alice_client, prop_a, prop_a2, org_a):
    response = alice_client.post(
        page_url(prop_a),
        {
            "url": " https://crm.example.com/doorsync ",
            "description": "CRM",
            "events": ["access.granted", "access.revoked"],
            "properties": [prop_a2.id],
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    endpoint = WebhookEndpoint.objects.get(organization=org_a)
    assert endpoint.url == "https://crm.example.com/doorsync"
    assert endpoint.events == ["access.granted", "access.revoked"]
    assert list(endpoint.properties.all()) == [prop_a2]
    secret = body.split('data-testid="webhook-secret">')[1].split("<")[0]
    assert secret.startswith("whsec_")
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )

    # Never again: not on the list, not on the endpoint's page
    listing = alice_client.get(page_url(prop_a)).content.decode()
    detail = alice_client.get(reverse("webhooks-endpoint", args=[prop_a.id, endpoint.id]))
    assert "crm.example.com" in listing
    assert secret not in listing and secret not in detail.content.decode()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL"),
        ("ftp://x.example.com/", "Use a full URL starting with https://."),
        ("https://10.0.0.5/hook", "10.0.0.5 is a private or reserved address"),
        ("https://[::1]:9000/hook", "is a private or reserved address"),
        ("https://169.254.169.254/latest", "private or reserved"),
        ("https://user:pw@example.com/", "Leave the user name and password out"),
    ],
)
def test_bad_urls_are_refused_saying_why(alice_client, prop_a, url, message):
    response = alice_client.post(page_url(prop_a), {"url": url, "events": ["sync.failed"]})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_http_is_refused_in_production(alice_client, prop_a, settings):
    settings.DEBUG = False
    response = alice_client.post(
        page_url(prop_a), {"url": "http://crm.example.com/", "events": ["sync.failed"]}
    )
    assert "Use an https:// URL" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_no_events_chosen_is_refused(alice_client, prop_a):
    response = alice_client.post(page_url(prop_a), {"url": "https://crm.example.com/"})
    assert "Choose at least one event" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_another_organizations_property_cannot_be_chosen(alice_client, prop_a, prop_b):
    response = alice_client.post(
        page_url(prop_a),
        {"url": "https://crm.example.com/", "events": ["sync.failed"], "properties": [prop_b.id]},
    )
    assert "is not one of the available choices" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_property_scoped_manager_is_told_who_manages_webhooks(carol, prop_a, hook):
    from django.test import Client

    client = Client()
    client.force_login(carol)
    response = client.get(page_url(prop_a))
    assert response.status_code == 200
    assert 'data-testid="webhooks-not-managed"' in response.content.decode()
    assert hook.endpoint.url not in response.content.decode()
    assert client.post(page_url(prop_a), {"url": "https://x.example.com/"}).status_code == 200
    assert WebhookEndpoint.objects.count() == 1
    detail = reverse("webhooks-endpoint", args=[prop_a.id, hook.endpoint.id])
    assert client.get(detail).status_code == 404


def test_send_test_event_replay_and_the_log(
    alice_client, prop_a, hook, enqueued, django_capture_on_commit_callbacks
):
    endpoint = hook.endpoint
    detail = reverse("webhooks-endpoint", args=[prop_a.id, endpoint.id])
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("webhooks-endpoint-test", args=[prop_a.id, endpoint.id])
        )
    assert response.status_code == 302
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.message.event_type == "webhook.test"
    assert enqueued == [delivery.id]

    # The log shows it, with its state, status, latency and what the receiver said
    WebhookDelivery.objects.filter(id=delivery.id).update(
        state="failed",
        attempts=8,
        last_status_code=500,
        last_latency_ms=42,
        last_response="boom <b>",
    )
    page = alice_client.get(detail).content.decode()
    assert delivery.message.msg_id in page
    assert "42 ms" in page and "500" in page and "boom &lt;b&gt;" in page

    # Replay: the same message again, a delivery of its own
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            reverse("webhooks-delivery-replay", args=[prop_a.id, endpoint.id, delivery.id])
        )
    replay = WebhookDelivery.objects.exclude(id=delivery.id).get()
    assert (replay.message_id, replay.replay_of_id, replay.state) == (
        delivery.message_id,
        delivery.id,
        "pending",
    )
    assert enqueued == [delivery.id, replay.id]


def test_disable_enable_and_delete(alice_client, prop_a, hook, enqueued):
    endpoint = hook.endpoint
    toggle = reverse("webhooks-endpoint-toggle", args=[prop_a.id, endpoint.id])
    (waiting,) = messages_deliveries_create(
        pairs=[(WebhookEvent(endpoint.organization_id, "sync.failed", {}), [endpoint])]
    )

    alice_client.post(toggle)
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "Disabled by alice."
    assert WebhookDelivery.objects.get(id=waiting).state == "cancelled"
    # A disabled endpoint gets no test event and no replay
    test = reverse("webhooks-endpoint-test", args=[prop_a.id, endpoint.id])
    response = alice_client.post(test, follow=True)
    assert "Enable the endpoint before sending it a test event." in response.content.decode()

    alice_client.post(toggle)
    endpoint.refresh_from_db()
    assert endpoint.enabled

    alice_client.post(reverse("webhooks-endpoint-delete", args=[prop_a.id, endpoint.id]))
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert WebhookMessage.objects.exists()  # the messages stay: other endpoints may share them


def test_another_organizations_endpoint_is_404(bob_client, prop_b, hook, enqueued):
    (delivery_id,) = messages_deliveries_create(
        pairs=[(WebhookEvent(hook.endpoint.organization_id, "sync.failed", {}), [hook.endpoint])]
    )
    for name, args in [
        ("webhooks-endpoint", [prop_b.id, hook.endpoint.id]),
        ("webhooks-endpoint-test", [prop_b.id, hook.endpoint.id]),
        ("webhooks-endpoint-toggle", [prop_b.id, hook.endpoint.id]),
        ("webhooks-endpoint-delete", [prop_b.id, hook.endpoint.id]),
        ("webhooks-delivery-replay", [prop_b.id, hook.endpoint.id, delivery_id]),
    ]:
        assert bob_client.post(reverse(name, args=args)).status_code == 404, name
    assert WebhookEndpoint.objects.get().enabled
    assert WebhookDelivery.objects.count() == 1
