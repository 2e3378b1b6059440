"""Emission: events wait for the commit, then go to the endpoints that want them, in one
INSERT of messages and one of deliveries, whatever the number of events."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from webhooks.emit import WebhookEvent, webhook_events_emit
from webhooks.models import WebhookDelivery, WebhookMessage
from webhooks.services import endpoint_create, endpoint_disable_by

pytestmark = pytest.mark.django_db


def events(org, prop, n: int, type: str = "access.granted") -> list[WebhookEvent]:
    return [WebhookEvent(org.id, type, {"grant_id": i}, property_id=prop.id) for i in range(n)]


def test_nothing_is_recorded_before_the_commit(
    hook, org_a, prop_a, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_events_emit(events=events(org_a, prop_a, 3))
    assert not WebhookMessage.objects.exists()
    assert len(callbacks) == 1  # one callback per call, not per event


def test_a_rolled_back_change_sends_nothing(
    hook, org_a, prop_a, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                webhook_events_emit(events=events(org_a, prop_a, 2))
                raise RuntimeError("the grant failed")
        except RuntimeError:
            pass
    assert not WebhookMessage.objects.exists()


def test_events_go_to_endpoints_that_want_them(
    org_a, org_b, prop_a, prop_a2, prop_b, enqueued, django_capture_on_commit_callbacks
):
    # Given four endpoints: all of Harbor Living's grants, only Maple Court's, only sync
    # failures, a disabled one; and Elm Group's
    every = endpoint_create(
        organization=org_a, url="https://a.example/1", events=["access.granted"]
    )
    maple = endpoint_create(
        organization=org_a,
        url="https://a.example/2",
        events=["access.granted"],
        properties=[prop_a2],
    )
    endpoint_create(organization=org_a, url="https://a.example/3", events=["sync.failed"])
    off = endpoint_create(organization=org_a, url="https://a.example/4", events=["access.granted"])
    endpoint_disable_by(endpoint=off.endpoint, actor=None)
    elm = endpoint_create(organization=org_b, url="https://b.example/1", events=["access.granted"])

    # When a grant at Harborview and one at Maple Court are emitted
    with django_capture_on_commit_callbacks(execute=True):
        webhook_events_emit(events=[*events(org_a, prop_a, 1), *events(org_a, prop_a2, 1)])

    # Then each went where it was wanted, and nowhere else
    got = {
        (d.endpoint_id, json.loads(d.message.body)["data"]["grant_id"], d.message.property_id)
        for d in WebhookDelivery.objects.select_related("message")
    }
    assert got == {
        (every.endpoint.id, 0, prop_a.id),
        (every.endpoint.id, 0, prop_a2.id),
        (maple.endpoint.id, 0, prop_a2.id),
    }
    assert not WebhookDelivery.objects.filter(endpoint=elm.endpoint).exists()
    assert sorted(enqueued) == sorted(WebhookDelivery.objects.values_list("id", flat=True))
    # one message per event, shared by the endpoints it goes to
    assert WebhookMessage.objects.count() == 2


def test_without_endpoints_an_emission_costs_one_query_after_commit(
    org_a, prop_a, enqueued, django_capture_on_commit_callbacks
):
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        webhook_events_emit(events=events(org_a, prop_a, 500))
    # SELECT webhookendpoint WHERE organization_id IN … AND disabled_at IS NULL
    assert len(queries) == 1
    assert not WebhookMessage.objects.exists()


@pytest.mark.postgresql
def test_with_endpoints_queries_do_not_grow_with_events(
    hook, org_a, prop_a, enqueued, django_capture_on_commit_callbacks
):
    def counted(n: int) -> int:
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            webhook_events_emit(events=events(org_a, prop_a, n))
        return len(queries)

    # SELECT webhookendpoint …                   (the organizations' enabled endpoints)
    # SELECT webhookendpoint_properties …        (their property filters)
    # SAVEPOINT                                  (messages_deliveries_create's atomic)
    # INSERT webhookmessage … RETURNING id       (every message)
    # INSERT webhookdelivery … RETURNING id      (every delivery)
    # RELEASE SAVEPOINT
    assert counted(10) == counted(1000) == 6
    assert WebhookDelivery.objects.count() == 1010
