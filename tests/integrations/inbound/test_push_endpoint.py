"""The push endpoint /hooks/pms/<token>/: authenticated by signature, not session or CSRF;
answers at once and enqueues a targeted sync; a request that fails verification changes
nothing but its own line in the event log; a replay is logged and triggers nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.inbound.models import InboundEvent
from integrations.models import SyncRun

from .conftest import move_out_event, post, signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """Event ids handed to the targeted sync task, instead of running it."""
    from integrations import tasks

    found: list[int] = []
    monkeypatch.setattr(tasks.targeted_sync_task, "delay", found.append)
    return found


def test_a_genuine_push_is_logged_and_queues_a_targeted_sync(
    hook, queued, django_capture_on_commit_callbacks
):
    # A browser-like client that enforces CSRF: the endpoint is exempt, and needs no login.
    client = Client(enforce_csrf_checks=True)
    headers, body = signed(move_out_event(7001, 5002))
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(client, hook, headers, body)
    assert answer.status_code == 200 and answer.json() == {"received": True, "verdict": "accepted"}
    event = InboundEvent.objects.get()
    assert (event.verdict, event.event_name, event.lease_ids, event.tenant_ids) == (
        "accepted", "Lease.MoveOut.Created", ["7001"], ["5002"],
    )  # fmt: skip
    assert event.triggered == "targeted sync queued" and queued == [event.id]
    assert b"signature" not in event.body.encode()


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda h, b: ({**h, "buildium-webhook-signature": "AAAA" + h["buildium-webhook-signature"][4:]}, b), "bad signature"),
        (lambda h, b: (h, b.replace(b"5002", b"5003")), "bad signature"),
        (lambda h, b: ({k: v for k, v in h.items() if "signature" not in k}, b), "missing"),
    ],
)  # fmt: skip
def test_a_bad_signature_changes_nothing_and_logs_why(
    client, hook, queued, tamper, reason, django_capture_on_commit_callbacks
):
    headers, body = tamper(*signed(move_out_event(7001, 5002)))
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(client, hook, headers, body)
    assert answer.status_code == 401 and answer.json() == {"error": "not verified"}
    event = InboundEvent.objects.get()
    assert event.verdict == "rejected" and reason in event.reason and event.triggered == "nothing"
    assert queued == [] and not SyncRun.objects.exists()


def test_a_stale_push_is_refused(client, hook, queued):
    headers, body = signed(move_out_event(7001, 5002), now=timezone.now() - timedelta(minutes=10))
    assert post(client, hook, headers, body).status_code == 401
    assert "stale timestamp" in InboundEvent.objects.get().reason and queued == []


def test_a_replayed_push_is_logged_and_triggers_nothing(
    client, hook, queued, django_capture_on_commit_callbacks
):
    headers, body = signed(move_out_event(7001, 5002))
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, hook, headers, body).status_code == 200
        again = post(client, hook, headers, body)
    assert again.status_code == 200 and again.json()["verdict"] == "duplicate"
    assert list(InboundEvent.objects.order_by("id").values_list("verdict", flat=True)) == [
        "accepted",
        "duplicate",
    ]
    assert len(queued) == 1


def test_an_event_about_something_else_is_accepted_and_triggers_nothing(
    client, hook, queued, django_capture_on_commit_callbacks
):
    headers, body = signed({"EventName": "Rental.Updated", "AccountId": 1, "PropertyId": 23})
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, hook, headers, body).status_code == 200
    assert InboundEvent.objects.get().triggered == "nothing: Rental.Updated is not about residents"
    assert queued == []


def test_without_a_signing_secret_every_push_is_refused(client, buildium, queued):
    from integrations.inbound.services import inbound_hook_for

    hook = inbound_hook_for(integration=buildium)
    headers, body = signed(move_out_event(7001, 5002))
    assert post(client, hook, headers, body).status_code == 401
    assert "no signing secret" in InboundEvent.objects.get().reason


def test_an_unknown_token_is_404_and_logs_nothing(client, hook):
    headers, body = signed(move_out_event(7001, 5002))
    answer = client.post(
        "/hooks/pms/not-a-token/", data=body, content_type="application/json", headers=headers
    )
    assert answer.status_code == 404 and not InboundEvent.objects.exists()


def test_only_post(client, hook):
    assert client.get(f"/hooks/pms/{hook.token}/").status_code == 405


def test_an_oversized_body_is_refused_unread(client, hook):
    answer = client.post(
        f"/hooks/pms/{hook.token}/", data=b"x" * 70_000, content_type="application/json"
    )
    assert answer.status_code == 413 and not InboundEvent.objects.exists()


def test_the_signing_secret_is_stored_encrypted(hook):
    from .conftest import SECRET

    hook.refresh_from_db()
    assert hook.secret_encrypted and SECRET not in hook.secret_encrypted


def test_a_push_costs_a_fixed_handful_of_queries(
    client, hook, queued, django_assert_num_queries, django_capture_on_commit_callbacks
):
    headers, body = signed(move_out_event(7001, 5002))
    # 1 the endpoint and its integration and credential (one join)
    # 2-4 savepoint, INSERT of the event, release (the replay check is the unique index)
    with django_assert_num_queries(4), django_capture_on_commit_callbacks(execute=True):
        assert post(client, hook, headers, body).status_code == 200
    assert len(queued) == 1
