"""Every write through the API goes through the console's service and is audited as the
token: grant and revoke a key, approve and discard access suggestions, Sync Now, resolve
a sync alert."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AccessSuggestion, KeyGrant
from audit.models import AccessEvent
from integrations.models import PMSIntegration, PMSRecord, SyncAlert, SyncRun
from tests.factories import KeyFactory, ResidentFactory
from tests.properties.test_tenant_isolation import objects_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids(prop_a, unit_a, alice):
    return objects_of(prop_a, unit_a, alice)


def _post(client, name, args, body=None, **headers):
    return client.post(
        reverse(name, args=args), body or {}, content_type="application/json", **headers
    )


def _events_by(acme) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(api_token=acme.token).order_by("id"))


def test_a_grant_is_written_by_access_grants_and_audited_as_the_token(
    acme_client, acme, prop_a, ids
):
    key = KeyFactory(property=prop_a, name="Gym")

    response = _post(
        acme_client, "api-key-grants", [prop_a.id], {"resident": ids["resident_id"], "key": key.id}
    )

    assert response.status_code == 201, response.json()
    grant = KeyGrant.objects.get(id=response.json()["id"])
    assert (grant.key_id, grant.granted_by, grant.revoked_at) == (key.id, None, None)
    [event] = _events_by(acme)
    assert event.action == AccessEvent.Action.KEY_GRANTED
    assert event.actor is None and event.actor_label == "API token Acme locks"
    assert event.reason == "Granted through the API"

    # The console's rule holds: a key already held is refused, as a 400 saying so.
    again = _post(
        acme_client, "api-key-grants", [prop_a.id], {"resident": ids["resident_id"], "key": key.id}
    )
    assert again.status_code == 400
    assert "already holds “Gym”" in again.json()["errors"][0]["message"]


def test_a_grant_naming_another_propertys_resident_or_key_changes_nothing(
    acme_client, prop_a, prop_a2, ids
):
    stranger = ResidentFactory(property=prop_a2)
    foreign_key = KeyFactory(property=prop_a2)
    before = KeyGrant.objects.count()

    response = _post(
        acme_client, "api-key-grants", [prop_a.id], {"resident": stranger.id, "key": foreign_key.id}
    )

    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"resident", "key"}
    assert KeyGrant.objects.count() == before


def test_a_revoke_needs_a_reason_and_is_audited(acme_client, acme, prop_a, ids):
    url_args = [prop_a.id, ids["grant_id"]]
    missing = _post(acme_client, "api-key-grant-revoke", url_args)
    assert missing.status_code == 400
    assert missing.json()["errors"] == [{"field": "reason", "message": "This field is required."}]

    response = _post(acme_client, "api-key-grant-revoke", url_args, {"reason": "Lost fob"})

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    grant = KeyGrant.objects.get(id=ids["grant_id"])
    assert grant.revoke_reason == "Lost fob" and grant.revoked_by is None
    [event] = _events_by(acme)
    assert (event.action, event.reason) == (AccessEvent.Action.KEY_REVOKED, "Lost fob")


def test_approve_is_update_access_and_discard_the_x(acme_client, acme, prop_a, ids):
    suggestion = AccessSuggestion.objects.get(id=ids["suggestion_id"])
    other = AccessSuggestion.objects.create(
        property=prop_a,
        resident=suggestion.resident,
        kind="grant",
        key=KeyFactory(property=prop_a, name="Pool"),
        transition_key="t1|future>current",
        transition_label="Future → Current",
        reason="Lease is current in the PMS",
        detected_at=timezone.now(),
    )

    # (objects_of's suggestion is for a key the resident already holds: discarded.)
    discarded = _post(
        acme_client, "api-suggestions-discard", [prop_a.id], {"ids": [suggestion.id, 999_999]}
    )
    approved = _post(acme_client, "api-suggestions-approve", [prop_a.id], {"ids": [other.id]})

    assert discarded.json()["discarded"] == [suggestion.id]
    assert "no such suggestion" in discarded.json()["refused"][0]
    assert approved.status_code == 200
    assert approved.json() == {"granted": 1, "revoked": 0, "acknowledged": 0, "refused": []}
    suggestion.refresh_from_db()
    other.refresh_from_db()
    assert (suggestion.state, other.state) == ("discarded", "approved")
    assert [e.action for e in _events_by(acme)] == [
        AccessEvent.Action.SUGGESTION_DISCARDED,
        AccessEvent.Action.KEY_GRANTED,
        AccessEvent.Action.SUGGESTION_APPROVED,
    ]
    assert {e.actor_label for e in _events_by(acme)} == {"API token Acme locks"}


def test_sync_now_needs_user_sync_then_starts_a_run_or_joins_the_running_one(
    acme_client, acme, prop_a, ids
):
    off = _post(acme_client, "api-sync-runs", [prop_a.id])
    assert off.status_code == 409
    assert "needs User Sync" in off.json()["detail"]

    PMSIntegration.objects.filter(property=prop_a).update(user_sync_enabled=True)
    started = _post(acme_client, "api-sync-runs", [prop_a.id])
    joined = _post(acme_client, "api-sync-runs", [prop_a.id])

    assert started.status_code == 202 and joined.status_code == 200
    run = SyncRun.objects.get(id=started.json()["id"])
    assert joined.json()["id"] == run.id
    assert (run.trigger, run.state, run.requested_by) == ("sync_now", "queued", None)
    assert started["Location"].endswith(reverse("api-sync-run", args=[prop_a.id, run.id]))
    [event] = _events_by(acme)
    assert (event.action, event.data) == (AccessEvent.Action.SYNC_STARTED, {"run": run.id})


def test_a_sync_alert_is_resolved_with_the_consoles_choices(acme_client, acme, prop_a, ids):
    alert = SyncAlert.objects.get(id=ids["alert_id"])
    PMSRecord.objects.create(
        integration=alert.integration,
        external_id="t1",
        pms_property_id="1",
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )
    listed = acme_client.get(reverse("api-sync-alerts", args=[prop_a.id])).json()["results"]
    assert listed[0]["resolutions"] == {
        "link": "Link to this resident",
        "create": "Create a new resident",
        "ignore": "Ignore",
    }
    args = [prop_a.id, alert.id]

    wrong = _post(acme_client, "api-sync-alert-resolve", args, {"resolution": "keep_ours"})
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "resolution"

    response = _post(acme_client, "api-sync-alert-resolve", args, {"resolution": "ignore"})

    assert response.status_code == 200, response.json()
    assert response.json()["alert"]["state"] == "ignored"
    assert "will be ignored" in response.json()["message"]
    [event] = _events_by(acme)
    assert event.action == AccessEvent.Action.SYNC_ALERT_RESOLVED

    again = _post(acme_client, "api-sync-alert-resolve", args, {"resolution": "ignore"})
    assert again.status_code == 400
    assert "already resolved" in again.json()["detail"]


def test_the_audit_feed_names_the_token(acme_client, acme, prop_a, ids):
    _post(acme_client, "api-key-grant-revoke", [prop_a.id, ids["grant_id"]], {"reason": "Lost"})

    feed = acme_client.get(reverse("api-access-events", args=[prop_a.id])).json()["results"]

    assert feed[-1]["actor"] == "API token Acme locks"
    assert feed[-1]["actor_type"] == "api_token"
    assert feed[-1]["api_token_id"] == acme.token.id
    # objects_of's grant, by alice; the unit's creation, by automation
    assert {"user", "automation"} <= {e["actor_type"] for e in feed}
